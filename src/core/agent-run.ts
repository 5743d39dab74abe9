/**
 * One run of one agent for one chat: launches the runner in its sandbox, feeds it the
 * chat's unanswered messages (and later ones while warm), executes its tool calls on the
 * host, and turns its replies into outbox rows — persisting each reply together with the
 * cursor advance, so a crash can neither lose nor double an answer. Its parts: the work to
 * hand over (pending-work.ts), the turns in flight (turn-book.ts), the start command
 * (start-command.ts) and the explanation of an exit (exit-notice.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AgentConfig } from '../config/normalise.js';
import type { StoredMessage } from '../store/messages.js';
import type { WorkNotice } from '../domain/channel.js';
import type { RunnerEvent, RunnerEventOf, ToolResultCommand } from '../protocol/runner-protocol.js';
import type { LaunchedRun } from './run-launcher.js';
import { RunnerConnection } from './runner-connection.js';
import { formatMessages } from './prompt.js';
import { routeFor } from './router.js';
import { decideSession } from './session-policy.js';
import { runnerUsageToRecord } from './gateway-meter.js';
import { failureNotice, UserFacingError } from './failure-notice.js';
import { pendingWork } from './pending-work.js';
import { TurnBook, type Turn } from './turn-book.js';
import { startCommand } from './start-command.js';
import { exitDetail, exitNotice, type RunnerExit } from './exit-notice.js';
import { TurnAnswers } from './turn-answers.js';
import { replyStreamsFor, type ReplyStreams } from './reply-stream.js';
import { relayToolCall } from './tool-call-relay.js';
import type { RunDeps, RunOutcome } from './run-types.js';

export type { RunDeps, RunObserver, RunOutcome } from './run-types.js';
export { pendingWork } from './pending-work.js';

export class AgentRun {
  readonly id = randomUUID();
  readonly startedAt: number;
  state: 'starting' | 'busy' | 'idle' | 'stopping' | 'ended' = 'starting';
  lastActivity: number;
  private connection: RunnerConnection | undefined;
  private launched: LaunchedRun | undefined;
  private readonly turns: TurnBook;
  private readonly answers: TurnAnswers;
  private readonly streams: ReplyStreams;
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
    this.turns = new TurnBook(deps.store.cursors.get(agent.id, chat) ?? 0);
    this.answers = new TurnAnswers(deps, { agent: agent.id, chat, runId: this.id });
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    this.log = deps.logger.child({ agent: agent.id, chat, run: this.id });
    this.streams = replyStreamsFor(agent, chat, deps, this.log);
  }

  /** The sandbox kind the run is in, once launched (for the log). */
  get sandbox(): string | undefined {
    return this.launched?.sandbox;
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
    const messages = this.pending();
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

    const session = decideSession(
      store.sessions.get(this.agent.id, this.agent.runtime),
      this.agent.sessionMaxAgeMs,
      this.now(),
    );
    this.resumedSession = 'resume' in session;
    if ('fresh' in session) this.log.debug({ reason: session.reason }, 'starting a fresh engine session');
    this.state = 'busy';
    connection.send(
      startCommand({
        runId: this.id,
        turnId: turn.id,
        agent: this.agent,
        prompt: formatMessages(messages, { inboxDir: launched.workspace.inboxDir }),
        sessionId: 'resume' in session ? session.resume : undefined,
        launched,
        tools: this.deps.tools,
        defaultModel: this.deps.defaultModel,
      }),
    );
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
    const messages = this.pending();
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
    if (!this.connection) this.finish({ ok: true, unanswered: this.turns.open > 0 });
    const outcome = await this.ended;
    clearTimeout(timer);
    return outcome;
  }

  /** Kills at once (shutdown deadline passed, or limits). */
  async kill(): Promise<void> {
    if (this.launched) await this.launched.process.kill('killed');
    else this.finish({ ok: false, error: 'stopped', unanswered: this.turns.open > 0 });
  }

  /** The chat's messages after the last one handed to the runner, if any triggers the agent. */
  private pending(): StoredMessage[] {
    return pendingWork(this.deps.store, this.deps.table, this.agent, this.chat, this.turns.lastSentId);
  }

  private newTurn(messages: StoredMessage[]): Turn {
    return this.turns.begin(messages, this.agent, routeFor(this.deps.table, this.agent.id, this.chat));
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
        return this.notify({ kind: 'progress', text: event.text }, this.turns.find(event.turnId));
      case 'delta':
        return this.streams.delta(this.turns.find(event.turnId), event);
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

  private onReply(event: RunnerEventOf<'reply'>): void {
    const turn = this.turns.find(event.turnId);
    if (this.answers.reply(turn, event.text, this.streams.finish(turn))) this.deps.observe?.replied?.(this);
  }

  /** The turn ended in an error without a reply: the chat is told, with the cursor moved past it. */
  private apologise(turn: Turn, error: string): void {
    this.log.warn({ err: error, turn: turn.id }, 'turn ended without a reply; the chat is told');
    this.answers.apologise(turn, (notice) => this.notify({ kind: 'failed', error: notice }, turn));
  }

  private onToolCall(event: RunnerEventOf<'tool_call'>): Promise<void> {
    const live = this.state !== 'stopping' && this.state !== 'ended';
    if (!live) this.log.warn({ tool: event.name }, 'tool call after the run ended refused');
    const context = {
      runId: this.id,
      agent: this.agent,
      chat: this.chat,
      triggerPlatformId: this.turns.find(event.turnId)?.triggerPlatformId,
    };
    const send = (command: ToolResultCommand): void => void this.connection?.send(command);
    return relayToolCall(event, { live, context, send }, this.deps.tools);
  }

  private onDone(event: RunnerEventOf<'done'>): void {
    const turn = this.turns.close(event.turnId);
    if (!turn) {
      // Not a turn in flight (never sent, or already done): it must not close another one.
      this.log.warn({ turnId: event.turnId }, 'runner reported done for an unknown turn; ignored');
      return;
    }
    this.streams.abandon(turn.id);
    if (turn && !turn.answered && turn.error) this.apologise(turn, turn.error);
    else if (turn) this.deps.store.cursors.advance(this.agent.id, this.chat, turn.lastMessageId);
    const usage = event.usage && runnerUsageToRecord(event.usage, this.deps.meteredAtGateway ?? false);
    if (usage) {
      this.deps.store.runs.addUsage(this.id, usage);
      this.deps.observe?.usage?.(this.agent.id, usage);
    }
    if (this.turns.open === 0 && this.state === 'busy') {
      this.state = 'idle';
      void this.deps.outbox.settled(turn?.outboxIds ?? []).then(() => {
        if (this.turns.open === 0) this.notify({ kind: 'idle' }, turn);
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
      const turn = event.turnId ? this.turns.find(event.turnId) : undefined;
      if (turn) turn.error = event.message;
      return;
    }
    this.finish({
      ok: false,
      error: event.message,
      notice: failureNotice('model'),
      unanswered: this.turns.open > 0,
      // Starting fresh is a free retry only if a stored session was used; otherwise it would loop.
      sessionInvalid: event.sessionInvalid && this.resumedSession,
    });
    void this.launched?.process.kill('killed');
  }

  private onExit(info: RunnerExit): void {
    this.exitSeen = true;
    this.launched?.release();
    if (this.outcome) return this.finish(this.outcome);
    const clean = info.code === 0 && this.turns.open === 0;
    const timeoutMs = this.agent.limits.timeoutMs;
    this.finish(
      clean || (this.state === 'stopping' && this.turns.open === 0)
        ? { ok: true, unanswered: false }
        : {
            ok: false,
            error: exitDetail(info, timeoutMs),
            notice: exitNotice(info, timeoutMs),
            unanswered: this.turns.open > 0,
            reason: info.reason,
          },
    );
  }

  private finish(outcome: RunOutcome): void {
    if (this.state === 'ended') return;
    this.outcome ??= {
      ...outcome,
      unanswered: outcome.unanswered || this.turns.open > 0,
      lastMessageId: this.turns.lastOpenMessageId() ?? outcome.lastMessageId,
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
