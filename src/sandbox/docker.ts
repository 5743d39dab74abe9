/**
 * `docker` and `podman` (same CLI): one container per run, no network, read-only root,
 * all capabilities dropped, no-new-privileges, pids/memory/cpu limits, a non-root user,
 * labelled so a later host start removes what a crashed one left behind.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { wrapChildProcess } from './child-process.js';
import { SANDBOX_PATHS } from './spec.js';
import type { AgentProcess, Detection, ExitInfo, SandboxBackend, SandboxSpec } from './types.js';
import { runnerMounts } from './runner-mounts.js';
import { prepareFolderOwnership, sandboxIdentity } from './folder-ownership.js';
import { identityFiles, writeEtcFolder } from './identity-files.js';

const run = promisify(execFile);

export interface DockerOptions {
  /** 'docker' or 'podman' (or a full path to either). */
  cli?: string;
  kind?: 'docker' | 'podman';
  image?: string;
  /** Labels containers so cleanupOrphans touches only this host's. */
  instanceId?: string;
  /**
   * uid:gid inside (no user namespace, so also on the host): the host's own, or when the
   * host runs as root the unprivileged sandbox uid (config `sandbox.uid`, default 61000),
   * the same one bwrap uses, so folders pass between backends.
   */
  uid?: number;
  gid?: number;
  /**
   * Folders OmniClaw owns (the instance home). When the host runs as root, mounts under them
   * are handed to the container's uid so the non-root agent can use them.
   */
  ownedRoots?: string[];
  logger?: Logger;
}

