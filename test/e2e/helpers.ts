/**
 * A throw-away machine for end-to-end tests through the real host: a fake user HOME with
 * ~/.ssh, an instance home whose .env, database and agent folders hold things a sandbox must
 * never see, a TCP server on 127.0.0.1 that counts who reaches it, the fake Anthropic API,
 * and `omniclaw chat -m` run as the real CLI against the host's control socket.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApp, type App, type AppOptions } from '../../src/app.js';
import { parseConfigText } from '../../src/config/load.js';
import { instancePaths, type InstancePaths } from '../../src/config/paths.js';
import { silentLogger } from '../../src/observability/logger.js';
import { startFakeAnthropic, type FakeAnthropic, type MessagesBody } from '../fakes/fake-anthropic.js';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(PROJECT_ROOT, 'bin', 'omniclaw.js');

export interface E2eWorld {
  root: string;
  /** The host user's HOME for this test (process.env.HOME points here while the world lives). */
  userHome: string;
  paths: InstancePaths;
  /** The real Anthropic key: in the config, the instance .env and ~/.ssh; never in a sandbox. */
  key: string;
  /** A grep pattern that matches the key without containing it (so the command line is no leak). */
  keyPattern: string;
  /** Written in each agent's folder: `markers[agent]`. */
  markers: Record<string, string>;
  tcpPort: number;
  tcpConnections(): number;
  model: FakeAnthropic;
  close(): Promise<void>;
}

export async function createE2eWorld(agents: string[] = ['main', 'helper']): Promise<E2eWorld> {
  const root = mkdtempSync(join(tmpdir(), 'omniclaw-e2e-'));
  const key = `sk-ant-e2e-${randomUUID()}`;
  const userHome = join(root, 'user');
  mkdirSync(join(userHome, '.ssh'), { recursive: true });
  writeFileSync(join(userHome, '.ssh', 'id_rsa'), `-----BEGIN FAKE KEY-----\n${key}\n`);
  const previousHome = process.env.HOME;
  process.env.HOME = userHome;

  const paths = instancePaths(join(root, 'instance'));
  mkdirSync(paths.home, { recursive: true });
  writeFileSync(paths.envFile, `ANTHROPIC_API_KEY=${key}\n`);
  const markers: Record<string, string> = {};
  for (const agent of agents) {
    markers[agent] = `PRIVATE-NOTES-OF-${agent}-${randomUUID()}`;
    mkdirSync(join(paths.groups, agent), { recursive: true });
    writeFileSync(join(paths.groups, agent, 'notes.txt'), markers[agent]);
  }

  let connections = 0;
  const tcp: Server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  const model = await startFakeAnthropic();

  return {
    root,
    userHome,
    paths,
    key,
    keyPattern: `${key.slice(0, 14)}[${key[14]}]${key.slice(15)}`,
    markers,
    tcpPort: (tcp.address() as AddressInfo).port,
    tcpConnections: () => connections,
    model,
    close: async () => {
      await model.close();
      await new Promise((resolve) => tcp.close(resolve));
      if (previousHome === undefined) delete process.env.HOME;
      else process.env.HOME = previousHome;
      rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    },
  };
}

/** Model upstreams besides the fake Anthropic API (which every world has). */
export interface ExtraModels {
  openai?: { baseUrl: string; apiKey: string };
}

/** The host's config: the real key in models.anthropic, the fake model as upstream. */
export function e2eConfig(world: E2eWorld, yaml: string, extra: ExtraModels = {}): AppOptions['config'] {
  const openai = extra.openai
    ? `, openai: { baseUrl: "${extra.openai.baseUrl}", apiKey: "${extra.openai.apiKey}" }`
    : '';
  return parseConfigText(
    [
      'http: { port: 0 }',
      'logging: { file: false }',
      `models: { anthropic: { baseUrl: "${world.model.url}", apiKey: "${world.key}" }${openai} }`,
      'queue: { retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10 } }',
      yaml,
    ].join('\n'),
    'e2e.yaml',
    { env: {} },
  );
}

export function startE2eApp(
  world: E2eWorld,
  yaml: string,
  options: Partial<AppOptions> = {},
  extra: ExtraModels = {},
): Promise<App> {
  return startApp({
    home: world.paths.home,
    config: e2eConfig(world, yaml, extra),
    logger: silentLogger(),
    ...options,
  });
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `omniclaw` CLI (compiled dist/) against this world's instance. */
export function omniclaw(world: E2eWorld, args: string[], timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        env: { PATH: process.env.PATH, HOME: world.userHome, OMNICLAW_HOME: world.paths.home },
        timeout: timeoutMs,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export interface ToolResult {
  toolUseId: string;
  text: string;
  isError: boolean;
}

interface Block {
  type: string;
  tool_use_id?: string;
  content?: unknown;
  is_error?: boolean;
  text?: string;
}

const blockText = (content: unknown): string =>
  typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? (content as Block[]).map((b) => (typeof b.text === 'string' ? b.text : JSON.stringify(b))).join('\n')
      : JSON.stringify(content ?? '');

/** Every tool_result block of a Messages request, as the model sees it. */
export function toolResults(body: MessagesBody): ToolResult[] {
  const results: ToolResult[] = [];
  for (const message of body.messages ?? []) {
    if (message.role !== 'user' || !Array.isArray(message.content)) continue;
    for (const block of message.content as Block[]) {
      if (block.type !== 'tool_result') continue;
      results.push({
        toolUseId: block.tool_use_id ?? '',
        text: blockText(block.content),
        isError: block.is_error === true,
      });
    }
  }
  return results;
}

/** The tool result for the tool_use the fake answered with `id`, from the first request that carries it. */
export async function toolResultFor(
  model: FakeAnthropic,
  id: string,
  timeoutMs = 120_000,
): Promise<ToolResult> {
  const request = await model.waitForRequest(
    (r) => r.mainLoop && toolResults(r.body as MessagesBody).some((t) => t.toolUseId === id),
    timeoutMs,
  );
  return toolResults(request.body as MessagesBody).find((t) => t.toolUseId === id)!;
}

/** The text printed under `== name` by a probe script, up to the next section. */
export function section(output: string, name: string): string {
  const start = output.indexOf(`== ${name}\n`);
  if (start < 0) throw new Error(`the probe output has no section "${name}":\n${output.slice(0, 2000)}`);
  const rest = output.slice(start + name.length + 4);
  const end = rest.indexOf('\n== ');
  return end < 0 ? rest : rest.slice(0, end);
}

/** Every header value of every request the fake saw, joined: where a leaked token would show. */
export function allHeaderText(model: FakeAnthropic): string {
  return model.requests.map((r) => JSON.stringify(r.headers)).join('\n');
}
