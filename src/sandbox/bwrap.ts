/**
 * `bwrap`: bubblewrap on Linux, no daemon. Fresh user/pid/ipc/uts/net/cgroup namespaces
 * (loopback only), no nested user namespaces, system dirs and /proc's kernel knobs
 * read-only, only the spec's mounts, a non-root uid, no capabilities, env cleared. Node and
 * the runner come read-only from the host. A root host runs bwrap as an unprivileged host
 * uid (bwrap-stage.ts), so the agent is nobody's root.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdtempSync, readlinkSync, existsSync, readdirSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { createRunCgroup, probeCgroups, type CgroupLayout, type RunCgroup } from './cgroup-limits.js';
import { dropTo, privilegeDropCommand, stagedPath } from './bwrap-stage.js';
import { prepareFolderOwnership, sandboxIdentity, type HostIdentity } from './folder-ownership.js';
import { wrapChildProcess } from './child-process.js';
import { SANDBOX_PATHS } from './spec.js';
import type { AgentProcess, Detection, ExitInfo, SandboxBackend, SandboxSpec } from './types.js';
import { runnerMounts } from './runner-mounts.js';
import { identityFiles, writeEtcFolder } from './identity-files.js';

export interface BwrapOptions {
  bwrapPath?: string;
  /** The uid/gid the runner has inside (default 1000). */
  uid?: number;
  gid?: number;
  /** Names this host's cgroups so two instances on one machine never clean up each other's. */
  instanceId?: string;
  /** Where cgroups live (tests). */
  cgroupRoot?: string;
  /** 'rlimit' skips cgroups even where they work (what an unprivileged host gets anyway). */
  limits?: 'auto' | 'rlimit';
  /**
   * Run bwrap itself as this host user. A root host always drops (default: the sandbox uid
   * of folder-ownership.ts, config `sandbox.uid`/`gid`); a normal user's host runs it as itself.
   */
  runAs?: HostIdentity;
  /** Folders OmniClaw owns (the instance home): mounts under them are handed to runAs before a run. */
  ownedRoots?: string[];
  logger?: Logger;
}

/** How the host's system folders are shown inside: merged-/usr symlinks stay symlinks. */
export type SystemEntry = { path: string; symlinkTo: string } | { path: string; dir: true };

export interface BwrapArgsOptions {
  etcDir: string;
  nodePath: string;
  /** Host folder holding Node when it is not under /usr (nvm, …), mounted at /opt/node. */
  nodePrefix?: string;
  system: SystemEntry[];
  uid: number;
  gid: number;
  /** Without cgroups: RLIMIT_NPROC inside the fresh user namespace, and a V8 heap cap. */
  rlimitFallback?: { pids: number; heapMb: number };
  /** Bind sources come from this stage folder (`<stage>/<n>`, see bwrap-stage.ts) instead of their host paths. */
  stageDir?: string;
}

/**
 * Kernel knobs a fresh procfs shows writable to a namespace's root (bwrap itself covers
 * irq and bus only when it finds them writable): read-only, as Docker keeps them.
 */
const PROC_READ_ONLY_TRY = ['/proc/sysrq-trigger', '/proc/irq', '/proc/bus', '/proc/fs'];

/** /dev/shm as Docker sizes it by default. */
const SHM_BYTES = 64 * 1024 * 1024;
const tmpfsSize = (spec: SandboxSpec): string[] =>
  spec.limits.tmpMb ? ['--size', String(spec.limits.tmpMb * 1024 * 1024)] : [];

const ETC_FILES = ['passwd', 'group', 'hosts', 'nsswitch.conf'] as const;
/** Host /etc pieces Node and TLS need; the rest of /etc (shadow, ssl/private, …) stays out. */
const HOST_ETC = [
  '/etc/ld.so.cache',
  '/etc/localtime',
  '/etc/ssl/certs',
  '/etc/ca-certificates',
  '/etc/alternatives',
  // Browser automation with the host's Chromium: its launcher reads these, fonts render pages.
  '/etc/chromium.d',
  '/etc/chromium',
  '/etc/fonts',
];

