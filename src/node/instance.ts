/**
 * The remote side of a machine (issue 15): the instance directory `omniclaw node …` works
 * in, its config (the sandbox choice; there are no credentials here and none are needed)
 * and what sandboxes work on this machine.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { loadConfigFile, parseConfigText } from '../config/load.js';
import type { AgentConfig, Config } from '../config/normalise.js';
import { instancePaths, type InstancePaths } from '../config/paths.js';
import { INSTALLED_RUNNER, PROJECT_ROOT } from '../config/install.js';
import { createBackendChooser } from '../sandbox/choose.js';
import type { SandboxBackend } from '../sandbox/types.js';

/** This install's runner package, the same the host runs (config/install.ts). */
export const NODE_RUNNER = INSTALLED_RUNNER;

export const OMNICLAW_VERSION = (
  JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

export interface NodeInstance {
  paths: InstancePaths;
  config: Config;
  /** The sandbox for agents here: the config's `sandbox.default`, or the detected one for `auto`. */
  backendFor(agent: AgentConfig): Promise<SandboxBackend>;
  /** Sandboxes that work here, the chosen one first; `why` when there is none. */
  sandboxes(): Promise<{ kinds: string[]; why?: string }>;
}

export function openNodeInstance(home: string, logger?: Logger): NodeInstance {
  const paths = instancePaths(home);
  const config = existsSync(paths.config)
    ? loadConfigFile(paths.config, { env: {} })
    : parseConfigText('', paths.config, { env: {} });
  const chooser = createBackendChooser({ config, paths, logger });
  return {
    paths,
    config,
    backendFor: chooser,
    sandboxes: async () => {
      if (config.sandbox.default !== 'auto' && config.sandbox.default !== 'ssh') {
        return { kinds: [config.sandbox.default] };
      }
      const choice = await chooser.detection();
      const available = choice.candidates.filter((c) => c.available).map((c) => c.kind);
      return available.length ? { kinds: available } : { kinds: [], why: choice.why };
    },
  };
}
