/**
 * Choosing a sandbox is a lookup in this table: kind → a constructor of its backend. The
 * rest of the host never mentions a kind.
 */
import type { Logger } from 'pino';
import { AppleContainerSandbox } from './apple-container.js';
import { BwrapSandbox } from './bwrap.js';
import { DockerSandbox } from './docker.js';
import { NoSandbox } from './none.js';
import type { HostIdentity } from './folder-ownership.js';
import type { SandboxBackend, SandboxKind } from './types.js';

export interface BackendDeps {
  /** Names containers and cgroups so orphan clean-up touches only this instance's. */
  instanceId: string;
  /** The agent image (docker, podman, apple-container). */
  image: string;
  /** The instance home: mounts under it are handed to the container uid when the host runs as root. */
  instanceHome?: string;
  /** The host uid/gid sandboxes run as (folder-ownership.ts: the unprivileged one on a root host). */
  sandboxUser?: HostIdentity;
  logger?: Logger;
}

export const sandboxBackends: Record<SandboxKind, (deps: BackendDeps) => SandboxBackend> = {
  docker: (d) =>
    new DockerSandbox({
      kind: 'docker',
      image: d.image,
      instanceId: d.instanceId,
      ownedRoots: owned(d),
      uid: d.sandboxUser?.uid,
      gid: d.sandboxUser?.gid,
      logger: d.logger,
    }),
  podman: (d) =>
    new DockerSandbox({
      kind: 'podman',
      image: d.image,
      instanceId: d.instanceId,
      ownedRoots: owned(d),
      uid: d.sandboxUser?.uid,
      gid: d.sandboxUser?.gid,
      logger: d.logger,
    }),
  'apple-container': (d) => new AppleContainerSandbox({ image: d.image, instanceId: d.instanceId }),
  bwrap: (d) =>
    new BwrapSandbox({
      instanceId: d.instanceId,
      ownedRoots: owned(d),
      runAs: process.getuid?.() === 0 ? d.sandboxUser : undefined,
      logger: d.logger,
    }),
  ssh: () => {
    // Which machine depends on the agent (runsOn), so the machine pool (ssh-pool.ts) builds it, not this table.
    throw new Error(
      'the ssh sandbox is chosen per agent by runsOn; the machine pool starts it (docs/machines.md)',
    );
  },
  none: (d) => new NoSandbox(d.logger),
};

function owned(deps: BackendDeps): string[] {
  return deps.instanceHome ? [deps.instanceHome] : [];
}

/** One backend per kind, created on first use and shared by every agent that uses it. */
export class SandboxRegistry {
  private readonly created = new Map<SandboxKind, SandboxBackend>();

  constructor(
    private readonly deps: BackendDeps,
    private readonly table: Record<SandboxKind, (deps: BackendDeps) => SandboxBackend> = sandboxBackends,
  ) {}

  get(kind: SandboxKind): SandboxBackend {
    let backend = this.created.get(kind);
    if (!backend) {
      backend = this.table[kind](this.deps);
      this.created.set(kind, backend);
    }
    return backend;
  }

  /** Every backend created so far (for orphan clean-up at start and for doctor). */
  all(): SandboxBackend[] {
    return [...this.created.values()];
  }
}
