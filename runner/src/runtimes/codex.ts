/**
 * The `codex` runtime: the Codex CLI (@openai/codex) as the engine. Every turn is one
 * `codex exec --json` process (later turns and resumed sessions use `exec resume <thread>`),
 * with CODEX_HOME in the agent's state folder, a Responses API provider pointed at the
 * endpoint the host gives, and the built-in agent tools as the stdio MCP server `omniclaw`
 * (served by this runner over a Unix socket, see mcp/stdio-bridge.ts). Turns run in order.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { StartCommand, Usage } from '../../../src/protocol/runner-protocol.js';
import { createOmniclawMcpServer } from '../mcp/omniclaw-server.js';
import { startStdioBridge, type StdioBridge } from '../mcp/stdio-bridge.js';
import type { Runtime, RuntimeSink } from '../runtime.js';
import { workspaceRoots } from '../tools/paths.js';
import { AGENT_TOOLS_SERVER } from '../../../src/protocol/agent-tools.js';
import { codexConfigToml, CODEX_TOKEN_ENV } from './codex-config.js';
import { CodexTurnTranslator, type CodexTotals } from './codex-events.js';
import { defaultCodexCommand, runCodexTurn } from './codex-process.js';
import { withWebProxy } from './openai-env.js';
import { formatMemory, loadMemoryFiles } from './openai-memory.js';
import { TurnQueue } from './turn-queue.js';

export interface CodexRuntimeOptions {
  /** A turn fails when Codex prints nothing this long while waiting for the model. */
  idleTimeoutMs: number;
  /** Codex's own retries of a failed model request. */
  requestMaxRetries: number;
  /** argv of the Codex CLI; default node + @openai/codex/bin/codex.js. */
  command: string[];
  /** Environment Codex starts from (default: the runner's). */
  baseEnv: NodeJS.ProcessEnv;
}

/** Codex session ids are UUIDs; anything else Codex treats as a thread *name* and may start fresh. */
const THREAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type CodexSettings = Omit<CodexRuntimeOptions, 'command' | 'baseEnv'> & {
  command?: string[];
  baseEnv?: NodeJS.ProcessEnv;
};

export function codexOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): CodexSettings {
  const number = (name: string, fallback: number): number => {
    const value = Number(env[name]);
    return Number.isFinite(value) && value >= 0 ? value : fallback;
  };
  return {
    idleTimeoutMs: number('OMNICLAW_MODEL_TIMEOUT_MS', 180_000),
    requestMaxRetries: number('OMNICLAW_MODEL_MAX_RETRIES', 2),
  };
}

export function createCodexRuntime(options: Partial<CodexRuntimeOptions> = {}): Runtime {
  const settings: CodexSettings = { ...codexOptionsFromEnv(), ...options };
  const abort = new AbortController();
  const turns = new TurnQueue(abort.signal);
  let bridge: StdioBridge | undefined;

  return {
    async start(init, sink) {
      const where = `codex runtime for agent ${init.agent.name} (run ${init.runId})`;
      if (init.sessionId !== undefined && !THREAD_ID.test(init.sessionId)) {
        sink.error(
          `${where}: cannot resume session ${JSON.stringify(init.sessionId.slice(0, 120))}: not a Codex thread id`,
          {
            fatal: true,
            turnId: init.turnId,
            sessionInvalid: true,
          },
        );
        return;
      }
      const endpoint = init.endpoints.openai;
      if (!endpoint) {
        sink.error(
          `${where}: the host gave no openai endpoint (start.endpoints.openai); check the agent's model config`,
          {
            fatal: true,
            turnId: init.turnId,
          },
        );
        return;
      }
      const codexHome = join(init.workspace.stateDir, 'codex');
      await mkdir(codexHome, { recursive: true });
      const turnless = {
        threadId: init.sessionId,
        turnId: undefined as string | undefined,
        sessionReported: false,
        codexHome,
        endpoint,
        where,
      };
      bridge = await startStdioBridge({
        socketPath: await bridgeSocketPath(codexHome),
        // Codex calls tools during a turn; the call carries that turn's id to the host.
        createServer: () =>
          createOmniclawMcpServer(init.tools, (name, args) => sink.callTool(name, args, turnless.turnId)),
        log: sink.log,
      });
      // The same object: the turn id runOneTurn sets is the one tool calls carry.
      const state: TurnState = Object.assign(turnless, { bridge });
      const runTurn = (turnId: string, text: string): Promise<void> =>
        runOneTurn(init, sink, settings, state, turnId, text, abort.signal).catch((err: unknown) => {
          // Not a model failure (those are reported per turn): the state folder or Codex itself is broken.
          sink.error(`${where}, turn ${turnId}: unexpected failure: ${(err as Error).stack ?? String(err)}`, {
            fatal: true,
            turnId,
          });
        });
      turns.start(runTurn, { turnId: init.turnId, text: init.prompt });
    },
    push(turnId, text) {
      turns.push(turnId, text);
    },
    async stop() {
      abort.abort();
      await turns.settled();
      await bridge?.close();
      bridge = undefined;
    },
  };
}

interface TurnState {
  threadId: string | undefined;
  /** The turn Codex is working on, for tool calls. */
  turnId: string | undefined;
  /** The session is reported once per run, also when resumed. */
  sessionReported: boolean;
  codexHome: string;
  bridge: StdioBridge;
  endpoint: { baseUrl: string; token: string };
  where: string;
}

