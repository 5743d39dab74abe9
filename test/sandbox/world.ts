/**
 * A throw-away host for sandbox tests: a fake user HOME with ~/.ssh, an instance home with
 * a database, a .env and another agent's folder (all holding the test's fake API key), a
 * project with a .env, the probe runner, a gateway Unix socket, and a TCP and a DNS server
 * on the host's 127.0.0.1 that count what reaches them.
 */
import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { AgentConfig } from '../../src/config/normalise.js';
import { instancePaths, type InstancePaths } from '../../src/config/paths.js';
import type { RunGrant } from '../../src/gateway/types.js';
import { PROTOCOL_VERSION, type Workspace } from '../../src/protocol/runner-protocol.js';
import { buildSandboxSpec } from '../../src/sandbox/spec.js';
import { loadMountAllowlist } from '../../src/sandbox/mounts.js';
import type { ExitInfo, SandboxBackend, SandboxSpec } from '../../src/sandbox/types.js';

export const PROBE_SOURCE = fileURLToPath(new URL('../fixtures/probe-runner.mjs', import.meta.url));

export interface World {
  root: string;
  userHome: string;
  paths: InstancePaths;
  project: string;
  runnerDir: string;
  secret: string;
  gatewaySocket: string;
  tcpPort: number;
  tcpConnections: () => number;
  dnsServer: string;
  dnsQueries: () => number;
  allowlistPath: string;
  close(): Promise<void>;
}

