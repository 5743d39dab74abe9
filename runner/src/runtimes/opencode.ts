/**
 * The `opencode` runtime: the OpenCode engine (the binary of its npm platform package) as
 * `opencode serve`, driven through @opencode-ai/sdk. One engine per run stays up while the
 * agent is warm, so a follow-up is one HTTP prompt into the live session, not a new process.
 * Its home (database with the sessions, config, cache) is in the agent's state folder, so a
 * session resumes after a restart; the built-in agent tools are the stdio MCP server
 * `omniclaw` served by this runner (mcp/stdio-bridge.ts); the model is the gateway
 * (opencode-config.ts). Turns run in order.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createOpencodeClient, type Event, type OpencodeClient } from '@opencode-ai/sdk/v2/client';
import { opencodeModel } from '../../../src/protocol/opencode-model.js';
import type { StartCommand } from '../../../src/protocol/runner-protocol.js';
import { createOmniclawMcpServer } from '../mcp/omniclaw-server.js';
import { bridgeSocketPath, startStdioBridge, type StdioBridge } from '../mcp/stdio-bridge.js';
import type { Runtime, RuntimeSink } from '../runtime.js';
import { workspaceRoots } from '../tools/paths.js';
import { withWebProxy } from './openai-env.js';
import { formatMemory, loadMemoryFiles } from './openai-memory.js';
import {
  configDirStub,
  opencodeConfig,
  opencodeEnv,
  opencodeIdentity,
  type OpencodeHome,
} from './opencode-config.js';
import { OpencodeTurnTranslator, turnOutcome, type TurnSignal } from './opencode-events.js';
import { startOpencodeServer, type OpencodeServer } from './opencode-server.js';
import { reportUnexpectedTurnFailure, TurnQueue } from './turn-queue.js';

export interface OpencodeRuntimeOptions {
  /** A turn fails when the engine reports nothing this long while no tool runs. */
  idleTimeoutMs: number;
  /** Retries of a failed model request before the turn fails (OpenCode's own are unbounded). */
  requestMaxRetries: number;
  /** How long the engine may take to start. */
  startTimeoutMs: number;
  /** argv of the engine; default the binary of OpenCode's platform package. */
  command?: string[];
  /** Environment the engine starts from (default: the runner's). */
  baseEnv?: NodeJS.ProcessEnv;
}

export function opencodeOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): OpencodeRuntimeOptions {
  const number = (name: string, fallback: number): number => {
    const value = Number(env[name]);
    return env[name] !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback;
  };
  return {
    idleTimeoutMs: number('OMNICLAW_MODEL_TIMEOUT_MS', 180_000),
    requestMaxRetries: number('OMNICLAW_MODEL_MAX_RETRIES', 2),
    startTimeoutMs: number('OMNICLAW_ENGINE_START_TIMEOUT_MS', 60_000),
  };
}

/** OpenCode session ids look like `ses_…`; anything else is not one of its sessions. */
const SESSION_ID = /^ses_[A-Za-z0-9]+$/;

interface Engine {
  server: OpencodeServer;
  client: OpencodeClient;
  sessionId: string;
  bridge: StdioBridge;
  /** The turn being answered, for tool calls and events. */
  turn: { id: string; onEvent: (event: Event) => void } | undefined;
}

