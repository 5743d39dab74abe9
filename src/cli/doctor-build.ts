/**
 * `doctor`: is the compiled code as new as the sources and the installed packages? `npm start`
 * runs `dist/bundle/` and every sandbox runs `runner/dist/`; after a `git pull` without
 * `npm install` (which builds through `prepare`), both are the old code — and agents are shown
 * the old tool descriptions. After `npm install <package>` or `npm update`, which do not build,
 * the daemon's bundle still holds the packages' old code.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Check } from './doctor-checks.js';

/** The file `npm run build` writes last (see package.json). */
export const BUILD_STAMP = '.built';

/** The newest modification time of a `.ts` file under `dir` (0 when there is none). */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.isFile() && entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const mtimeOf = (path: string): number => (existsSync(path) ? statSync(path).mtimeMs : 0);

export function buildFreshCheck(projectRoot: string): Check {
  const name = 'build';
  const sources = [join(projectRoot, 'src'), join(projectRoot, 'runner', 'src')];
  // An installed package without its sources has nothing to compare against.
  if (!sources.every((dir) => existsSync(dir)))
    return { name, status: 'ok', detail: 'No sources beside the build to compare with.' };
  const fix = 'Run `npm run build` in the project folder, then restart OmniClaw.';
  // Written by `npm run build` after both compilers ran (tsc leaves unchanged outputs alone,
  // so the outputs' own times do not tell when the build last ran).
  const stamp = join(projectRoot, 'dist', BUILD_STAMP);
  if (!existsSync(join(projectRoot, 'runner', 'dist')))
    return { name, status: 'fail', detail: "The agents' compiled runner (runner/dist/) is missing.", fix };
  if (!existsSync(stamp))
    return { name, status: 'warn', detail: 'There is no record of when the code was last built.', fix };
  const built = statSync(stamp).mtimeMs;
  const newest = Math.max(...sources.map(newestSource));
  // The daemon runs a bundle (scripts/bundle.ts) holding its own copies of the packages, and
  // `npm install <package>` or `npm update` do not build: the daemon keeps the old copies.
  const packagesChanged = Math.max(
    ...[join('node_modules', '.package-lock.json'), join('scripts', 'bundle.ts')].map((file) =>
      mtimeOf(join(projectRoot, file)),
    ),
  );
  if (packagesChanged > built) {
    return {
      name,
      status: 'warn',
      detail: `The installed packages or the bundler changed after the last build (${new Date(packagesChanged).toISOString()}), so OmniClaw runs the code it bundled before.`,
      fix,
    };
  }
  if (newest > built) {
    return {
      name,
      status: 'warn',
      detail: `A source file changed after the last build (${new Date(newest).toISOString()}), so OmniClaw and its agents run older code.`,
      fix,
    };
  }
  return { name, status: 'ok', detail: 'The compiled code is newer than every source file.' };
}