/** Pure: the bwrap command line for a spec. */
export function bwrapArgs(spec: SandboxSpec, o: BwrapArgsOptions): string[] {
  return bwrapCommand(spec, o).args;
}

/** Pure: the bwrap command line, and with a stage folder the host paths to stage in order. */
export function bwrapCommand(spec: SandboxSpec, o: BwrapArgsOptions): { args: string[]; staged: string[] } {
  const staged: string[] = [];
  const source = (hostPath: string): string => {
    if (!o.stageDir) return hostPath;
    staged.push(hostPath);
    return stagedPath(o.stageDir, staged.length - 1);
  };
  // An explicit user namespace, so that --disable-userns can forbid nested ones: inside one,
  // the agent would get every capability back and could mount file systems.
  const args = ['--unshare-all', '--unshare-user', '--disable-userns', '--die-with-parent', '--new-session'];
  args.push('--cap-drop', 'ALL');
  args.push('--uid', String(o.uid), '--gid', String(o.gid), '--hostname', 'omniclaw');
  for (const entry of o.system) {
    if ('symlinkTo' in entry) args.push('--symlink', entry.symlinkTo, entry.path);
    else args.push('--ro-bind', entry.path, entry.path);
  }
  for (const file of HOST_ETC) args.push('--ro-bind-try', file, file);
  for (const file of ETC_FILES) args.push('--ro-bind', join(o.etcDir, file), `/etc/${file}`);
  // RAM-backed and writable: bounded so the disk limit cannot be sidestepped through memory; /dev read-only.
  args.push('--proc', '/proc');
  args.push('--ro-bind', '/proc/sys', '/proc/sys');
  for (const path of PROC_READ_ONLY_TRY) args.push('--ro-bind-try', path, path);
  args.push('--dev', '/dev', '--size', String(SHM_BYTES), '--tmpfs', '/dev/shm');
  args.push('--remount-ro', '/dev', ...tmpfsSize(spec), '--tmpfs', '/tmp', '--dir', '/run/omniclaw');
  if (o.nodePrefix) args.push('--ro-bind', source(o.nodePrefix), '/opt/node');
  for (const m of runnerMounts(spec.runner)) args.push('--ro-bind', source(m.hostPath), m.containerPath);
  for (const mount of spec.mounts) {
    args.push(mount.readonly ? '--ro-bind' : '--bind', source(mount.hostPath), mount.containerPath);
  }
  if (spec.gateway?.socketPath) {
    args.push('--ro-bind', source(spec.gateway.socketPath), SANDBOX_PATHS.gatewaySocket);
  }
  // The root bwrap builds is a scratch tmpfs: make it read-only like docker's --read-only.
  args.push('--remount-ro', '/', '--chdir', spec.workdir, '--clearenv');
  for (const [name, value] of Object.entries(spec.env)) args.push('--setenv', name, value);
  args.push('--');
  const node = o.nodePrefix ? `/opt/node/${o.nodePath.slice(o.nodePrefix.length + 1)}` : o.nodePath;
  const main = `${SANDBOX_PATHS.runner}/${spec.runner.main}`;
  if (o.rlimitFallback) {
    const { pids, heapMb } = o.rlimitFallback;
    args.push(
      '/usr/bin/prlimit',
      `--nproc=${pids}:${pids}`,
      '--',
      node,
      `--max-old-space-size=${heapMb}`,
      main,
    );
  } else {
    args.push(node, main);
  }
  return { args, staged };
}

/** The host's /bin, /lib*, /sbin, /usr as bwrap should show them. */
export function hostSystemEntries(): SystemEntry[] {
  const entries: SystemEntry[] = [];
  for (const path of ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    try {
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) entries.push({ path, symlinkTo: readlinkSync(path) });
      else if (stat.isDirectory()) entries.push({ path, dir: true });
    } catch {
      // Not on this system.
    }
  }
  return entries;
}

