/**
 * `apple-container`: the macOS `container` CLI (one lightweight Linux VM per container).
 * Same contract as docker; the argument building is a pure function tested on Linux.
 *
 * What this backend cannot do (docs/security.md): the CLI has no `--network none`,
 * `--cap-drop`, `--pids-limit` or `no-new-privileges`, and virtiofs cannot carry a Unix
 * socket, so the VM keeps its network and reaches the gateway at the host's TCP address
 * with the per-run token. The VM boundary is the isolation; egress is not blocked by it.
 * None of it can run on the Linux CI machine.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { wrapChildProcess } from './child-process.js';
import { bindMountArg, containerName } from './docker.js';
import { SANDBOX_PATHS } from './spec.js';
import type { AgentProcess, Detection, ExitInfo, SandboxBackend, SandboxSpec } from './types.js';
import { runnerMounts } from './runner-mounts.js';

const run = promisify(execFile);

export interface AppleContainerOptions {
  cli?: string;
  image?: string;
  instanceId?: string;
  uid?: number;
  gid?: number;
  /** `process.platform`, injectable for tests. */
  platform?: NodeJS.Platform;
}

export interface AppleArgsOptions {
  image: string;
  instanceId: string;
  uid: number;
  gid: number;
}

/** Pure: the `container run` arguments for a spec. */
export function appleContainerRunArgs(spec: SandboxSpec, o: AppleArgsOptions): string[] {
  if (spec.gateway?.socketPath && !spec.gateway.tcpUrl) {
    throw new Error(
      `agent "${spec.agentId}": Apple Container cannot mount the gateway's Unix socket; grant the run a TCP gateway address (transport "tcp")`,
    );
  }
  const args = ['run', '--rm', '-i', '--name', containerName(spec.agentId, spec.runId)];
  args.push('--label', 'omniclaw.managed=1', '--label', `omniclaw.instance=${o.instanceId}`);
  args.push('--label', `omniclaw.agent=${spec.agentId}`);
  args.push(
    '--cpus',
    String(Math.max(1, Math.ceil(spec.limits.cpus))),
    '--memory',
    `${spec.limits.memoryMb}M`,
  );
  args.push('--user', `${o.uid}:${o.gid}`, '--workdir', spec.workdir, '--tmpfs', '/tmp');
  for (const m of runnerMounts(spec.runner))
    args.push('--mount', bindMountArg(m.hostPath, m.containerPath, true, spec.agentId));
  for (const m of spec.mounts)
    args.push('--mount', bindMountArg(m.hostPath, m.containerPath, m.readonly, spec.agentId));
  for (const [name, value] of Object.entries(spec.env)) args.push('--env', `${name}=${value}`);
  args.push(o.image, 'node', `${SANDBOX_PATHS.runner}/${spec.runner.main}`);
  return args;
}

export class AppleContainerSandbox implements SandboxBackend {
  readonly kind = 'apple-container' as const;
  readonly mapsPaths = true;
  private readonly cli: string;
  private readonly image: string;
  private readonly instanceId: string;

  constructor(private readonly options: AppleContainerOptions = {}) {
    this.cli = options.cli ?? 'container';
    this.image = options.image ?? 'omniclaw-agent:latest';
    this.instanceId = options.instanceId ?? 'default';
  }

  async detect(): Promise<Detection> {
    if ((this.options.platform ?? process.platform) !== 'darwin') {
      return {
        available: false,
        why: 'Apple Container runs only on macOS (Apple silicon, macOS 26 or later)',
      };
    }
    try {
      await run(this.cli, ['system', 'status'], { timeout: 10_000 });
      return {
        available: true,
        why: 'the container service answers (the VM keeps a network: egress is not blocked)',
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return {
          available: false,
          why: 'the `container` CLI is not installed; get it from github.com/apple/container/releases',
        };
      }
      return {
        available: false,
        why: 'the container service is not running; start it: container system start',
      };
    }
  }

  async start(spec: SandboxSpec): Promise<AgentProcess> {
    const uid = this.options.uid ?? 1000;
    const gid = this.options.gid ?? 1000;
    const args = appleContainerRunArgs(spec, { image: this.image, instanceId: this.instanceId, uid, gid });
    const name = containerName(spec.agentId, spec.runId);
    const child = spawn(this.cli, args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const proc = wrapChildProcess(child, {
      timeoutMs: spec.limits.timeoutMs,
      onKill: () => run(this.cli, ['kill', name], { timeout: 15_000 }).then(() => undefined),
    });
    const exited = proc.exited.then((info): ExitInfo =>
      info.reason === 'timeout'
        ? {
            ...info,
            detail: `agent "${spec.agentId}" was stopped after its ${spec.limits.timeoutMs} ms time limit`,
          }
        : info,
    );
    return { ...proc, exited, kill: (reason) => proc.kill(reason).then(() => exited.then(() => undefined)) };
  }

  async cleanupOrphans(): Promise<number> {
    const { stdout } = await run(this.cli, ['list', '--all', '--format', 'json'], { timeout: 15_000 });
    const containers = JSON.parse(stdout) as {
      configuration?: { id?: string; labels?: Record<string, string> };
    }[];
    const ids = containers
      .filter((c) => c.configuration?.labels?.['omniclaw.instance'] === this.instanceId)
      .map((c) => c.configuration?.id)
      .filter((id): id is string => typeof id === 'string');
    if (ids.length) await run(this.cli, ['delete', '--force', ...ids], { timeout: 60_000 });
    return ids.length;
  }
}
