/**
 * `ssh`: the agent runs on another machine, in that machine's own sandbox. The host opens a
 * session over the machine's master connection (ssh-link.ts) running `omniclaw node run`,
 * checks its hello (protocol version), sends the run's node_start (run id, agent, limits,
 * environment — never a secret; the gateway as forwarded over the master) and, once the
 * remote sandbox is up (node_ready), the session's stdio is the runner protocol.
 */
import { spawn } from 'node:child_process';
import type { Logger } from 'pino';
import {
  nodeHelloSchema,
  nodeReplySchema,
  parseHandshake,
  versionMismatch,
  type NodeStart,
} from '../protocol/node-protocol.js';
import { PROTOCOL_VERSION } from '../protocol/runner-protocol.js';
import { wrapChildProcess } from './child-process.js';
import { HandshakeReader } from './ssh-handshake.js';
import { runArgs } from './ssh-args.js';
import { refusal, type MachineLink } from './ssh-link.js';
import { SandboxStartError } from './start-error.js';
import type { AgentProcess, Detection, SandboxBackend, SandboxSpec } from './types.js';

/** ssh's exit status for its own errors (connection lost, refused); the remote command's own status otherwise. */
const SSH_FAILED = 255;

export interface SshSandboxOptions {
  sshPath?: string;
  logger?: Logger;
  /** How long the remote may take to start its sandbox (docker may pull nothing but still takes a while). */
  startTimeoutMs?: number;
}

export class SshSandbox implements SandboxBackend {
  readonly kind = 'ssh' as const;
  /** The remote sandbox maps the workspace to /workspace/…; the remote node tells the runner its own paths anyway. */
  readonly mapsPaths = true;

  constructor(
    readonly link: MachineLink,
    private readonly options: SshSandboxOptions = {},
  ) {}

  async detect(): Promise<Detection> {
    try {
      const hello = await this.link.connect();
      return hello.sandboxes.length
        ? {
            available: true,
            why: `machine "${this.link.name}": OmniClaw ${hello.version}, sandbox ${hello.sandboxes[0]}`,
          }
        : {
            available: false,
            why: `machine "${this.link.name}" has no sandbox: ${hello.why ?? 'none found'}`,
          };
    } catch (err) {
      return { available: false, why: (err as Error).message };
    }
  }

  async start(spec: SandboxSpec): Promise<AgentProcess> {
    const name = this.link.name;
    await this.link.connect();
    const child = spawn(this.options.sshPath ?? 'ssh', runArgs(this.link.target), {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const proc = wrapChildProcess(child, { timeoutMs: spec.limits.timeoutMs });
    let stderr = '';
    const onStderr = (chunk: Buffer): void => void (stderr = (stderr + chunk.toString('utf8')).slice(-2048));
    child.stderr.on('data', onStderr);
    const reader = new HandshakeReader(child.stdout, `machine "${name}"`);
    const side = `machine "${name}"`;
    try {
      const hello = parseHandshake(nodeHelloSchema, await reader.next(20_000), side);
      const mismatch = versionMismatch(hello.v, side);
      if (mismatch) throw new SandboxStartError(refusal(name, 'runs another OmniClaw version'), mismatch);
      const start: NodeStart = {
        type: 'node_start',
        v: PROTOCOL_VERSION,
        runId: spec.runId,
        agent: { id: spec.agentId },
        env: spec.env,
        limits: spec.limits,
        gatewaySocket: this.link.gatewaySocket,
      };
      child.stdin.write(JSON.stringify(start) + '\n');
      const reply = parseHandshake(
        nodeReplySchema,
        await reader.next(this.options.startTimeoutMs ?? 120_000),
        side,
      );
      if (reply.type === 'node_error') {
        // The machine answered; its sandbox refused. Another machine may do better.
        throw new SandboxStartError(refusal(name, 'could not start my sandbox'), `${side}: ${reply.message}`);
      }
      this.options.logger?.debug(
        { machine: name, run: spec.runId, sandbox: reply.sandbox },
        'remote sandbox started',
      );
    } catch (err) {
      await proc.kill('killed');
      if (err instanceof SandboxStartError) throw err;
      const detail = `${side}: ${(err as Error).message}${stderr ? ` (ssh: ${stderr.replace(/\s+/g, ' ').trim()})` : ''}`;
      throw new SandboxStartError(refusal(name, 'did not start my run'), detail);
    }
    child.stderr.off('data', onStderr);
    void proc.exited.then((info) => {
      if (info.code === SSH_FAILED) this.link.sessionLost();
    });
    return { ...proc, stdout: reader.release(), stderr: child.stderr, stdin: child.stdin };
  }
}
