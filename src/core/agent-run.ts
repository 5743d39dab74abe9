/**
 * One run of one agent for one chat: launches the runner in its sandbox, feeds it the
 * chat's unanswered messages (and later ones while warm), executes its tool calls on the
 * host, and turns its replies into outbox rows — persisting each reply together with the
 * cursor advance, so a crash can neither lose nor double an answer.
 */
import { isHostMessageId } from '../domain/host-message.js';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AgentConfig } from '../config/normalise.js';
import type { Store } from '../store/index.js';
import type { StoredMessage } from '../store/messages.js';
import type { ToolDispatcher } from '../tools/types.js';
import type { NoticeContext, WorkNotice } from '../domain/channel.js';
import type { RunnerEvent, RunnerEventOf, Usage } from '../protocol/runner-protocol.js';
import { PROTOCOL_VERSION } from '../protocol/runner-protocol.js';
import type { Outbox } from './outbox.js';
import type { RunLauncher, LaunchedRun } from './run-launcher.js';
import { RunnerConnection } from './runner-connection.js';
import { formatMessages, stripInternal } from './prompt.js';
import { isTriggered, routeFor, type RoutingTable } from './router.js';
import { decideSession } from './session-policy.js';
import { runnerUsageToRecord } from './gateway-meter.js';
import { failureNotice, UserFacingError } from './failure-notice.js';

export interface RunDeps {
  store: Store;
  outbox: Outbox;
  launcher: RunLauncher;
  tools: ToolDispatcher;
  table: RoutingTable;
  notify: (chat: string, notice: WorkNotice, context: NoticeContext) => void;
  logger: Logger;
  channelOf: (chat: string) => string | undefined;
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
  runStarted?(run: AgentRun): void;
  runEnded?(run: AgentRun, outcome: RunOutcome, durationMs: number): void;
  /** Message handed to the runtime (warm push or start). */
  promptSent?(run: AgentRun, messageIds: number[], warm: boolean): void;
  replied?(run: AgentRun): void;
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

interface Turn {
  id: string;
  lastMessageId: number;
  triggerPlatformId?: string;
  answered: boolean;
  outboxIds: number[];
  /** A non-fatal runtime error for this turn (the model API failed after its retries). */
  error?: string;
}

const CATCH_UP_LIMIT = 100;

/** Unanswered messages after a cursor, if at least one of them triggers the agent. */
export function pendingWork(
  store: Store,
  table: RoutingTable,
  agent: AgentConfig,
  chat: string,
  afterId: number,
): StoredMessage[] {
  const route = routeFor(table, agent.id, chat);
  if (!route) return [];
  const messages = store.messages.after(chat, afterId, 1000).filter((m) => !m.fromBot);
  if (!messages.some((m) => isTriggered(m, agent, route))) return [];
  return messages.slice(-CATCH_UP_LIMIT);
}

export class AgentRun {
  readonly id = randomUUID();
  readonly startedAt: number;
  state: 'starting' | 'busy' | 'idle' | 'stopping' | 'ended' = 'starting';
  lastActivity: number;
  private connection: RunnerConnection | undefined;
  private launched: LaunchedRun | undefined;
  private readonly turns: Turn[] = [];
  private lastSentId: number;
  private resolveEnded!: (outcome: RunOutcome) => void;
  readonly ended: Promise<RunOutcome>;
  private outcome: RunOutcome | undefined;
  private readonly log: Logger;
  private readonly now: () => number;
  private idleListeners: (() => void)[] = [];
  private exitSeen = false;
  /** This run was started on a stored engine session (so an invalid one can be dropped and retried). */
  private resumedSession = false;

  constructor(
    readonly agent: AgentConfig,
    readonly chat: string,
    private readonly deps: RunDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.startedAt = this.now();
    this.lastActivity = this.startedAt;
    this.lastSentId = deps.store.cursors.get(agent.id, chat) ?? 0;
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    this.log = deps.logger.child({ agent: agent.id, chat, run: this.id });
  }