/** A character that would end or change a `--mount` field: refuse, never escape. */
const MOUNT_UNSAFE = /[,:"'\n\r\0]/;

export class UnsafeMountError extends Error {}

/** What `docker run --pull never` (and podman) print for an image that is not here. */
const MISSING_IMAGE = /No such image|image not known/i;
/** For the chat: one sentence and the fix; the image name and the CLI's words go to the log. */
export const MISSING_IMAGE_NOTICE =
  "I can't start without my sandbox image; build the agent image: `omniclaw image build`";

/** Pure: one `--mount` value, refusing paths that could inject options. */
export function bindMountArg(source: string, target: string, readonly: boolean, agentId: string): string {
  for (const path of [source, target]) {
    if (MOUNT_UNSAFE.test(path) || !path.startsWith('/')) {
      throw new UnsafeMountError(
        `agent "${agentId}": the mount path ${JSON.stringify(path)} is not absolute or contains ",", ":" or a quote, ` +
          'which could inject mount options; rename the folder',
      );
    }
  }
  return `type=bind,source=${source},target=${target}${readonly ? ',readonly' : ''}`;
}

/** Docker names: [a-zA-Z0-9][a-zA-Z0-9_.-]*; ids are already boring, run ids may not be. */
export const containerName = (agentId: string, runId: string): string =>
  `omniclaw-${agentId}-${runId}`.replace(/[^a-zA-Z0-9_.-]/g, '_').slice(0, 120);

export interface DockerArgsOptions {
  image: string;
  instanceId: string;
  uid: number;
  gid: number;
  /** A folder with passwd and group naming uid (identity-files.ts), mounted over the image's. */
  etcDir?: string;
}

/** Pure: the `docker run` arguments for a spec. */
export function dockerRunArgs(spec: SandboxSpec, o: DockerArgsOptions): string[] {
  const { limits } = spec;
  // Never pull: a missing image is a set-up error to fix (`omniclaw image build`), not a
  // reason to fetch whatever a registry serves under that name.
  const args = ['run', '--rm', '-i', '--init', '--pull', 'never'];
  args.push('--name', containerName(spec.agentId, spec.runId));
  args.push('--label', 'omniclaw.managed=1', '--label', `omniclaw.instance=${o.instanceId}`);
  args.push('--label', `omniclaw.agent=${spec.agentId}`);
  const tmp = limits.tmpMb ? `/tmp:size=${limits.tmpMb}m` : '/tmp'; // RAM: bounded like the disk
  args.push('--network', 'none', '--read-only', '--tmpfs', tmp, '--hostname', 'omniclaw');
  args.push('--cap-drop', 'ALL', '--security-opt', 'no-new-privileges');
  args.push('--pids-limit', String(limits.pids), '--memory', `${limits.memoryMb}m`);
  args.push('--memory-swap', `${limits.memoryMb}m`, '--cpus', String(limits.cpus));
  args.push('--user', `${o.uid}:${o.gid}`, '--workdir', spec.workdir);
  for (const m of runnerMounts(spec.runner))
    args.push('--mount', bindMountArg(m.hostPath, m.containerPath, true, spec.agentId));
  for (const m of spec.mounts)
    args.push('--mount', bindMountArg(m.hostPath, m.containerPath, m.readonly, spec.agentId));
  for (const file of o.etcDir ? ['passwd', 'group'] : []) {
    args.push('--mount', bindMountArg(`${o.etcDir}/${file}`, `/etc/${file}`, true, spec.agentId));
  }
  if (spec.gateway?.socketPath) {
    args.push(
      '--mount',
      bindMountArg(spec.gateway.socketPath, SANDBOX_PATHS.gatewaySocket, true, spec.agentId),
    );
  }
  for (const [name, value] of Object.entries(spec.env)) args.push('--env', `${name}=${value}`);
  args.push(o.image, 'node', `${SANDBOX_PATHS.runner}/${spec.runner.main}`);
  return args;
}

/** Only what the CLI needs to find its daemon: the host's secrets stay out of its env. */
function cliEnv(): NodeJS.ProcessEnv {
  const keep = [
    'PATH',
    'HOME',
    'DOCKER_HOST',
    'DOCKER_CONFIG',
    'DOCKER_CONTEXT',
    'CONTAINER_HOST',
    'XDG_RUNTIME_DIR',
  ];
  return Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
}

export class DockerSandbox implements SandboxBackend {
  readonly kind: 'docker' | 'podman';
  readonly mapsPaths = true;
  private readonly cli: string;
  private readonly image: string;
  private readonly instanceId: string;
  private readonly uid: number;
  private readonly gid: number;
  private etcDir?: string;

  constructor(private readonly options: DockerOptions = {}) {
    this.kind = options.kind ?? 'docker';
    this.cli = options.cli ?? this.kind;
    this.image = options.image ?? 'omniclaw-agent:latest';
    this.instanceId = options.instanceId ?? 'default';
    const identity = sandboxIdentity();
    this.uid = options.uid ?? identity.uid;
    this.gid = options.gid ?? identity.gid;
  }

  async detect(): Promise<Detection> {
    try {
      const { stdout } = await run(this.cli, ['info', '--format', '{{.ServerVersion}}'], { timeout: 10_000 });
      try {
        await run(this.cli, ['image', 'inspect', '--format', '{{.Id}}', this.image], { timeout: 10_000 });
      } catch {
        return {
          available: false,
          why: `${this.kind} ${stdout.trim()} answers but the image ${this.image} is missing; run: omniclaw image build`,
          missingImage: this.image,
        };
      }
      return { available: true, why: `${this.kind} ${stdout.trim()} answers and has ${this.image}` };
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string };
      if (e.code === 'ENOENT') {
        const fix = this.kind === 'docker' ? 'sudo apt-get install docker.io' : 'sudo apt-get install podman';
        return { available: false, why: `${this.kind} is not installed; install it: ${fix}` };
      }
      const detail = (e.stderr ?? e.message).trim().split('\n')[0];
      const fix =
        this.kind === 'docker'
          ? 'start it (sudo systemctl start docker) and check you may use it (docker group)'
          : 'check `podman info`';
      return { available: false, why: `${this.kind} does not answer (${detail}); ${fix}` };
    }
  }

  async start(spec: SandboxSpec): Promise<AgentProcess> {
    this.etcDir ??= writeEtcFolder(identityFiles(this.uid, this.gid));
    const args = dockerRunArgs(spec, {
      image: this.image,
      instanceId: this.instanceId,
      uid: this.uid,
      gid: this.gid,
      etcDir: this.etcDir,
    });
    await prepareFolderOwnership(spec, { uid: this.uid, gid: this.gid }, this.options.ownedRoots ?? []);
    const name = containerName(spec.agentId, spec.runId);
    const child = spawn(this.cli, args, { env: cliEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    // The CLI's own complaint (before the container exists) says whether the image is missing.
    let cliStderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (cliStderr.length < 4096) cliStderr += chunk.toString();
    });
    // wrapChildProcess tells the exit only once stderr was read to its end (or after a bound).
    const proc = wrapChildProcess(child, {
      timeoutMs: spec.limits.timeoutMs,
      // Killing the CLI alone would leave the container running.
      onKill: () => run(this.cli, ['kill', name], { timeout: 15_000 }).then(() => undefined),
    });
    const exited = proc.exited.then(async (info): Promise<ExitInfo> => {
      if (info.reason === 'timeout') {
        return {
          ...info,
          detail: `agent "${spec.agentId}" was stopped after its ${spec.limits.timeoutMs} ms time limit`,
        };
      }
      if (info.code === 125 && MISSING_IMAGE.test(cliStderr)) {
        this.options.logger?.error(
          { agent: spec.agentId, image: this.image, stderr: cliStderr.trim() },
          'the agent image is missing; not pulling it',
        );
        return { ...info, reason: 'unavailable', detail: MISSING_IMAGE_NOTICE };
      }
      // 137 = SIGKILL inside the container, and we did not send it: the kernel's OOM killer.
      if (info.code === 137 && info.reason === undefined) {
        return {
          ...info,
          reason: 'limit',
          detail: `agent "${spec.agentId}" was killed, most likely for using more than its ${spec.limits.memoryMb} MB memory limit`,
        };
      }
      return info;
    });
    const kill = async (reason?: ExitInfo['reason']): Promise<void> => {
      await proc.kill(reason);
      await exited;
    };
    return { stdin: proc.stdin, stdout: proc.stdout, stderr: proc.stderr, exited, kill };
  }

  /** Removes containers of this instance a crashed host left behind. Call at host start only. */
  async cleanupOrphans(): Promise<number> {
    const { stdout } = await run(
      this.cli,
      ['ps', '-aq', '--filter', `label=omniclaw.instance=${this.instanceId}`],
      {
        timeout: 15_000,
      },
    );
    const ids = stdout.split('\n').filter(Boolean);
    const removed = await Promise.all(
      ids.map((id) =>
        run(this.cli, ['rm', '-f', id], { timeout: 60_000 }).then(
          () => true,
          // A container that exited on its own may already be on its way out (--rm).
          (err: { stderr?: string }) => /already in progress|No such container/i.test(err.stderr ?? ''),
        ),
      ),
    );
    return removed.filter(Boolean).length;
  }
}