function writeEtc(uid: number, gid: number): string {
  const files: Record<(typeof ETC_FILES)[number], string> = {
    ...identityFiles(uid, gid),
    hosts: '127.0.0.1 localhost omniclaw\n::1 localhost\n',
    // Files only: there is no resolver inside, so a DNS lookup fails at once.
    'nsswitch.conf': 'passwd: files\ngroup: files\nhosts: files\n',
  };
  return writeEtcFolder(files);
}

export class BwrapSandbox implements SandboxBackend {
  readonly kind = 'bwrap' as const;
  readonly mapsPaths = true;
  private readonly bwrap: string;
  private readonly uid: number;
  private readonly gid: number;
  /** The host user bwrap runs as: set when the host is root (or a test asks). */
  private readonly runAs?: HostIdentity;
  private etcDir?: string;
  private stageDir?: string;
  private cgroups?: { layout?: CgroupLayout; why: string };

  constructor(private readonly options: BwrapOptions = {}) {
    this.bwrap = options.bwrapPath ?? 'bwrap';
    this.uid = options.uid ?? 1000;
    this.gid = options.gid ?? 1000;
    this.runAs = options.runAs ?? (process.getuid?.() === 0 ? sandboxIdentity() : undefined);
  }

  private cgroupState(): { layout?: CgroupLayout; why: string } {
    this.cgroups ??=
      this.options.limits === 'rlimit'
        ? { why: 'cgroups not used (limits: rlimit)' }
        : probeCgroups(this.options.cgroupRoot, `omniclaw-${this.options.instanceId ?? 'default'}`);
    return this.cgroups;
  }

  private argsOptions(spec: SandboxSpec): BwrapArgsOptions {
    this.etcDir ??= writeEtc(this.uid, this.gid);
    // Each run mounts its own tmpfs over this folder in its private mount namespace.
    if (this.runAs && !this.stageDir) {
      this.stageDir = mkdtempSync(join(tmpdir(), 'omniclaw-bwrap-stage-'));
      chmodSync(this.stageDir, 0o755);
    }
    const nodePath = process.execPath;
    const underUsr = nodePath.startsWith('/usr/');
    return {
      etcDir: this.etcDir,
      nodePath,
      nodePrefix: underUsr ? undefined : dirname(dirname(nodePath)),
      system: hostSystemEntries(),
      uid: this.uid,
      gid: this.gid,
      stageDir: this.stageDir,
      rlimitFallback: this.cgroupState().layout
        ? undefined
        : { pids: spec.limits.pids, heapMb: Math.max(64, Math.floor(spec.limits.memoryMb * 0.75)) },
    };
  }

  async detect(): Promise<Detection> {
    const version = spawnSync(this.bwrap, ['--version'], { encoding: 'utf8', timeout: 5_000 });
    if (version.status !== 0) {
      return {
        available: false,
        why: 'bubblewrap is not installed; install it: sudo apt-get install bubblewrap',
      };
    }
    const [major = 0, minor = 0] = (/(\d+)\.(\d+)/.exec(version.stdout)?.slice(1) ?? []).map(Number);
    if (major === 0 && minor < 8) {
      return {
        available: false,
        why:
          `${version.stdout.trim()} is too old: 0.8 or later is needed to forbid nested user namespaces ` +
          '(--disable-userns); upgrade bubblewrap or use Docker',
      };
    }
    // The probe takes the path runs take: as the unprivileged user, without nested namespaces.
    const probeArgs = ['--unshare-all', '--unshare-user', '--disable-userns', '--die-with-parent'];
    probeArgs.push(...hostSystemEntries().flatMap(systemArgs), '--', '/bin/true');
    const probeCommand = [...(this.runAs ? dropTo(this.runAs) : []), this.bwrap, ...probeArgs];
    const probe = spawnSync(probeCommand[0]!, probeCommand.slice(1), { encoding: 'utf8', timeout: 5_000 });
    if (probe.status !== 0) {
      return {
        available: false,
        why:
          `bubblewrap cannot create namespaces here (${probe.stderr.trim() || `exit ${probe.status}`}); ` +
          'allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or on Ubuntu ' +
          'kernel.apparmor_restrict_unprivileged_userns=0) or use Docker',
      };
    }
    const cg = this.cgroupState();
    const limits = cg.layout
      ? `hard memory/cpu/pids limits through ${cg.why}`
      : `${cg.why}; pids limited by RLIMIT_NPROC, memory only as a V8 heap cap, no cpu limit`;
    return { available: true, why: `${version.stdout.trim()} creates namespaces; ${limits}` };
  }