  /** Called when the run becomes idle (all turns answered). */
  onIdle(listener: () => void): void {
    this.idleListeners.push(listener);
  }

  /** Resolves when the run has no turn in flight (idle) or has ended. */
  quiet(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => {
      this.idleListeners.push(resolve);
      void this.ended.then(() => resolve());
    });
  }

  get busy(): boolean {
    return this.state === 'starting' || this.state === 'busy';
  }

  /**
   * Launches the sandbox with the first prompt. Resolves once the start command is sent.
   * Never rejects: a failure (the database cannot record the run) ends the run, so its
   * queue slot is freed and the messages are retried.
   */
  async start(): Promise<void> {
    try {
      await this.startNow();
    } catch (error) {
      this.failedBookkeeping(error, 'starting the run');
    }
  }

  private async startNow(): Promise<void> {
    const messages = pendingWork(this.deps.store, this.deps.table, this.agent, this.chat, this.lastSentId);
    if (!messages.length) {
      this.finish({ ok: true, unanswered: false });
      return;
    }
    const { store } = this.deps;
    store.runs.start({ id: this.id, agent: this.agent.id, chat: this.chat });
    this.deps.observe?.runStarted?.(this);
    const turn = this.newTurn(messages);
    this.notify({ kind: 'working' }, turn);
    let launched: LaunchedRun;
    try {
      launched = await this.deps.launcher.launch(this.agent, this.id);
    } catch (err) {
      this.finish({
        ok: false,
        error: `could not start the sandbox: ${(err as Error).message}`,
        notice: err instanceof UserFacingError ? err.userText : failureNotice('sandbox'),
        unanswered: true,
      });
      return;
    }
    if (this.state !== 'starting') {
      // Stopped (shutdown) while the sandbox was starting: the run has ended, so its runner
      // must not outlive it (nor touch a store that may be closed by now).
      void launched.process.kill('killed').finally(() => launched.release());
      return;
    }
    this.launched = launched;
    const connection = new RunnerConnection(this.launched.process, (line) =>
      this.log.debug({ stderr: line }, 'runner'),
    );
    this.connection = connection;
    connection.on('event', (event) => this.handle(event));
    connection.on('protocolError', (err) => {
      this.log.error({ err: err.message }, 'runner broke the protocol');
      this.finish({
        ok: false,
        error: `the agent runner broke the protocol: ${err.message}`,
        notice: failureNotice('runner'),
        unanswered: true,
      });
    });
    connection.on('exit', (info) => this.onExit(info));

    const runtime = this.agent.runtime;
    const session = decideSession(
      store.sessions.get(this.agent.id, runtime),
      this.agent.sessionMaxAgeMs,
      this.now(),
    );
    this.resumedSession = 'resume' in session;
    if ('fresh' in session) this.log.debug({ reason: session.reason }, 'starting a fresh engine session');
    this.state = 'busy';
    connection.send({
      type: 'start',
      v: PROTOCOL_VERSION,
      runId: this.id,
      turnId: turn.id,
      agent: { id: this.agent.id, name: this.agent.name, main: this.agent.main },
      runtime,
      model: this.agent.model ?? this.deps.defaultModel(this.agent),
      prompt: formatMessages(messages, { inboxDir: this.launched.workspace.inboxDir }),
      sessionId: 'resume' in session ? session.resume : undefined,
      workspace: this.launched.workspace,
      endpoints: this.launched.endpoints,
      tools: this.deps.tools.definitions(this.agent),
      mcpServers: this.agent.mcpServers,
      systemPrompt: this.agent.systemPrompt,
      httpProxy: this.launched.httpProxy,
    });
    this.deps.observe?.promptSent?.(
      this,
      messages.map((m) => m.id),
      false,
    );
  }

