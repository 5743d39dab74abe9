/**
 * The `codex` runtime: the Codex CLI (@openai/codex) as the engine, kept warm. One
 * `codex app-server` process serves the whole run (codex-engine.ts): the first turn starts or
 * resumes the agent's thread, follow-ups are further turns of the same live process. CODEX_HOME
 * is in the agent's state folder, a Responses API provider points at the endpoint the host
 * gives, and the built-in agent tools are the stdio MCP server `omniclaw` (served by this
 * runner over a Unix socket, see mcp/stdio-bridge.ts). Turns run in order. Memory files
 * edited after the thread began go in as a note on the next turn (codex-thread-records.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { StartCommand } from '../../../src/protocol/runner-protocol.js';
import { createOmniclawMcpServer } from '../mcp/omniclaw-server.js';
import { startStdioBridge, type StdioBridge } from '../mcp/stdio-bridge.js';
import type { Runtime, RuntimeSink } from '../runtime.js';
import { workspaceRoots } from '../tools/paths.js';
import { AGENT_TOOLS_SERVER } from '../../../src/protocol/agent-tools.js';
import { codexConfigToml, CODEX_TOKEN_ENV } from './codex-config.js';
import { defaultCodexCommand } from './codex-app-server.js';
import { CodexEngine, ThreadNotResumable, type CodexTurnOutcome } from './codex-engine.js';
import { CodexTurnTranslator } from './codex-events.js';
import { memoryChanged, rememberMemorySeen, usageOfTurn } from './codex-thread-records.js';
import { withWebProxy } from './openai-env.js';
import { formatMemory, loadMemoryFiles } from './openai-memory.js';
import { reportUnexpectedTurnFailure, TurnQueue } from './turn-queue.js';

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
  let state: RunState | undefined;

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
      const run: RunState = {
        threadId: init.sessionId,
        turnId: undefined,
        engine: undefined,
        codexHome,
        endpoint,
        where,
        bridge: undefined as unknown as StdioBridge,
      };
      state = run;
      bridge = await startStdioBridge({
        socketPath: await bridgeSocketPath(codexHome),
        // Codex calls tools during a turn; the call carries that turn's id to the host.
        createServer: () =>
          createOmniclawMcpServer(init.tools, (name, args) => sink.callTool(name, args, run.turnId)),
        log: sink.log,
      });
      run.bridge = bridge;
      try {
        await startEngine(init, sink, settings, run);
      } catch (err) {
        if (abort.signal.aborted) return;
        if (err instanceof ThreadNotResumable) {
          sink.error(`${where}: cannot resume Codex session ${run.threadId}: ${err.message}`, {
            fatal: true,
            turnId: init.turnId,
            sessionInvalid: true,
          });
          return;
        }
        throw new Error(`Codex did not start: ${(err as Error).message}`, { cause: err });
      }
      if (abort.signal.aborted) return void (await run.engine?.stop());
      const runTurn = (turnId: string, text: string): Promise<void> =>
        runOneTurn(init, sink, settings, run, turnId, text, abort.signal).catch((err: unknown) => {
          if (!abort.signal.aborted) reportUnexpectedTurnFailure(sink, where, turnId, err);
        });
      turns.start(runTurn, { turnId: init.turnId, text: init.prompt });
    },
    push(turnId, text) {
      turns.push(turnId, text);
    },
    async stop() {
      abort.abort();
      await turns.settled();
      await state?.engine?.stop();
      await bridge?.close();
      bridge = undefined;
    },
  };
}

interface RunState {
  threadId: string | undefined;
  /** The turn Codex is working on, for tool calls. */
  turnId: string | undefined;
  /** The live Codex; undefined before the start and after it died. */
  engine: CodexEngine | undefined;
  codexHome: string;
  bridge: StdioBridge;
  endpoint: { baseUrl: string; token: string };
  where: string;
}

/** Starts Codex on the agent's thread (new, or resumed), with config.toml written first. */
async function startEngine(
  init: StartCommand,
  sink: RuntimeSink,
  settings: CodexSettings,
  run: RunState,
): Promise<CodexEngine> {
  const memory = await currentMemory(init);
  const instructions = await developerInstructions(init, memory);
  await writeFile(
    join(run.codexHome, 'config.toml'),
    codexConfigToml({
      model: init.model,
      baseUrl: run.endpoint.baseUrl,
      omniclawMcp: { command: run.bridge.command, args: run.bridge.args },
      pluginMcpServers: init.mcpServers,
      developerInstructions: instructions,
      requestMaxRetries: settings.requestMaxRetries,
      streamMaxRetries: settings.requestMaxRetries,
      streamIdleTimeoutMs: settings.idleTimeoutMs,
      toolTimeoutSec: 600,
    }),
  );
  const resuming = run.threadId !== undefined;
  const engine = await CodexEngine.start({
    command: settings.command ?? defaultCodexCommand(),
    cwd: init.workspace.agentDir,
    env: {
      ...withWebProxy(settings.baseEnv ?? process.env, init.httpProxy),
      CODEX_HOME: run.codexHome,
      [CODEX_TOKEN_ENV]: run.endpoint.token,
    },
    model: init.model,
    developerInstructions: instructions,
    resumeThreadId: run.threadId,
    log: sink.log,
  });
  sink.log('codex started', { pid: engine.pid, thread: engine.threadId, resumed: resuming });
  // A new thread has the memory in its instructions; a resumed one keeps what it had.
  if (!resuming) await rememberMemorySeen(run.codexHome, engine.threadId, memory);
  sink.session(engine.threadId);
  run.threadId = engine.threadId;
  run.engine = engine;
  return engine;
}

