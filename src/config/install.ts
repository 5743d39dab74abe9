/**
 * Where this install of OmniClaw is: the project folder and the runner package in it.
 * Its own small module, imported by the host (app.ts), `omniclaw node` (which must not load
 * app.ts and its channel libraries on its cold-start path) and `doctor`.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project folder (the one with package.json); this file is src/config or dist/config. */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The runner, a package of its own: sandboxes mount only its build and libraries. */
export const RUNNER_PACKAGE = join(PROJECT_ROOT, 'runner');
/** Relative to RUNNER_PACKAGE: its build keeps the repository's layout (it compiles src/protocol in). */
export const RUNNER_MAIN = 'dist/runner/src/main.js';
/** The runner program a sandbox runs: only these entries of the package are mounted. */
export const INSTALLED_RUNNER = {
  hostDir: RUNNER_PACKAGE,
  main: RUNNER_MAIN,
  include: ['dist', 'node_modules', 'package.json'],
};