  /** New messages arrived for this chat: hand them to the live runtime if they are due. */
  offer(): boolean {
    if (
      !this.connection ||
      this.state === 'stopping' ||
      this.state === 'ended' ||
      this.state === 'starting'
    ) {
      return false;
    }
    const messages = pendingWork(this.deps.store, this.deps.table, this.agent, this.chat, this.lastSentId);
    if (!messages.length) return false;
    const turn = this.newTurn(messages);
    this.state = 'busy';
    this.lastActivity = this.now();
    this.notify({ kind: 'working' }, turn);
    const text = formatMessages(messages, { inboxDir: this.launched?.workspace.inboxDir });
    this.connection.send({ type: 'message', turnId: turn.id, text });
    this.deps.observe?.promptSent?.(
      this,
      messages.map((m) => m.id),
      true,
    );
    return true;
  }

  /** Asks the runner to stop; kills it after the grace period. */
  async stop(reason = 'idle'): Promise<RunOutcome> {
    if (this.state === 'ended') return this.ended;
    this.state = 'stopping';
    this.connection?.send({ type: 'stop', reason });
    const grace = this.deps.stopGraceMs ?? 5_000;
    const timer = setTimeout(() => void this.launched?.process.kill('killed'), grace);
    if (!this.connection) this.finish({ ok: true, unanswered: this.turns.length > 0 });
    const outcome = await this.ended;
    clearTimeout(timer);
    return outcome;
  }

  /** Kills at once (shutdown deadline passed, or limits). */
  async kill(): Promise<void> {
    if (this.launched) await this.launched.process.kill('killed');
    else this.finish({ ok: false, error: 'stopped', unanswered: this.turns.length > 0 });
  }

  private newTurn(messages: StoredMessage[]): Turn {
    const last = messages[messages.length - 1]!;
    const route = routeFor(this.deps.table, this.agent.id, this.chat);
    const trigger = [...messages].reverse().find((m) => route && isTriggered(m, this.agent, route));
    const turn: Turn = {
      id: randomUUID(),
      lastMessageId: last.id,
      // A host message (a request from another agent) has no platform message to reply to.
      triggerPlatformId: isHostMessageId(trigger?.platformId) ? undefined : trigger?.platformId,
      answered: false,
      outboxIds: [],
    };
    this.lastSentId = last.id;
    this.turns.push(turn);
    return turn;
  }

  private handle(event: RunnerEvent): void {
    try {
      this.handleNow(event);
    } catch (error) {
      this.failedBookkeeping(error, `recording the runner's ${event.type}`);
    }
  }

  /**
   * A write for this run failed (disk full, I/O error): the run ends, unanswered, and its
   * runner is killed — nothing it said was recorded, so the turn is retried later, never lost
   * and never doubled. The queue slot is freed by `finish`, which cannot throw.
   */
  private failedBookkeeping(error: unknown, what: string): void {
    const message = (error as Error)?.message ?? String(error);
    this.deps.storageFault?.(error, what);
    this.log.error({ err: message, what }, 'run bookkeeping failed; ending the run');
    this.finish({
      ok: false,
      error: `${what} failed: ${message}`,
      notice: failureNotice('runner'),
      unanswered: true,
      reason: 'storage',
    });
    void this.launched?.process.kill('killed');
  }

  private handleNow(event: RunnerEvent): void {
    this.lastActivity = this.now();
    switch (event.type) {
      case 'ready':
        return;
      case 'progress':
        return this.notify({ kind: 'progress', text: event.text }, this.turnFor(event.turnId));
      case 'reply':
        return this.onReply(event);
      case 'tool_call':
        return void this.onToolCall(event);
      case 'session':
        this.deps.store.sessions.set(this.agent.id, this.agent.runtime, event.sessionId);
        return;
      case 'done':
        return this.onDone(event);
      case 'error':
        return this.onError(event);
    }
  }

  /** The turn an event belongs to; an unknown id (e.g. a turn already done) matches none. */
  private turnFor(turnId: string | undefined): Turn | undefined {
    if (turnId === undefined) return this.turns[0];
    return this.turns.find((t) => t.id === turnId);
  }

