/**
 * The host's one question to this folder: "which backend runs this agent?". Detection runs
 * once (on first need), each backend is created once, and a backend's orphans from a
 * crashed host are removed before its first run.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { AgentConfig, Config } from '../config/normalise.js';
import type { InstancePaths } from '../config/paths.js';
import { detectSandbox, resolveAgentSandbox, type SandboxChoice } from './detect.js';
import { SandboxRegistry, type BackendDeps } from './registry.js';
import { sandboxIdentity } from './folder-ownership.js';
import type { SandboxBackend, SandboxKind } from './types.js';

export interface ChooserOptions {
  config: Config;
  paths: InstancePaths;
  logger?: Logger;
  registry?: SandboxRegistry;
  platform?: NodeJS.Platform;
}

/** A stable id for this instance (its home folder), used in container labels and cgroup names. */
export const instanceIdFor = (home: string): string =>
  createHash('sha256').update(home).digest('hex').slice(0, 12);

export function backendDepsFor(config: Config, paths: InstancePaths, logger?: Logger): BackendDeps {
  return {
    instanceId: instanceIdFor(paths.home),
    image: config.sandbox.image,
    instanceHome: paths.home,
    sandboxUser: sandboxIdentity(config.sandbox),
    logger,
  };
}

export function createBackendChooser(
  options: ChooserOptions,
): ((agent: AgentConfig) => Promise<SandboxBackend>) & { detection: () => Promise<SandboxChoice> } {
  const registry =
    options.registry ?? new SandboxRegistry(backendDepsFor(options.config, options.paths, options.logger));
  let detection: Promise<SandboxChoice> | undefined;
  const detect = (): Promise<SandboxChoice> =>
    (detection ??= detectSandbox((kind) => registry.get(kind), options.platform));
  const cleaned = new Map<SandboxKind, Promise<void>>();

  const choose = async (agent: AgentConfig): Promise<SandboxBackend> => {
    const kind =
      agent.sandbox === 'auto' ? resolveAgentSandbox(agent.id, 'auto', await detect()) : agent.sandbox;
    const backend = registry.get(kind);
    let cleanup = cleaned.get(kind);
    if (!cleanup) {
      cleanup = (backend.cleanupOrphans?.() ?? Promise.resolve(0)).then(
        (removed) => {
          if (removed)
            options.logger?.info({ sandbox: kind, removed }, 'removed sandboxes left by a previous host');
        },
        (err: unknown) => options.logger?.warn({ sandbox: kind, err }, 'could not clean up old sandboxes'),
      );
      cleaned.set(kind, cleanup);
    }
    await cleanup;
    return backend;
  };
  return Object.assign(choose, { detection: detect });
}
