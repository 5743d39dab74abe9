/**
 * `omniclaw node run`: one run of an agent of the main machine, in this machine's own
 * sandbox, its stdio relayed over the SSH session.
 *
 * The agent's folders are this machine's (`groups/<agent>/` under this instance); the
 * gateway is the main machine's, forwarded by the SSH master to a socket under run/ here.
 * The only thing the node reads of the runner protocol is the first `start` command, whose
 * workspace paths it replaces with the ones it built; the rest is relayed unchanged (the
 * runner and the host each check every line they receive).
 */
import { chmodSync, lstatSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { AgentConfig } from '../config/normalise.js';
import { configSecrets } from '../config/secrets.js';
import {
  nodeStartSchema,
  parseHandshake,
  versionMismatch,
  type NodeStart,
} from '../protocol/node-protocol.js';
import { encodeLine, parseHostCommand, MAX_LINE_BYTES } from '../protocol/runner-protocol.js';
import { watchDisk } from '../sandbox/disk-watchdog.js';
import { HandshakeReader } from '../sandbox/ssh-handshake.js';
import { buildSandboxSpec } from '../sandbox/spec.js';
import type { AgentProcess } from '../sandbox/types.js';
import { helloOf, writeLine } from './hello.js';
import { NODE_RUNNER, type NodeInstance } from './instance.js';

export interface NodeIo {
  input: Readable;
  output: Writable;
  errors: Writable;
}

/** Runs one agent run; resolves with the exit code for the process. */
export async function runNode(instance: NodeInstance, io: NodeIo, logger: Logger): Promise<number> {
  writeLine(io.output, await helloOf(instance, false));
  const reader = new HandshakeReader(io.input, 'the main machine');
  let proc: AgentProcess;
  let workspace: ReturnType<typeof buildSandboxSpec>['workspace'];
  let sandbox: string;
  try {
    const start = parseHandshake(nodeStartSchema, await reader.next(30_000), 'the main machine');
    const mismatch = versionMismatch(start.v, 'the main machine');
    if (mismatch) throw new Error(mismatch);
    ({ proc, workspace, sandbox } = await startSandbox(instance, start, logger));
  } catch (err) {
    writeLine(io.output, { type: 'node_error', message: (err as Error).message.slice(0, 4000) });
    return 2;
  }
  writeLine(io.output, { type: 'node_ready', sandbox });

  // The run ends when either side goes: the main machine (SSH cut: stdin ends) or the sandbox.
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    void proc.kill('killed');
  };
  io.input.once('end', end);
  io.input.once('error', end);
  io.output.on('error', end);
  proc.stdout.pipe(io.output);
  proc.stderr.pipe(io.errors, { end: false });
  proc.stdin.on('error', () => undefined);
  try {
    const line = await reader.next(60_000).catch(async () => {
      throw new Error('the main machine sent no start command');
    });
    if (Buffer.byteLength(line) > MAX_LINE_BYTES) throw new Error('the start command is over the line limit');
    const command = parseHostCommand(line);
    if (command.type !== 'start') throw new Error(`the first command was "${command.type}", not "start"`);
    proc.stdin.write(encodeLine({ ...command, workspace }));
    reader.release().pipe(proc.stdin);
  } catch (err) {
    io.errors.write(`omniclaw node: ${(err as Error).message}\n`);
    end();
  }
  const exit = await proc.exited;
  return exit.code ?? 1;
}

/** The agent as this machine runs it: its own folders, no extra mounts, not main (the project is the main machine's). */
function agentOf(
  instance: NodeInstance,
  agent: { id: string; server?: string },
  start?: NodeStart,
): AgentConfig {
  return {
    id: agent.id,
    name: agent.id,
    main: false,
    trigger: '',
    runtime: 'claude',
    sandbox: instance.config.sandbox.default === 'ssh' ? 'auto' : instance.config.sandbox.default,
    mounts: [],
    limits: { ...instance.config.sandbox.limits, ...(start?.limits ?? {}) },
    network: { allowHosts: [] },
    mcpServers: {},
    sessionMaxAgeMs: 1,
    server: agent.server,
    env: start ? withoutHostSet(start.env) : undefined,
  };
}

/** HOME, PATH and OMNICLAW_* are set here for this machine's sandbox; the host's run id and agent id come back the same. */
function withoutHostSet(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      ([name]) => name !== 'HOME' && name !== 'PATH' && !name.startsWith('OMNICLAW_'),
    ),
  );
}

async function startSandbox(
  instance: NodeInstance,
  start: NodeStart,
  logger: Logger,
): Promise<{
  proc: AgentProcess;
  workspace: ReturnType<typeof buildSandboxSpec>['workspace'];
  sandbox: string;
}> {
  const agent = agentOf(instance, start.agent, start);
  const gatewaySocket = start.gatewaySocket ? ownGatewaySocket(instance, start.gatewaySocket) : undefined;
  const backend = await instance.backendFor(agent);
  const { spec, workspace, diskFolders } = buildSandboxSpec({
    agent,
    paths: instance.paths,
    runId: start.runId,
    projectRoot: '/nonexistent',
    runnerDir: NODE_RUNNER.hostDir,
    runnerMain: NODE_RUNNER.main,
    runnerInclude: NODE_RUNNER.include,
    grant: gatewaySocket ? { socketPath: gatewaySocket } : undefined,
    allowlist: null,
    mapsPaths: backend.mapsPaths,
    secrets: configSecrets(instance.config),
  });
  logger.info({ run: start.runId, agent: agent.id, sandbox: backend.kind }, 'node: starting a run');
  const started = await backend.start(spec);
  const proc =
    spec.limits.diskMb && diskFolders.length
      ? watchDisk(started, { agentId: agent.id, folders: diskFolders, limitMb: spec.limits.diskMb, logger })
      : started;
  return { proc, workspace, sandbox: backend.kind };
}

/**
 * The gateway socket must be the one the master forwarded into this instance's run/ folder
 * (0700, ours): a path elsewhere would let the main machine's config point a sandbox at any
 * socket of this machine. The sandbox gets the socket file mounted; 0666 lets its uid connect.
 */
export function ownGatewaySocket(instance: NodeInstance, path: string): string {
  const runDir = join(instance.paths.home, 'run');
  if (dirname(path) !== runDir || !/^gw-[a-f0-9]{1,32}\.sock$/.test(path.slice(runDir.length + 1))) {
    throw new Error(
      `the gateway socket ${path} is not under ${runDir}; run \`omniclaw node init\` on this machine`,
    );
  }
  const info = lstatSync(path, { throwIfNoEntry: false });
  if (!info?.isSocket()) {
    throw new Error(`the gateway socket ${path} is missing: the SSH connection did not forward it`);
  }
  chmodSync(path, 0o666);
  return path;
}