  private onReply(event: RunnerEventOf<'reply'>): void {
    const turn = this.turnFor(event.turnId);
    const text = stripInternal(event.text);
    const { store, outbox } = this.deps;
    const channel = this.deps.channelOf(this.chat) ?? 'unknown';
    // The reply and the cursor move together: after a crash the reply is sent, never re-asked.
    const reply = text ? { channel, text, replyTo: turn?.triggerPlatformId, runId: this.id } : undefined;
    const id = store.answer({ agent: this.agent.id, chat: this.chat, upTo: turn?.lastMessageId, reply });
    if (id !== undefined) turn?.outboxIds.push(id);
    if (turn) turn.answered = true;
    if (text) {
      outbox.kick();
      this.deps.observe?.replied?.(this);
    }
  }

  /** The turn ended in an error without a reply: the chat is told, with the cursor moved past it. */
  private apologise(turn: Turn, error: string): void {
    const { store, outbox } = this.deps;
    const notice = failureNotice('model');
    this.log.warn({ err: error, turn: turn.id }, 'turn ended without a reply; the chat is told');
    const channel = this.deps.channelOf(this.chat) ?? 'unknown';
    const id = store.answer({
      agent: this.agent.id,
      chat: this.chat,
      upTo: turn.lastMessageId,
      reply: {
        channel,
        text: notice,
        replyTo: turn.triggerPlatformId,
        runId: this.id,
      },
    });
    if (id !== undefined) turn.outboxIds.push(id);
    outbox.kick();
    void outbox.settled(turn.outboxIds).then(() => this.notify({ kind: 'failed', error: notice }, turn));
  }

  private async onToolCall(event: RunnerEventOf<'tool_call'>): Promise<void> {
    if (this.state === 'stopping' || this.state === 'ended') {
      // The run has failed or is being stopped: its turns will be retried, so a side effect
      // now would happen twice.
      this.log.warn({ tool: event.name }, 'tool call after the run ended refused');
      this.connection?.send({
        type: 'tool_result',
        callId: event.callId,
        ok: false,
        content: 'this run has ended; the tool was not executed',
      });
      return;
    }
    const turn = this.turnFor(event.turnId);
    const result = await this.deps.tools.call(event.name, event.args, {
      runId: this.id,
      agent: this.agent,
      chat: this.chat,
      triggerPlatformId: turn?.triggerPlatformId,
    });
    this.connection?.send({
      type: 'tool_result',
      callId: event.callId,
      ok: result.ok,
      content: result.content,
    });
  }

  private onDone(event: RunnerEventOf<'done'>): void {
    const index = this.turns.findIndex((t) => t.id === event.turnId);
    if (index < 0) {
      // Not a turn in flight (never sent, or already done): it must not close another one.
      this.log.warn({ turnId: event.turnId }, 'runner reported done for an unknown turn; ignored');
      return;
    }
    const turn = this.turns.splice(index, 1)[0]!;
    if (turn && !turn.answered && turn.error) this.apologise(turn, turn.error);
    else if (turn) this.deps.store.cursors.advance(this.agent.id, this.chat, turn.lastMessageId);
    const usage = event.usage && runnerUsageToRecord(event.usage, this.deps.meteredAtGateway ?? false);
    if (usage) {
      this.deps.store.runs.addUsage(this.id, usage);
      this.deps.observe?.usage?.(this.agent.id, usage);
    }
    if (this.turns.length === 0 && this.state === 'busy') {
      this.state = 'idle';
      void this.deps.outbox.settled(turn?.outboxIds ?? []).then(() => {
        if (this.turns.length === 0) this.notify({ kind: 'idle' }, turn);
      });
      for (const listener of this.idleListeners) listener();
    }
  }

