/**
 * The OpenSSH command lines of the `ssh` sandbox, as pure functions (tested as tables).
 *
 * One master connection per machine (ControlMaster) carries the gateway's Unix socket
 * forward (-R) for every run; each run is a session multiplexed over it (-S), so a run pays
 * for a channel open, not for a TCP + key exchange + authentication. docs/performance.md
 * has the numbers.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { MachineConfig, SshAddress } from '../config/machines.js';

/** sun_path is 104–108 bytes; ssh appends nothing to a fixed ControlPath, but keep a margin. */
export const MAX_CONTROL_PATH_BYTES = 90;

export interface SshTarget {
  machine: MachineConfig;
  address: SshAddress;
  /** The master's control socket (short: see controlPathFor). */
  controlPath: string;
}

const hash = (text: string, length: number): string =>
  createHash('sha256').update(text).digest('hex').slice(0, length);

/** `/tmp/oc-<instance>/<machine>`: short enough for the Unix socket limit whatever the names. */
export function controlDirFor(instanceHome: string, tmp = '/tmp'): string {
  return join(tmp, `oc-${hash(instanceHome, 10)}`);
}

export function controlPathFor(controlDir: string, machine: MachineConfig): string {
  const path = join(controlDir, hash(`${machine.name}\u0000${machine.ssh}`, 10));
  if (Buffer.byteLength(path) > MAX_CONTROL_PATH_BYTES) {
    throw new Error(
      `the ssh control socket ${path} is longer than ${MAX_CONTROL_PATH_BYTES} bytes; set TMPDIR to a short folder`,
    );
  }
  return path;
}

/** One argument for the remote shell (ssh joins the command with spaces and hands it to the login shell). */
export const shellQuote = (arg: string): string =>
  /^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;

/** Options every invocation shares: no prompts, no agent or X11 forwarding, no escape char, host keys checked. */
function common(target: SshTarget, shared = true): string[] {
  const { machine, address } = target;
  return [
    '-T',
    '-a',
    '-x',
    '-e',
    'none',
    '-p',
    String(address.port),
    '-l',
    address.user,
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'ConnectTimeout=10',
    '-o',
    'ServerAliveInterval=5',
    '-o',
    'ServerAliveCountMax=3',
    '-o',
    'PermitLocalCommand=no',
    '-o',
    'ForwardAgent=no',
    '-o',
    'RequestTTY=no',
    ...(machine.identityFile ? ['-i', machine.identityFile, '-o', 'IdentitiesOnly=yes'] : []),
    ...(machine.knownHostsFile ? ['-o', `UserKnownHostsFile=${machine.knownHostsFile}`] : []),
    // ssh takes the first value of an option: the control path is given once, or not at all.
    ...(shared ? ['-o', `ControlPath=${target.controlPath}`] : ['-o', 'ControlPath=none']),
  ];
}

/** The remote `omniclaw` command line: the configured command (trusted, it is the operator's) and quoted arguments. */
export function remoteCommand(machine: MachineConfig, args: string[]): string {
  return [machine.command, ...args.map(shellQuote)].join(' ');
}

const homeArgs = (machine: MachineConfig): string[] => (machine.home ? ['--home', machine.home] : []);

/** `node info` over a direct connection: the hello alone (the remote home, when the config does not say it). */
export function infoArgs(target: SshTarget): string[] {
  return [
    ...common(target, false),
    '-o',
    'ControlMaster=no',
    target.address.host,
    remoteCommand(target.machine, ['node', 'info', ...homeArgs(target.machine)]),
  ];
}

/** The master: authenticates once, forwards the gateway socket, runs `node attach` until we close it. */
export function masterArgs(
  target: SshTarget,
  forward: { remoteSocket: string; hostSocket: string } | undefined,
): string[] {
  return [
    ...common(target),
    '-M',
    '-o',
    'ControlMaster=yes',
    '-o',
    'ControlPersist=no',
    '-o',
    'ExitOnForwardFailure=yes',
    '-o',
    'StreamLocalBindUnlink=yes',
    ...(forward ? ['-R', `${forward.remoteSocket}:${forward.hostSocket}`] : []),
    target.address.host,
    remoteCommand(target.machine, [
      'node',
      'attach',
      ...homeArgs(target.machine),
      ...(forward ? ['--gateway-socket', forward.remoteSocket] : []),
    ]),
  ];
}

/** One run: a session over the master (no forwards of its own, whatever ~/.ssh/config says). */
export function runArgs(target: SshTarget): string[] {
  return [
    ...common(target),
    '-o',
    'ControlMaster=no',
    '-o',
    'ClearAllForwardings=yes',
    target.address.host,
    remoteCommand(target.machine, ['node', 'run', ...homeArgs(target.machine)]),
  ];
}
