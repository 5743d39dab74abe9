/**
 * The `openai` runtime: any OpenAI-compatible Chat Completions endpoint with tool calling,
 * through the official SDK, streamed (openai-chat.ts), driven by our own bounded tool loop
 * (openai-turn.ts). Workspace tools run in the runner;
 * the built-in agent tools go to the host through sink.callTool. The conversation is saved
 * per session in the state folder, so a later run resumes it. Turns (the first prompt and
 * every push) run one after another, in order.
 */
import type { StartCommand } from '../../../src/protocol/runner-protocol.js';
import type { Runtime, RuntimeSink } from '../runtime.js';
import { workspaceRoots, type WorkspaceRoots } from '../tools/paths.js';
import { formatMemory, loadMemoryFiles } from './openai-memory.js';
import { createChatClient, ModelApiError } from './openai-chat.js';
import type { ChatMessage } from './openai-messages.js';
import { withWebProxy } from './openai-env.js';
import { OpenAISessionStore, SessionInvalidError } from './openai-session.js';
import { connectPlugins } from './openai-plugins.js';
import { createToolExecutor, toolDefinitions } from './openai-tool-calls.js';
import { IterationLimitError, runTurn } from './openai-turn.js';
import { reportUnexpectedTurnFailure, TurnQueue } from './turn-queue.js';

export interface OpenAIRuntimeOptions {
  /** Limit of one model request (a hung endpoint fails after this). */
  requestTimeoutMs: number;
  /** Retries after 429/5xx/connection failures. */
  maxRetries: number;
  backoffMs: number;
  /** Model calls per turn before the loop stops (start.maxTurns overrides). */
  maxIterations: number;
  bashTimeoutMs: number;
  /** Conversation size budget in JSON characters (about 4 per token); older turns are dropped beyond it. */
  historyMaxChars: number;
}

/** Defaults, overridable by env the host sets on the runner (never secrets). */
export function openAIOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): OpenAIRuntimeOptions {
  const number = (name: string, fallback: number): number => {
    const value = Number(env[name]);
    return Number.isFinite(value) && value >= 0 ? value : fallback;
  };
  return {
    requestTimeoutMs: number('OMNICLAW_MODEL_TIMEOUT_MS', 180_000),
    maxRetries: number('OMNICLAW_MODEL_MAX_RETRIES', 2),
    backoffMs: number('OMNICLAW_MODEL_BACKOFF_MS', 1_000),
    maxIterations: number('OMNICLAW_MAX_TOOL_ITERATIONS', 50),
    bashTimeoutMs: number('OMNICLAW_BASH_TIMEOUT_MS', 120_000),
    historyMaxChars: number('OMNICLAW_HISTORY_MAX_CHARS', 400_000),
  };
}

export function createOpenAIRuntime(options: Partial<OpenAIRuntimeOptions> = {}): Runtime {
  const settings = { ...openAIOptionsFromEnv(), ...options };
  const abort = new AbortController();
  const turns = new TurnQueue(abort.signal);
  let processor: TurnProcessor | undefined;

  return {
    async start(init, sink) {
      const session = await openSession(init, sink);
      if (!session) return;
      processor = await createTurnProcessor(init, sink, session, settings, abort.signal);
      const { run } = processor;
      turns.start(run, { turnId: init.turnId, text: init.prompt });
    },
    push(turnId, text) {
      turns.push(turnId, text);
    },
    async stop() {
      abort.abort();
      await turns.settled();
      await processor?.close();
    },
  };
}

interface TurnProcessor {
  run(turnId: string, text: string): Promise<void>;
  /** Disconnects the agent's plugin MCP servers. */
  close(): Promise<void>;
}

interface OpenSession {
  id: string;
  messages: ChatMessage[];
  store: OpenAISessionStore;
  createdAt: number;
}

