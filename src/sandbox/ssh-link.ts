/**
 * One machine's SSH link: the ControlMaster connection that every run of that machine is
 * multiplexed over, and what we know of the machine (up or down, since when, why, its
 * OmniClaw version and sandboxes). The master runs `omniclaw node attach` on the remote,
 * whose hello is the version handshake, and carries the gateway socket forward (-R) for all
 * runs. If it dies (network cut, remote reboot), the runs over it end with it and the next
 * run connects afresh.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { lstatSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import {
  nodeHelloSchema,
  nodeReplySchema,
  parseHandshake,
  versionMismatch,
  type NodeHello,
} from '../protocol/node-protocol.js';
import { HandshakeReader } from './ssh-handshake.js';
import { infoArgs, masterArgs, type SshTarget } from './ssh-args.js';
import { SandboxStartError } from './start-error.js';

export type MachineState = 'unknown' | 'up' | 'down';

export interface MachineHealth {
  name: string;
  state: MachineState;
  /** When the state last changed (epoch ms). */
  since: number;
  /** Why it is down (for the operator). */
  detail?: string;
  version?: string;
  sandboxes?: string[];
  labels: string[];
}

export interface LinkOptions {
  /**
   * The host gateway's Unix socket, forwarded by every master this link starts. Known at
   * construction, so a master opened by a health check carries it as well as one opened by a run.
   */
  hostGatewaySocket?: string;
  /** Distinguishes this host's gateway forward from another host's on the same remote. */
  instanceId: string;
  sshPath?: string;
  logger?: Logger;
  /** How long the remote may take to say hello (connect + node start). */
  helloTimeoutMs?: number;
  now?: () => number;
}

const STDERR_TAIL = 2048;
/** sun_path on the remote: 108 bytes on Linux, 104 on macOS, with the NUL. */
const MAX_REMOTE_SOCKET_BYTES = 103;

export class MachineLink {
  private master: ChildProcessWithoutNullStreams | undefined;
  private connecting: Promise<NodeHello> | undefined;
  private remoteHome: string | undefined;
  /** The gateway as the remote sees it (the master's -R forward), once connected with one. */
  gatewaySocket: string | undefined;
  private current: MachineHealth;
  private readonly now: () => number;

  constructor(
    readonly target: SshTarget,
    private readonly options: LinkOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.remoteHome = target.machine.home;
    this.current = {
      name: target.machine.name,
      state: 'unknown',
      since: this.now(),
      labels: target.machine.labels,
    };
  }

  get name(): string {
    return this.target.machine.name;
  }

  health(): MachineHealth {
    return { ...this.current };
  }

  /** The live master's hello, connecting first when there is none. Throws SandboxStartError when the machine fails. */
  connect(): Promise<NodeHello> {
    if (this.connecting && this.master && this.master.exitCode === null && this.master.signalCode === null) {
      return this.connecting;
    }
    const attempt = this.open(this.options.hostGatewaySocket);
    this.connecting = attempt;
    attempt.catch(() => {
      if (this.connecting === attempt) this.connecting = undefined;
    });
    return attempt;
  }

  /**
   * A run's session ended with ssh's own failure (exit 255): the connection is gone or going.
   * The master is ended now rather than when its own exit arrives, so the retry that follows
   * at once connects afresh instead of reaching a dying master (or, without one, a direct
   * connection that has no gateway forward).
   */
  sessionLost(): void {
    if (this.master) void this.close();
  }

  /** Ends the master (and so every run over it). */
  async close(): Promise<void> {
    const master = this.master;
    this.master = undefined;
    this.connecting = undefined;
    if (!master || master.exitCode !== null || master.signalCode !== null) return;
    const gone = new Promise((resolve) => master.once('exit', resolve));
    master.kill('SIGTERM');
    const force = setTimeout(() => master.kill('SIGKILL'), 2_000);
    await gone;
    clearTimeout(force);
  }