async function runOneTurn(
  init: StartCommand,
  sink: RuntimeSink,
  settings: CodexSettings,
  run: RunState,
  turnId: string,
  text: string,
  signal: AbortSignal,
): Promise<void> {
  const engine = run.engine;
  if (!engine) {
    sink.error(`${run.where}, turn ${turnId}: Codex is not running any more`, { fatal: true, turnId });
    return;
  }
  const memory = await currentMemory(init);
  const memoryNote = (await memoryChanged(run.codexHome, engine.threadId, memory))
    ? `${MEMORY_CHANGED_NOTE}\n\n${memory || '(The memory files are now empty.)'}`
    : undefined;
  run.turnId = turnId;
  const translator = new CodexTurnTranslator(turnId, sink, AGENT_TOOLS_SERVER);
  const inputs = memoryNote ? [memoryNote, text] : [text];
  const outcome = await engine.runTurn(inputs, translator, { idleTimeoutMs: settings.idleTimeoutMs, signal });
  if (memoryNote && translator.status === 'completed') {
    await rememberMemorySeen(run.codexHome, engine.threadId, memory);
  }
  if (signal.aborted) return;
  if (outcome.exit) {
    run.engine = undefined;
    sink.error(`${run.where}, turn ${turnId}: ${describeExit(outcome.exit)}`, { fatal: true, turnId });
    return;
  }
  if (translator.status === 'completed') {
    const reply = translator.replyText();
    if (reply) sink.reply(turnId, reply);
    sink.done(turnId, await usageOfTurn(run.codexHome, run.threadId, translator.totals));
    return;
  }
  sink.error(
    `${run.where}, turn ${turnId}: ${describeFailure(outcome, translator, settings.idleTimeoutMs)}`,
    {
      fatal: false,
      turnId,
    },
  );
  sink.done(turnId);
}

function describeFailure(
  outcome: CodexTurnOutcome,
  translator: CodexTurnTranslator,
  idleTimeoutMs: number,
): string {
  if (outcome.idleTimedOut)
    return `the model API did not answer within ${idleTimeoutMs} ms; the turn was stopped`;
  if (translator.failure) return `the model request failed: ${translator.failure}`;
  return `Codex ended the turn (${translator.status ?? 'unknown'}) without an answer: ${translator.lastNotice ?? 'no message'}`;
}

const lastLines = (text: string): string =>
  text
    // Codex colours its log lines; the colour codes (ESC [ … m) mean nothing in a chat or log.
    // eslint-disable-next-line no-control-regex
    .replace(/\x1b\[[0-9;]*m/g, '')
    .split('\n')
    .filter((line) => line.trim() && !/^\s*\d+: |^Stack backtrace|WARNING: proceeding/.test(line))
    .slice(-3)
    .join(' ')
    .slice(0, 600);

function describeExit(exit: NonNullable<CodexTurnOutcome['exit']>): string {
  const detail = lastLines(exit.stderr) || 'no output';
  return `Codex stopped unexpectedly (code ${exit.code}, signal ${exit.signal}): ${detail}`;
}

const MEMORY_CHANGED_NOTE =
  'The memory files (CLAUDE.md, AGENTS.md) changed since this conversation started. ' +
  'Their current content follows; it replaces the memory in your instructions.';

const currentMemory = async (init: StartCommand): Promise<string> =>
  formatMemory(await loadMemoryFiles(init.workspace));

async function developerInstructions(init: StartCommand, memory: string): Promise<string> {
  const roots = await workspaceRoots(init.workspace, init.agent.main);
  const readOnly = roots.readOnly.length ? ` Read-only folders: ${roots.readOnly.join(', ')}.` : '';
  const parts = [
    `You are ${init.agent.name}, a personal assistant agent running in OmniClaw. Your folder is ${roots.cwd}.${readOnly} ` +
      `The ${AGENT_TOOLS_SERVER} tools act on the chat and the assistant (send_message sends a message now). ` +
      'Your final message of each turn is sent to the chat as your reply.',
    init.systemPrompt ?? '',
    memory,
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