async function openSession(init: StartCommand, sink: RuntimeSink): Promise<OpenSession | undefined> {
  const store = new OpenAISessionStore(init.workspace.stateDir);
  if (!init.sessionId) {
    const id = store.newId();
    sink.session(id);
    return { id, messages: [], store, createdAt: Date.now() };
  }
  try {
    const messages = await store.load(init.sessionId);
    sink.session(init.sessionId);
    return { id: init.sessionId, messages, store, createdAt: Date.now() };
  } catch (err) {
    if (!(err instanceof SessionInvalidError)) throw err;
    sink.error(
      `openai runtime for agent ${init.agent.name}: cannot resume: ${err.message}; start a fresh session`,
      {
        fatal: true,
        turnId: init.turnId,
        sessionInvalid: true,
      },
    );
    return undefined;
  }
}

async function createTurnProcessor(
  init: StartCommand,
  sink: RuntimeSink,
  session: OpenSession,
  settings: OpenAIRuntimeOptions,
  signal: AbortSignal,
): Promise<TurnProcessor> {
  const endpoint = init.endpoints.openai;
  const roots = await workspaceRoots(init.workspace, init.agent.main);
  const complete = createChatClient({
    baseUrl: endpoint?.baseUrl ?? '',
    token: endpoint?.token ?? '',
    timeoutMs: settings.requestTimeoutMs,
    maxRetries: settings.maxRetries,
    backoffMs: settings.backoffMs,
    maxBackoffMs: Math.max(settings.backoffMs * 4, 5_000),
    log: sink.log,
  });
  const env = withWebProxy(process.env, init.httpProxy);
  const plugins = await connectPlugins(init.mcpServers, {
    env,
    cwd: roots.cwd,
    connectTimeoutMs: 20_000,
    callTimeoutMs: 600_000,
    log: sink.log,
  });
  const tools = toolDefinitions(init.tools, plugins);
  const executeTool = createToolExecutor({
    roots,
    env,
    bashTimeoutMs: settings.bashTimeoutMs,
    signal,
    sink,
    agentTools: init.tools,
    plugins,
  });
  const where = `openai runtime for agent ${init.agent.name} (run ${init.runId})`;

  const run = async (turnId: string, text: string): Promise<void> => {
    if (!endpoint) {
      sink.error(
        `${where}: the host gave no openai endpoint (start.endpoints.openai); check the agent's model config`,
        {
          fatal: true,
          turnId,
        },
      );
      return;
    }
    try {
      const usage = await runTurn(turnId, text, session.messages, {
        complete,
        model: init.model,
        tools,
        systemPrompt: () => systemPrompt(init, roots),
        executeTool,
        persist: () => session.store.save(session.id, init.model, session.messages, session.createdAt),
        sink,
        maxIterations: init.maxTurns ?? settings.maxIterations,
        historyMaxChars: settings.historyMaxChars,
        signal,
      });
      sink.done(turnId, usage);
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof ModelApiError || err instanceof IterationLimitError) {
        // The turn failed but the runtime is fine: the next message may well succeed.
        await session.store
          .save(session.id, init.model, session.messages, session.createdAt)
          .catch(() => undefined);
        sink.error(`${where}, turn ${turnId}: ${err.message}`, { fatal: false, turnId });
        sink.done(turnId);
        return;
      }
      reportUnexpectedTurnFailure(sink, where, turnId, err);
    }
  };
  return { run, close: () => plugins.close() };
}

async function systemPrompt(init: StartCommand, roots: WorkspaceRoots): Promise<string> {
  const readOnly = roots.readOnly.length ? ` Read-only folders: ${roots.readOnly.join(', ')}.` : '';
  const parts = [
    `You are ${init.agent.name}, a personal assistant agent running in OmniClaw. ` +
      `Your folder is ${roots.cwd} (you may read and write it; relative paths start there).${readOnly} ` +
      'Use bash, read, write, edit, glob and grep for files and commands; the other tools act on the chat and ' +
      'the assistant. Your final message of each turn is sent to the chat as your reply.',
    init.systemPrompt ?? '',
    formatMemory(await loadMemoryFiles(init.workspace)),
  ];
  return parts.filter((part) => part.trim() !== '').join('\n\n');
}