export async function createWorld(): Promise<World> {
  const root = mkdtempSync(join(tmpdir(), 'omniclaw-sandbox-test-'));
  const secret = `sk-ant-fake-${randomUUID()}`;
  const userHome = join(root, 'home');
  mkdirSync(join(userHome, '.ssh'), { recursive: true });
  writeFileSync(join(userHome, '.ssh', 'id_rsa'), `-----BEGIN FAKE KEY-----\n${secret}\n`);
  mkdirSync(join(userHome, 'projects', 'notes'), { recursive: true });
  writeFileSync(join(userHome, 'projects', 'notes', 'todo.md'), 'extra mount content');
  const allowlistPath = join(userHome, '.config', 'omniclaw', 'mount-allowlist.json');
  mkdirSync(join(userHome, '.config', 'omniclaw'), { recursive: true });
  writeFileSync(
    allowlistPath,
    JSON.stringify({ allowedRoots: [{ path: '~/projects', allowReadWrite: true }] }),
  );

  const paths = instancePaths(join(root, 'instance'));
  mkdirSync(join(paths.groups, 'other'), { recursive: true });
  mkdirSync(paths.globalMemory, { recursive: true });
  writeFileSync(paths.envFile, `ANTHROPIC_API_KEY=${secret}\n`);
  writeFileSync(paths.database, `SQLite format 3\u0000 ${secret}`);
  writeFileSync(join(paths.groups, 'other', 'CLAUDE.md'), `other agent's notes ${secret}`);
  writeFileSync(join(paths.globalMemory, 'CLAUDE.md'), 'global memory');

  const project = join(root, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'README.md'), 'the project');
  writeFileSync(join(project, '.env'), `ANTHROPIC_API_KEY=${secret}\n`);

  const runnerDir = join(root, 'runner');
  mkdirSync(runnerDir);
  copyFileSync(PROBE_SOURCE, join(runnerDir, 'probe-runner.mjs'));

  // The gateway stand-in answers each line with "gateway:<line>".
  mkdirSync(join(root, 'gw'));
  const gatewaySocket = join(root, 'gw', 'gateway.sock');
  const gateway = createServer((s) => s.on('data', (d) => s.write(`gateway:${d.toString()}`)));
  await new Promise<void>((r) => gateway.listen(gatewaySocket, r));
  chmodSync(gatewaySocket, 0o666);

  let connections = 0;
  const tcp: Server = createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  let queries = 0;
  const dns = createSocket('udp4');
  dns.on('message', () => queries++);
  await new Promise<void>((r) => dns.bind(0, '127.0.0.1', r));

  return {
    root,
    userHome,
    paths,
    project,
    runnerDir,
    secret,
    gatewaySocket,
    tcpPort: (tcp.address() as AddressInfo).port,
    tcpConnections: () => connections,
    dnsServer: `127.0.0.1:${dns.address().port}`,
    dnsQueries: () => queries,
    allowlistPath,
    async close() {
      await new Promise((r) => gateway.close(r));
      await new Promise((r) => tcp.close(r));
      dns.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export const DEFAULT_TEST_LIMITS: AgentConfig['limits'] = {
  memoryMb: 256,
  cpus: 1,
  pids: 64,
  timeoutMs: 30_000,
  diskMb: 1024,
};

export function testAgent(id: string, overrides: Partial<AgentConfig> = {}): AgentConfig {
  return {
    id,
    name: id,
    main: false,
    runtime: 'claude',
    sandbox: 'auto',
    trigger: `@${id}`,
    mounts: [],
    limits: DEFAULT_TEST_LIMITS,
    network: { allowHosts: [] },
    mcpServers: {},
    sessionMaxAgeMs: 3_600_000,
    ...overrides,
  };
}

export function probeSpec(
  world: World,
  backend: SandboxBackend,
  agent: AgentConfig,
): { spec: SandboxSpec; workspace: Workspace } {
  const grant: RunGrant = {
    endpoints: {},
    token: 'run-token',
    socketPath: world.gatewaySocket,
    revoke: () => undefined,
  };
  return buildSandboxSpec({
    agent,
    paths: world.paths,
    runId: `run-${randomUUID().slice(0, 8)}`,
    projectRoot: world.project,
    runnerDir: world.runnerDir,
    runnerMain: 'probe-runner.mjs',
    grant,
    allowlist: loadMountAllowlist(world.allowlistPath, world.userHome),
    allowlistPath: world.allowlistPath,
    mapsPaths: backend.mapsPaths,
    secrets: [world.secret],
    home: world.userHome,
  });
}

export interface ProbeOutcome {
  op: string;
  ok: boolean;
  detail: string;
  [key: string]: unknown;
}

export interface ProbeRun {
  results: ProbeOutcome[];
  exit: ExitInfo;
  stderr: string;
  /** ms from start() to the runner's `ready`. */
  readyMs: number;
}

/** A live probe: each `send` is one turn of actions, answered with their outcomes. */
export interface ProbeSession {
  proc: Awaited<ReturnType<SandboxBackend['start']>>;
  /** ms from start() to the runner's `ready`. */
  readyMs: number;
  send(actions: Record<string, unknown>[]): Promise<ProbeOutcome[]>;
  /** Asks the probe to exit and waits for it. */
  stop(): Promise<ExitInfo>;
  stderr(): string;
}

/** Wraps a started probe process (from a backend, or a launcher that wraps one). */
export async function probeSession(
  proc: ProbeSession['proc'],
  built: { spec: SandboxSpec; workspace: Workspace },
  began = performance.now(),
): Promise<ProbeSession> {
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: proc.stdout });
  const events: Record<string, unknown>[] = [];
  let wake: (() => void) | undefined;
  lines.on('line', (line) => {
    events.push(JSON.parse(line) as Record<string, unknown>);
    wake?.();
  });
  const waitFor = async (match: (e: Record<string, unknown>) => boolean, what: string) => {
    for (;;) {
      const found = events.find(match);
      if (found) return found;
      const ended = await Promise.race([
        new Promise<false>((r) => (wake = () => r(false))),
        proc.exited.then(() => true),
      ]);
      if (ended && !events.some(match)) throw new Error(`the probe exited before ${what}: ${stderr}`);
    }
  };
  await waitFor((e) => e.type === 'ready', '"ready"');
  const readyMs = performance.now() - began;
  let turns = 0;
  return {
    proc,
    readyMs,
    stderr: () => stderr,
    async send(actions) {
      const turnId = `t${++turns}`;
      const prompt = JSON.stringify(actions);
      proc.stdin.write(
        JSON.stringify(
          turns === 1
            ? {
                type: 'start',
                v: PROTOCOL_VERSION,
                runId: built.spec.runId,
                turnId,
                agent: { id: built.spec.agentId, name: built.spec.agentId, main: false },
                runtime: 'claude',
                model: 'probe',
                prompt,
                workspace: built.workspace,
                endpoints: {},
                tools: [],
                mcpServers: {},
              }
            : { type: 'message', turnId, text: prompt },
        ) + '\n',
      );
      const reply = await waitFor((e) => e.type === 'reply' && e.turnId === turnId, `the reply to ${turnId}`);
      return JSON.parse(reply.text as string) as ProbeOutcome[];
    },
    async stop() {
      proc.stdin.write(JSON.stringify({ type: 'stop' }) + '\n');
      return proc.exited;
    },
  };
}

/** Starts the probe, waits for ready, runs the actions, stops it. */
export async function runProbe(
  backend: SandboxBackend,
  built: { spec: SandboxSpec; workspace: Workspace },
  actions: Record<string, unknown>[],
): Promise<ProbeRun> {
  const began = performance.now();
  const session = await probeSession(await backend.start(built.spec), built, began);
  const results = await session.send(actions);
  const exit = await session.stop();
  return { results, exit, stderr: session.stderr(), readyMs: session.readyMs };
}

/** Starts the probe and waits for ready only (timeout and limit tests, benchmarks). */
export async function startProbe(
  backend: SandboxBackend,
  spec: SandboxSpec,
): Promise<{ proc: Awaited<ReturnType<SandboxBackend['start']>>; readyMs: number }> {
  const began = performance.now();
  const proc = await backend.start(spec);
  const lines = createInterface({ input: proc.stdout });
  await new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => {
      if ((JSON.parse(line) as { type: string }).type === 'ready') resolve();
    });
    void proc.exited.then((info) =>
      reject(new Error(`the probe exited before ready: ${JSON.stringify(info)}`)),
    );
  });
  return { proc, readyMs: performance.now() - began };
}
