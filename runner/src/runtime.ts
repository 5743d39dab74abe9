/**
 * The Runtime interface inside the runner. A runtime turns prompts into replies with one
 * engine (Claude Agent SDK, an OpenAI-compatible endpoint, the Codex CLI). The runner's
 * main loop owns the protocol; a runtime only talks to this sink.
 */
import type { RuntimeKind, StartCommand, Usage } from '../../src/protocol/runner-protocol.js';

export interface ToolOutcome {
  ok: boolean;
  content: string;
}

export interface RuntimeSink {
  /** Intermediate output (assistant text between tool uses, tool-use summaries). */
  progress(turnId: string, kind: 'text' | 'tool', text: string): void;
  /**
   * Text of the model's answer as it streams, appended to what came since the last `reset`
   * (a new model call, or a retry). A preview: the `progress` or `reply` that follows counts.
   * Optional: runtimes that cannot stream never call it.
   */
  delta?(turnId: string, text: string, reset: boolean): void;
  /** A final answer for the turn; may be called more than once per turn. */
  reply(turnId: string, text: string): void;
  /** The engine's session id, to resume next time. */
  session(sessionId: string): void;
  /** The turn is over (with or without a reply). */
  done(turnId: string, usage?: Usage): void;
  /** Something failed. `fatal` ends the run; `sessionInvalid` asks the host to start fresh. */
  error(message: string, options: { fatal: boolean; turnId?: string; sessionInvalid?: boolean }): void;
  /** Calls a built-in agent tool on the host (tool_call → tool_result). */
  callTool(name: string, args: unknown, turnId?: string): Promise<ToolOutcome>;
  /** Diagnostics to stderr (the host logs them with the run id). */
  log(message: string, fields?: Record<string, unknown>): void;
}

export interface Runtime {
  /** Starts the engine with the first prompt (`init.prompt`, turn `init.turnId`). */
  start(init: StartCommand, sink: RuntimeSink): Promise<void>;
  /** A follow-up message while warm; answered as its own turn. */
  push(turnId: string, text: string): void;
  /** Ends the engine; resolves when it has stopped. */
  stop(): Promise<void>;
}

/** The runtime table: a name to a lazy constructor, so a runner loads only the engine it uses. */
export type RuntimeFactory = () => Promise<Runtime>;
export type RuntimeTable = Record<RuntimeKind, RuntimeFactory>;
