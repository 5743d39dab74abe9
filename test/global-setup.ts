/**
 * Sandboxed runners and the daemon run compiled JavaScript (dist/, the daemon bundled into
 * dist/bundle/), exactly as users run it, so the tests build it once before anything starts.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BUILD_STAMP } from '../src/cli/doctor-build.js';
import { bundleDaemon } from '../scripts/bundle.js';

export default async function setup(): Promise<void> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  for (const project of ['tsconfig.build.json', 'runner/tsconfig.json']) {
    execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', project], {
      cwd: root,
      stdio: 'inherit',
    });
  }
  await bundleDaemon();
  // As `npm run build` does: doctor compares the sources with this build time.
  writeFileSync(`${root}dist/${BUILD_STAMP}`, new Date().toISOString());
}
