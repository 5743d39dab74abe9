/** Where the runner program comes from: the whole runner folder, or only the entries it needs. */
import { join } from 'node:path';
import { isValidId } from '../protocol/ids.js';
import type { SandboxSpec } from './types.js';

export const RUNNER_MOUNT_POINT = '/opt/omniclaw';

export function runnerMounts(runner: SandboxSpec['runner']): { hostPath: string; containerPath: string }[] {
  if (!runner.include?.length) return [{ hostPath: runner.hostDir, containerPath: RUNNER_MOUNT_POINT }];
  return runner.include.map((entry) => {
    if (!isValidId('fileName', entry) || entry.includes(' ')) {
      throw new Error(`runner entry "${entry}" must be a plain name inside the runner folder`);
    }
    return { hostPath: join(runner.hostDir, entry), containerPath: `${RUNNER_MOUNT_POINT}/${entry}` };
  });
}