  private onError(event: RunnerEventOf<'error'>): void {
    this.log.warn(
      { err: event.message, fatal: event.fatal, sessionInvalid: event.sessionInvalid },
      'runner error',
    );
    if (event.sessionInvalid) this.deps.store.sessions.clear(this.agent.id, this.agent.runtime);
    if (!event.fatal) {
      // The runtime goes on, but this turn may end without a reply: remember why, for `done`.
      const turn = event.turnId ? this.turns.find((t) => t.id === event.turnId) : undefined;
      if (turn) turn.error = event.message;
      return;
    }
    this.finish({
      ok: false,
      error: event.message,
      notice: failureNotice('model'),
      unanswered: this.turns.length > 0,
      // Starting fresh is a free retry only if a stored session was used; otherwise it would loop.
      sessionInvalid: event.sessionInvalid && this.resumedSession,
    });
    void this.launched?.process.kill('killed');
  }

  private onExit(info: {
    code: number | null;
    signal: NodeJS.Signals | null;
    reason?: RunOutcome['reason'];
    stderrTail: string;
    detail?: string;
  }): void {
    this.exitSeen = true;
    this.launched?.release();
    if (this.outcome) return this.finish(this.outcome);
    const clean = info.code === 0 && this.turns.length === 0;
    const why = info.detail
      ? info.detail
      : info.reason === 'timeout'
        ? `the agent ran longer than its ${Math.round(this.agent.limits.timeoutMs / 1000)} s time limit and was stopped`
        : info.reason === 'limit'
          ? 'the agent exceeded its memory or process limit and was stopped'
          : `the agent runner exited (code ${info.code ?? info.signal})` +
            (info.stderrTail ? `: ${info.stderrTail.trim().split('\n').slice(-3).join(' | ')}` : '');
    this.finish(
      clean || (this.state === 'stopping' && this.turns.length === 0)
        ? { ok: true, unanswered: false }
        : {
            ok: false,
            error: why,
            notice: exitNotice(info, this.agent.limits.timeoutMs),
            unanswered: this.turns.length > 0,
            reason: info.reason,
          },
    );
  }

  private finish(outcome: RunOutcome): void {
    if (this.state === 'ended') return;
    this.outcome ??= {
      ...outcome,
      unanswered: outcome.unanswered || this.turns.length > 0,
      lastMessageId: this.turns.length
        ? this.turns[this.turns.length - 1]!.lastMessageId
        : outcome.lastMessageId,
    };
    // A launched runner is reported only once its process is gone, so a retry never overlaps it.
    if (this.launched && !this.exitSeen) {
      this.state = 'stopping';
      return;
    }
    this.state = 'ended';
    const final = this.outcome;
    try {
      this.deps.store.runs.finish(this.id, final.ok ? 'ok' : 'failed', final.error);
      this.deps.observe?.runEnded?.(this, final, this.now() - this.startedAt);
    } catch (error) {
      // Bookkeeping only: the run is over whatever the database says, and its slot is freed.
      // The row stays open and is closed as abandoned at the next start.
      this.deps.storageFault?.(error, 'recording the end of a run');
      this.log.error({ err: (error as Error).message }, 'could not record the end of the run');
    } finally {
      this.resolveEnded(final);
    }
  }

  private notify(notice: WorkNotice, turn: Turn | undefined): void {
    const route = routeFor(this.deps.table, this.agent.id, this.chat);
    this.deps.notify(this.chat, notice, {
      triggerPlatformId: turn?.triggerPlatformId,
      streamThread: route?.streamThreads ?? false,
    });
  }
}

/**
 * The chat's sentence for a runner that exited. A host-written detail (the disk watchdog's
 * "agent … was stopped: its files take 9 MB, over its 5 MB disk limit; …") is meant for the
 * chat; anything from the runner (exit codes, stderr) is not.
 */
function exitNotice(info: { reason?: RunOutcome['reason']; detail?: string }, timeoutMs: number): string {
  // A sandbox that cannot run (no image) says what to do in a sentence of its own.
  if (info.reason === 'unavailable' && info.detail) return info.detail;
  if (info.detail) return `Sorry, I could not answer your message: ${info.detail}`;
  if (info.reason === 'timeout') return failureNotice('timeout', { timeoutMs });
  if (info.reason === 'limit') return failureNotice('limit');
  return failureNotice('runner');
}