  private async open(hostGatewaySocket: string | undefined): Promise<NodeHello> {
    const name = this.name;
    try {
      prepareControlDir(dirname(this.target.controlPath));
      const home = this.remoteHome ?? (this.remoteHome = (await this.info()).home);
      const remoteSocket = `${home}/run/gw-${this.options.instanceId}.sock`;
      if (Buffer.byteLength(remoteSocket) > MAX_REMOTE_SOCKET_BYTES) {
        throw new Error(
          `the remote gateway socket ${remoteSocket} is too long for a Unix socket; use a shorter remote home`,
        );
      }
      const args = masterArgs(
        this.target,
        hostGatewaySocket ? { remoteSocket, hostSocket: hostGatewaySocket } : undefined,
      );
      const master = spawn(this.options.sshPath ?? 'ssh', args, { stdio: ['pipe', 'pipe', 'pipe'] });
      this.master = master;
      let stderr = '';
      master.stderr.on(
        'data',
        (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL)),
      );
      master.stdin.on('error', () => undefined);
      master.once('exit', (code, signal) => {
        if (this.master === master) {
          this.master = undefined;
          this.connecting = undefined;
        }
        this.set(
          'down',
          `the SSH connection ended (${signal ?? `exit ${code}`}): ${oneLine(stderr) || 'no message'}`,
        );
      });
      const reader = new HandshakeReader(master.stdout, `machine "${name}"`);
      let hello: NodeHello;
      try {
        hello = parseHandshake(
          nodeHelloSchema,
          await reader.next(this.options.helloTimeoutMs ?? 20_000),
          `machine "${name}"`,
        );
        const mismatch = versionMismatch(hello.v, `machine "${name}"`);
        if (mismatch) throw new SandboxStartError(refusal(name, 'runs another OmniClaw version'), mismatch);
        const reply = parseHandshake(nodeReplySchema, await reader.next(10_000), `machine "${name}"`);
        if (reply.type === 'node_error') throw new Error(reply.message);
      } catch (err) {
        await this.close();
        await new Promise((resolve) => setImmediate(resolve));
        throw new Error(`${(err as Error).message}${stderr ? ` (ssh: ${oneLine(stderr)})` : ''}`, {
          cause: err,
        });
      }
      this.gatewaySocket = hostGatewaySocket ? remoteSocket : undefined;
      // Whatever the master prints later is not ours to read; keep the pipe drained.
      reader.release().resume();
      this.current = {
        ...this.current,
        version: hello.version,
        sandboxes: hello.sandboxes,
      };
      this.set('up');
      this.options.logger?.info(
        { machine: name, version: hello.version, sandboxes: hello.sandboxes },
        'machine connected',
      );
      return hello;
    } catch (err) {
      const cause = (err as Error).cause;
      const detail = (err as Error).message;
      this.set('down', detail);
      this.options.logger?.warn({ machine: name, err: detail }, 'machine unreachable');
      if (cause instanceof SandboxStartError) throw new SandboxStartError(cause.userText, detail);
      throw new SandboxStartError(refusal(name, 'did not answer'), `machine "${name}": ${detail}`);
    }
  }

  /** `node info` over a one-off connection: the remote's hello (its home, when the config does not name it). */
  private info(): Promise<NodeHello> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.sshPath ?? 'ssh', infoArgs(this.target), {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on(
        'data',
        (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL)),
      );
      const reader = new HandshakeReader(child.stdout, `machine "${this.name}"`);
      reader
        .next(this.options.helloTimeoutMs ?? 20_000)
        .then((line) => resolve(parseHandshake(nodeHelloSchema, line, `machine "${this.name}"`)))
        .catch((err: Error) =>
          reject(new Error(`${err.message}${stderr ? ` (ssh: ${oneLine(stderr)})` : ''}`)),
        )
        .finally(() => child.kill());
    });
  }

  private set(state: MachineState, detail?: string): void {
    if (state !== this.current.state) this.current = { ...this.current, state, since: this.now() };
    this.current = { ...this.current, detail };
  }
}

/** The chat's sentence when a machine fails. */
export const refusal = (name: string, what: string): string =>
  `Sorry, the machine "${name}" I run on ${what}, so I could not answer. \`omniclaw machines check ${name}\` on the main machine says why.`;

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim().slice(-400);

/**
 * The control socket's folder is ours alone: a folder under /tmp that someone else made (or
 * a symlink) could let them hijack the connection, so anything but our own 0700 folder is refused.
 */
export function prepareControlDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const link = lstatSync(dir);
  const info = statSync(dir);
  const uid = process.getuid?.();
  if (
    link.isSymbolicLink() ||
    !info.isDirectory() ||
    (uid !== undefined && info.uid !== uid) ||
    info.mode & 0o077
  ) {
    throw new Error(
      `the ssh control folder ${dir} is not a private folder of this user (owner ${info.uid}, mode ${(info.mode & 0o777).toString(8)}); remove it and try again`,
    );
  }
}