export function createOpencodeRuntime(options: Partial<OpencodeRuntimeOptions> = {}): Runtime {
  const settings: OpencodeRuntimeOptions = { ...opencodeOptionsFromEnv(), ...options };
  const abort = new AbortController();
  const turns = new TurnQueue(abort.signal);
  let engine: Engine | undefined;
  let bridge: StdioBridge | undefined;
  let server: OpencodeServer | undefined;

  return {
    async start(init, sink) {
      const where = `opencode runtime for agent ${init.agent.name} (run ${init.runId})`;
      const fail = (message: string, sessionInvalid = false): void =>
        sink.error(`${where}: ${message}`, { fatal: true, turnId: init.turnId, sessionInvalid });
      if (init.sessionId !== undefined && !SESSION_ID.test(init.sessionId)) {
        return fail(
          `cannot resume session ${JSON.stringify(init.sessionId.slice(0, 120))}: not an OpenCode session id`,
          true,
        );
      }
      const model = opencodeModel(init.model);
      const endpoint = init.endpoints[model.route];
      if (!endpoint) {
        return fail(
          `the host gave no ${model.route} endpoint for model "${init.model}" (start.endpoints.${model.route}); ` +
            `configure models.${model.route} or pick a model of the other provider`,
        );
      }
      const home = await prepareHome(join(init.workspace.stateDir, 'opencode'));
      const turnState = { id: init.turnId };
      bridge = await startStdioBridge({
        socketPath: bridgeSocketPath(home.root),
        createServer: () =>
          createOmniclawMcpServer(init.tools, (name, args) => sink.callTool(name, args, turnState.id)),
        log: sink.log,
      });
      const password = randomBytes(18).toString('base64url');
      const config = opencodeConfig({
        model,
        baseUrl: endpoint.baseUrl,
        token: endpoint.token,
        omniclawMcp: { command: bridge.command, args: bridge.args },
        pluginMcpServers: init.mcpServers,
        requestTimeoutMs: settings.idleTimeoutMs,
        web: init.httpProxy !== undefined,
      });
      server = await startOpencodeServer({
        command: settings.command,
        cwd: init.workspace.agentDir,
        env: opencodeEnv(
          withWebProxy(settings.baseEnv ?? process.env, init.httpProxy),
          home,
          config,
          password,
        ),
        startTimeoutMs: settings.startTimeoutMs,
      });
      const client = createOpencodeClient({
        baseUrl: server.url,
        directory: init.workspace.agentDir,
        headers: { authorization: `Basic ${Buffer.from(`opencode:${password}`).toString('base64')}` },
      });
      const sessionId = await openSession(client, init, where);
      if (!sessionId)
        return fail(
          `cannot resume OpenCode session ${init.sessionId}: it does not exist in ${home.data}`,
          true,
        );
      sink.session(sessionId);
      const live: Engine = { server, client, sessionId, bridge, turn: undefined };
      engine = live;
      await watchEngine(live, sink, where, abort.signal);

      const runTurn = (turnId: string, text: string): Promise<void> => {
        turnState.id = turnId;
        return runOneTurn(init, sink, settings, live, turnId, text, where, abort.signal).catch(
          (err: unknown) => {
            if (!abort.signal.aborted) reportUnexpectedTurnFailure(sink, where, turnId, err);
          },
        );
      };
      turns.start(runTurn, { turnId: init.turnId, text: init.prompt });
    },
    push(turnId, text) {
      turns.push(turnId, text);
    },
    async stop() {
      abort.abort();
      if (engine?.turn)
        await engine.client.session.abort({ sessionID: engine.sessionId }).catch(() => undefined);
      await server?.stop();
      await turns.settled();
      await bridge?.close();
      bridge = undefined;
    },
  };
}

async function prepareHome(root: string): Promise<OpencodeHome> {
  const home: OpencodeHome = {
    root,
    data: join(root, 'data'),
    config: join(root, 'config'),
    cache: join(root, 'cache'),
    state: join(root, 'state'),
  };
  const configDir = join(home.config, 'opencode');
  await mkdir(join(configDir, 'node_modules'), { recursive: true });
  for (const dir of [home.data, home.cache, home.state]) await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(configDirStub)) await writeFile(join(configDir, name), text);
  return home;
}

/** The session to talk to: the stored one when it still exists (undefined if not), else a new one. */
async function openSession(
  client: OpencodeClient,
  init: StartCommand,
  where: string,
): Promise<string | undefined> {
  if (init.sessionId) {
    const found = await client.session.get({ sessionID: init.sessionId });
    return found.data?.id;
  }
  // A title of our own: OpenCode would otherwise spend a model call on one.
  const created = await client.session.create({
    title: `OmniClaw ${init.agent.name}`,
    permission: [{ permission: '*', pattern: '*', action: 'allow' }],
  });
  if (!created.data)
    throw new Error(`${where}: OpenCode could not create a session: ${JSON.stringify(created.error)}`);
  return created.data.id;
}

/**
 * Relays the engine's events to the turn in progress; the engine ending on its own is fatal.
 * Resolves once the event stream is connected (its first event), so no turn misses its end.
 */
