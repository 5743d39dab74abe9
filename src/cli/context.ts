/** What every command needs: the instance paths, the merged environment and the config. */
import { existsSync } from 'node:fs';
import { instancePaths, resolveHome, type InstancePaths } from '../config/paths.js';
import { readEnvFile } from '../config/env-file.js';
import { loadConfigFile, parseConfigText } from '../config/load.js';
import type { Config } from '../config/normalise.js';

export interface CliContext {
  paths: InstancePaths;
  /** Process env over the instance .env. */
  env: Record<string, string | undefined>;
}

export function cliContext(): CliContext {
  const paths = instancePaths(resolveHome());
  const env = { ...readEnvFile(paths.envFile), ...process.env };
  return { paths, env };
}

/** The config file, or the defaults when there is none yet. */
export function loadConfig(context: CliContext): Config {
  // No file yet: the defaults, still with OMNICLAW_* overrides from the environment.
  if (!existsSync(context.paths.config))
    return parseConfigText('', context.paths.config, { env: context.env });
  return loadConfigFile(context.paths.config, { env: context.env });
}

/** Prints a user-facing error and sets a failing exit code. */
export function fail(message: string, code = 1): void {
  process.stderr.write(`omniclaw: ${message}\n`);
  process.exitCode = code;
}