  async start(spec: SandboxSpec): Promise<AgentProcess> {
    const { args, staged } = bwrapCommand(spec, this.argsOptions(spec));
    const runAs = this.runAs;
    if (runAs) await prepareFolderOwnership(spec, runAs, this.options.ownedRoots ?? []);
    const layout = this.cgroupState().layout;
    const cgroup: RunCgroup | undefined = layout ? createRunCgroup(layout, spec.limits) : undefined;
    const command =
      runAs && this.stageDir
        ? privilegeDropCommand({ stageDir: this.stageDir, sources: staged, runAs, bwrap: this.bwrap, args })
        : [this.bwrap, ...args];
    const stdio: ['pipe', 'pipe', 'pipe'] = ['pipe', 'pipe', 'pipe'];
    // The first process joins the run's cgroup, then becomes bwrap (same pid), so nothing
    // inside ever runs outside the limits.
    const joinThenExec = 'for f in $OMNICLAW_CGROUP_PROCS; do echo $$ > "$f" || exit 97; done; exec "$@"';
    const child = cgroup
      ? spawn('/bin/sh', ['-c', joinThenExec, 'sh', ...command], {
          env: { PATH: '/usr/bin:/bin', OMNICLAW_CGROUP_PROCS: cgroup.procsFiles.join(' ') },
          stdio,
        })
      : spawn(command[0]!, command.slice(1), { env: { PATH: '/usr/bin:/bin' }, stdio });
    const proc = wrapChildProcess(child, { timeoutMs: spec.limits.timeoutMs });
    const exited = proc.exited.then((info): ExitInfo => {
      const hit = cgroup?.limitHit();
      cgroup?.destroy();
      if (hit === 'memory' && info.reason !== 'timeout' && info.reason !== 'killed') {
        return {
          ...info,
          reason: 'limit',
          detail: `agent "${spec.agentId}" was stopped: it used more than its ${spec.limits.memoryMb} MB memory limit`,
        };
      }
      if (info.reason === 'timeout') {
        return {
          ...info,
          detail: `agent "${spec.agentId}" was stopped after its ${spec.limits.timeoutMs} ms time limit`,
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

  /** Removes run cgroups a crashed host left behind (their processes died with it). */
  async cleanupOrphans(): Promise<number> {
    const layout = this.cgroupState().layout;
    if (!layout) return 0;
    const parents = Object.values(layout.parents) as string[];
    let removed = 0;
    for (const parent of parents) {
      if (!existsSync(parent)) continue;
      for (const name of readdirSync(parent).filter((n) => n.startsWith('run-'))) {
        try {
          rmdirSync(join(parent, name));
          removed++;
        } catch {
          // Still has processes (another live run): leave it.
        }
      }
    }
    return removed;
  }
}

function systemArgs(entry: SystemEntry): string[] {
  return 'symlinkTo' in entry
    ? ['--symlink', entry.symlinkTo, entry.path]
    : ['--ro-bind', entry.path, entry.path];
}