async function runOneTurn(
  init: StartCommand,
  sink: RuntimeSink,
  settings: CodexSettings,
  state: TurnState,
  turnId: string,
  text: string,
  signal: AbortSignal,
): Promise<void> {
  await writeFile(
    join(state.codexHome, 'config.toml'),
    codexConfigToml({
      model: init.model,
      baseUrl: state.endpoint.baseUrl,
      omniclawMcp: { command: state.bridge.command, args: state.bridge.args },
      pluginMcpServers: init.mcpServers,
      developerInstructions: await developerInstructions(init),
      requestMaxRetries: settings.requestMaxRetries,
      streamMaxRetries: settings.requestMaxRetries,
      streamIdleTimeoutMs: settings.idleTimeoutMs,
      toolTimeoutSec: 600,
    }),
  );
  state.turnId = turnId;
  const translator = new CodexTurnTranslator(turnId, sink, AGENT_TOOLS_SERVER, (threadId) => {
    if (threadId === state.threadId && state.sessionReported) return;
    state.threadId = threadId;
    state.sessionReported = true;
    sink.session(threadId);
  });
  const exit = await runCodexTurn(
    {
      command: settings.command ?? defaultCodexCommand(),
      cwd: init.workspace.agentDir,
      model: init.model,
      resumeThreadId: state.threadId,
      prompt: text,
      env: {
        ...withWebProxy(settings.baseEnv ?? process.env, init.httpProxy),
        CODEX_HOME: state.codexHome,
        [CODEX_TOKEN_ENV]: state.endpoint.token,
      },
      idleTimeoutMs: settings.idleTimeoutMs,
      signal,
    },
    translator,
  );
  if (signal.aborted) return;
  if (translator.completed) {
    const reply = translator.replyText();
    if (reply) sink.reply(turnId, reply);
    sink.done(turnId, await usageOfTurn(state.codexHome, state.threadId, translator.totals));
    return;
  }
  if (!translator.threadId && /no rollout found|thread\/resume failed/.test(exit.stderr)) {
    sink.error(
      `${state.where}: cannot resume Codex session ${state.threadId}: it does not exist in ${state.codexHome}`,
      {
        fatal: true,
        turnId,
        sessionInvalid: true,
      },
    );
    return;
  }
  sink.error(`${state.where}, turn ${turnId}: ${describeFailure(exit, translator, settings.idleTimeoutMs)}`, {
    fatal: false,
    turnId,
  });
  sink.done(turnId);
}

function describeFailure(
  exit: Awaited<ReturnType<typeof runCodexTurn>>,
  translator: CodexTurnTranslator,
  idleTimeoutMs: number,
): string {
  if (exit.idleTimedOut) return `the model API did not answer within ${idleTimeoutMs} ms; Codex was stopped`;
  if (exit.readError) return `Codex printed an event that could not be read (${exit.readError})`;
  if (translator.failure) return `the model request failed: ${translator.failure}`;
  const detail = lastLines(exit.stderr) || translator.lastNotice || 'no output';
  return `Codex exited with code ${exit.code} without finishing the turn: ${detail}`;
}

const lastLines = (text: string): string =>
  text
    .split('\n')
    .filter((line) => line.trim() && !/^\s*\d+: |^Stack backtrace|WARNING: proceeding/.test(line))
    .slice(-3)
    .join(' ')
    .slice(0, 600);

/**
 * Codex reports the thread's running totals; a turn's usage is the difference from the
 * previous totals, kept per thread in CODEX_HOME so it survives restarts.
 */
async function usageOfTurn(
  codexHome: string,
  threadId: string | undefined,
  totals: CodexTotals | undefined,
): Promise<Usage | undefined> {
  if (!totals || !threadId) return undefined;
  const file = join(codexHome, 'omniclaw-usage.json');
  const all = (await readFile(file, 'utf8')
    .then((raw) => JSON.parse(raw) as Record<string, CodexTotals>)
    .catch(() => ({}))) as Record<string, CodexTotals>;
  const before = all[threadId] ?? { input: 0, cached: 0, cacheWrite: 0, output: 0 };
  // A total below the previous one means Codex started counting afresh (e.g. after compaction).
  const delta = (now: number, then: number): number => (now >= then ? now - then : now);
  const cached = delta(totals.cached, before.cached);
  all[threadId] = totals;
  await writeFile(file, JSON.stringify(all)).catch(() => undefined);
  return {
    // Codex's input_tokens include the cached ones; ours do not (as Anthropic's).
    inputTokens: Math.max(0, delta(totals.input, before.input) - cached),
    outputTokens: delta(totals.output, before.output),
    cacheReadTokens: cached,
    cacheWriteTokens: delta(totals.cacheWrite, before.cacheWrite),
  };
}

async function developerInstructions(init: StartCommand): Promise<string> {
  const roots = await workspaceRoots(init.workspace, init.agent.main);
  const readOnly = roots.readOnly.length ? ` Read-only folders: ${roots.readOnly.join(', ')}.` : '';
  const parts = [
    `You are ${init.agent.name}, a personal assistant agent running in OmniClaw. Your folder is ${roots.cwd}.${readOnly} ` +
      `The ${AGENT_TOOLS_SERVER} tools act on the chat and the assistant (send_message sends a message now). ` +
      'Your final message of each turn is sent to the chat as your reply.',
    init.systemPrompt ?? '',
    formatMemory(await loadMemoryFiles(init.workspace)),
  ];
  return parts.filter((part) => part.trim() !== '').join('\n\n');
}

/** The bridge socket lives with the engine state; a path too long for a socket goes to tmp. */
async function bridgeSocketPath(codexHome: string): Promise<string> {
  const preferred = join(codexHome, 'omniclaw-mcp.sock');
  return Buffer.byteLength(preferred) <= 100
    ? preferred
    : join(tmpdir(), `omniclaw-mcp-${randomUUID().slice(0, 8)}.sock`);
}
