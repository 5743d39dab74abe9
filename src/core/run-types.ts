/** What an agent run needs (RunDeps), who watches it (RunObserver), and how it ended (RunOutcome). */
import type { Logger } from 'pino';
import type { AgentConfig } from '../config/normalise.js';
import type { Store } from '../store/index.js';
import type { ToolDispatcher } from '../tools/types.js';
import type { Channel, NoticeContext, WorkNotice } from '../domain/channel.js';
import type { Usage } from '../protocol/runner-protocol.js';
import type { Outbox } from './outbox.js';
import type { RunLauncher } from './run-launcher.js';
import type { RoutingTable } from './router.js';

/** What an observer sees of a run (chat runs and task runs alike). */
export interface ObservedRun {
  readonly id: string;
  readonly agent: AgentConfig;
  /** The chat a chat run answers (a task run's target chat is in the task). */
  readonly chat?: string;
  /** The sandbox kind, once launched (for the log). */
  readonly sandbox?: string;
}

export interface RunDeps {
  store: Store;
  outbox: Outbox;
  launcher: RunLauncher;
  tools: ToolDispatcher;
  table: RoutingTable;
  notify: (chat: string, notice: WorkNotice, context: NoticeContext) => void;
  logger: Logger;
  channelOf: (chat: string) => string | undefined;
  /** The channel of a chat, for streamed replies (reply-stream.ts); none: replies never stream. */
  channelFor?: (chat: string) => Channel | undefined;
  defaultModel: (agent: AgentConfig) => string;
  observe?: RunObserver;
  now?: () => number;
  /** How long `stop` waits for a clean exit before killing. */
  stopGraceMs?: number;
  /** The gateway counts the runs' tokens (gateway-meter.ts): the runner's counts are not added again. */
  meteredAtGateway?: boolean;
  /** Told about a failed write (database health); returns true for a storage fault. */
  storageFault?: (error: unknown, what: string) => boolean;
}

export interface RunObserver {
  runStarted?(run: ObservedRun): void;
  runEnded?(run: ObservedRun, outcome: RunOutcome, durationMs: number): void;
  /** Message handed to the runtime (warm push or start). */
  promptSent?(run: ObservedRun, messageIds: number[], warm: boolean): void;
  replied?(run: ObservedRun): void;
  usage?(agent: string, usage: Usage): void;
}

export interface RunOutcome {
  ok: boolean;
  /** The detail, for the log (may hold ids, URLs, runner stderr): never shown to a chat. */
  error?: string;
  /** What the chat is told if the messages end up unanswered (failure-notice.ts). */
  notice?: string;
  /** Messages handed to the agent that it did not answer. */
  unanswered: boolean;
  sessionInvalid?: boolean;
  /** Highest message id the failed turns covered (for retry bookkeeping). */
  lastMessageId?: number;
  /** storage: the database could not record the run (disk full): retried, not counted as a failure. */
  reason?: 'timeout' | 'killed' | 'limit' | 'unavailable' | 'storage';
}