async function watchEngine(
  engine: Engine,
  sink: RuntimeSink,
  where: string,
  signal: AbortSignal,
): Promise<void> {
  void engine.server.exited.then(({ code, signal: killedBy }) => {
    if (signal.aborted) return;
    sink.error(
      `${where}: the OpenCode engine exited (${killedBy ?? `code ${code}`}): ${engine.server.output().slice(-600)}`,
      {
        fatal: true,
        turnId: engine.turn?.id,
      },
    );
  });
  let connected!: () => void;
  const ready = new Promise<void>((resolve) => (connected = resolve));
  void (async () => {
    try {
      const events = await engine.client.event.subscribe({}, { signal });
      for await (const event of events.stream) {
        connected();
        engine.turn?.onEvent(event as Event);
      }
    } catch (err) {
      if (!signal.aborted) sink.log('OpenCode event stream ended', { error: String(err) });
    }
    connected();
  })();
  await ready;
}

async function runOneTurn(
  init: StartCommand,
  sink: RuntimeSink,
  settings: OpencodeRuntimeOptions,
  engine: Engine,
  turnId: string,
  text: string,
  where: string,
  signal: AbortSignal,
): Promise<void> {
  const translator = new OpencodeTurnTranslator(turnId, engine.sessionId, sink, settings.requestMaxRetries);
  let gaveUp: string | undefined;
  const finished = new Promise<void>((resolve) => {
    let idleTimer: NodeJS.Timeout | undefined;
    const end = (why?: string): void => {
      clearTimeout(idleTimer);
      gaveUp ??= why;
      engine.turn = undefined;
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    // A hung model request is OpenCode's provider timeout (the same limit); this catches an
    // engine that goes quiet otherwise. Preparing a turn (tools, MCP servers) may take longer.
    const armIdle = (): void => {
      clearTimeout(idleTimer);
      const limit = translator.stepStarted
        ? settings.idleTimeoutMs
        : Math.max(settings.idleTimeoutMs, settings.startTimeoutMs);
      idleTimer = setTimeout(() => {
        if (translator.busy()) return armIdle();
        void engine.client.session.abort({ sessionID: engine.sessionId }).catch(() => undefined);
        end(`OpenCode reported nothing for ${limit} ms while waiting for the model; the turn was stopped`);
      }, limit);
    };
    const onAbort = (): void => end();
    signal.addEventListener('abort', onAbort, { once: true });
    engine.turn = {
      id: turnId,
      onEvent: (event) => {
        armIdle();
        const next: TurnSignal = translator.handle(event);
        if (next.kind === 'idle') end();
        if (next.kind === 'give_up') {
          void engine.client.session.abort({ sessionID: engine.sessionId }).catch(() => undefined);
          end(next.why);
        }
      },
    };
    armIdle();
  });

  const accepted = await engine.client.session.promptAsync({
    sessionID: engine.sessionId,
    system: await systemPrompt(init),
    parts: [{ type: 'text', text }],
  });
  if (accepted.error !== undefined && !signal.aborted) {
    engine.turn = undefined;
    sink.error(
      `${where}, turn ${turnId}: OpenCode refused the prompt: ${JSON.stringify(accepted.error).slice(0, 600)}`,
      {
        fatal: false,
        turnId,
      },
    );
    sink.done(turnId);
    return;
  }
  await finished;
  if (signal.aborted) return;
  const history = await engine.client.session.messages({ sessionID: engine.sessionId, limit: 50 });
  const outcome = turnOutcome(history.data ?? []);
  const failure = gaveUp ?? outcome.failure ?? translator.failure;
  if (failure) {
    sink.error(`${where}, turn ${turnId}: the model request failed: ${failure}`, { fatal: false, turnId });
  } else {
    // What the event stream showed is current; the stored history may lag behind it.
    const reply = translator.lastText ?? outcome.reply;
    if (reply) sink.reply(turnId, reply);
  }
  sink.done(turnId, translator.usage ?? outcome.usage);
}

/** Who the agent is and its memory, read fresh for every turn so memory edits apply at once. */
async function systemPrompt(init: StartCommand): Promise<string> {
  const roots = await workspaceRoots(init.workspace, init.agent.main);
  return [
    opencodeIdentity(init, roots.cwd, roots.readOnly),
    init.systemPrompt ?? '',
    formatMemory(await loadMemoryFiles(init.workspace)),
  ]
    .filter((part) => part.trim() !== '')
    .join('\n\n');
}
