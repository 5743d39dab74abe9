/**
 * Sandboxed runners and the daemon run compiled JavaScript (dist/), exactly as users run
 * it, so the tests build it once before anything starts.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  for (const project of ['tsconfig.build.json', 'runner/tsconfig.json']) {
    execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', project], {
      cwd: root,
      stdio: 'inherit',
    });
  }
}
