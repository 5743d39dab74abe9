/**
 * The agent queue: at most one run per agent, at most `maxConcurrent` runs in all, agents
 * waiting for a slot served first come first served. New messages for a warm agent go
 * straight into its live run. Idle warm runs close after `idleTimeoutMs`, or earlier when
 * another agent needs their slot. Failed runs are retried with bounded backoff; when the
 * last attempt fails the chat is told.
 */
import type { Logger } from 'pino';
import type { AgentConfig } from '../config/normalise.js';
import { AgentRun } from './agent-run.js';
import { pendingWork } from './pending-work.js';
import type { RunDeps, RunOutcome } from './run-types.js';
import { backoffDelay } from '../protocol/backoff.js';
import { failureNotice, UserFacingError, type Refusal } from './failure-notice.js';

export interface QueueOptions {
  maxConcurrent: number;
  idleTimeoutMs: number;
  retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
  /** Slots of `maxConcurrent` reserved for scheduled tasks (default 1). */
  taskSlots?: number;
}

/** A scheduled task waiting for its agent and a slot (see submitTask). */
export interface QueuedTaskJob {
  start(): { ended: Promise<unknown>; stop(reason: string): Promise<unknown> };
}

export interface QueueHooks {
  /**
   * Last attempt failed (or the run was refused): tell the chat `failure.userText`, log
   * `failure.message`, and move the cursor past the messages.
   */
  gaveUp(agent: AgentConfig, chat: string, lastMessageId: number, failure: UserFacingError): void;
  /** Checked before starting a run (model, budget): a refusal goes to `gaveUp` as it is. */
  refuse?(agent: AgentConfig, chat: string): Refusal | undefined;
  depthChanged?(waiting: number, running: number): void;
}

interface AgentSlot {
  agent: AgentConfig;
  run?: AgentRun;
  /** Chats with work waiting, in arrival order. */
  pending: string[];
  retryTimer?: NodeJS.Timeout;
  idleTimer?: NodeJS.Timeout;
  /** Scheduled tasks waiting for this agent, and the one running. */
  tasks: QueuedTaskJob[];
  taskRun?: ReturnType<QueuedTaskJob['start']>;
}

export class AgentQueue {
  private readonly slots = new Map<string, AgentSlot>();
  /** Agents waiting for a global slot, FIFO. */
  private readonly waiting: string[] = [];
  private readonly attempts = new Map<string, { lastMessageId: number; count: number }>();
  private running = 0;
  private accepting = true;
  /** Agents with scheduled tasks waiting, FIFO, and task runs alive. */
  private readonly waitingTasks: string[] = [];
  private runningTasks = 0;

  constructor(
    private readonly options: QueueOptions,
    private readonly deps: RunDeps,
    private readonly hooks: QueueHooks,
    private readonly logger: Logger,
  ) {}

  /** There may be new work for (agent, chat): push it into a warm run or queue a run. */
  notify(agent: AgentConfig, chat: string): void {
    if (!this.accepting) return;
    const slot = this.slot(agent);
    if (slot.taskRun) {
      // A scheduled task has this agent: the chat is answered when it ends.
      if (!slot.pending.includes(chat)) slot.pending.push(chat);
      return;
    }
    if (slot.run && slot.run.state === 'busy' && this.hooks.refuse?.(agent, chat) !== undefined) {
      // Refused, but turns are in flight: the refusal moves the cursor, so it waits until they
      // are answered (onRunIdle) rather than mark them answered now.
      if (!slot.pending.includes(chat)) slot.pending.push(chat);
      return;
    }
    if (slot.run && slot.run.chat === chat && this.refused(slot, chat)) return;
    // Another chat of this agent is waiting: it goes first, this chat's new work queues behind it.
    const othersWaiting = slot.pending.some((c) => c !== chat);
    if (slot.run && slot.run.chat === chat && !othersWaiting && slot.run.offer()) {
      this.clearIdleTimer(slot);
      return;
    }
    if (slot.run && slot.run.chat === chat && slot.run.busy) {
      // Still starting (or another chat waits): the run's next turn, or the next run, reads
      // everything after the cursor.
      if (!slot.pending.includes(chat)) slot.pending.push(chat);
      return;
    }
    if (!slot.pending.includes(chat)) slot.pending.push(chat);
    if (slot.run && !slot.run.busy) {
      // Warm for another chat: hand the slot over.
      void slot.run.stop('another chat needs this agent');
      return;
    }
    if (!slot.run && !slot.retryTimer) this.enqueue(agent.id);
  }

  /**
   * Recovery at start: every routed chat with unanswered messages that trigger its agent
   * (stored before the last stop, never answered) is queued again. Returns how many.
   */
  recover(): number {
    let queued = 0;
    for (const route of this.deps.table.routes) {
      const agent = this.deps.table.agents.find((a) => a.id === route.agent);
      if (!agent) continue;
      const cursor = this.deps.store.cursors.get(agent.id, route.chat) ?? 0;
      if (!pendingWork(this.deps.store, this.deps.table, agent, route.chat, cursor).length) continue;
      this.notify(agent, route.chat);
      queued++;
    }
    return queued;
  }

  stats(): { running: number; waiting: number; warm: number; tasksRunning: number; tasksWaiting: number } {
    let warm = 0;
    let tasksWaiting = 0;
    for (const s of this.slots.values()) {
      if (s.run && !s.run.busy) warm++;
      tasksWaiting += s.tasks.length;
    }
    return {
      running: this.running,
      waiting: this.waiting.length,
      warm,
      tasksRunning: this.runningTasks,
      tasksWaiting,
    };
  }

  // --- Scheduled tasks (issue 10) -------------------------------------------------------
  /**
   * Queues a scheduled task run for an agent. It starts when the agent has no run (a warm
   * idle chat run is closed early; a busy one is waited for, never dropped) and a task slot
   * is free. Tasks use at most `taskSlots` of the cap, and while one waits chats leave that
   * share free, so neither starves the other. False once the queue stopped accepting.
   */
  submitTask(agent: AgentConfig, job: QueuedTaskJob): boolean {
    if (!this.accepting) return false;
    const slot = this.slot(agent);
    slot.tasks.push(job);
    if (!this.waitingTasks.includes(agent.id)) this.waitingTasks.push(agent.id);
    this.pump();
    return true;
  }

  private get taskCap(): number {
    const max = this.options.maxConcurrent;
    const wanted = this.options.taskSlots ?? 1;
    return max === 1 ? 1 : Math.max(1, Math.min(wanted, max - 1));
  }

  /** Slots chats may use: all of them, except the free part of the task share while tasks wait. */
  private get chatCap(): number {
    const reserved = Math.min(this.taskCap - this.runningTasks, this.waitingTasks.length);
    return this.options.maxConcurrent - Math.max(0, reserved);
  }

  private startTasks(): void {
    for (let i = 0; i < this.waitingTasks.length && this.runningTasks < this.taskCap;) {
      const agentId = this.waitingTasks[i]!;
      const slot = this.slots.get(agentId);
      if (!slot?.tasks.length) {
        this.waitingTasks.splice(i, 1);
        continue;
      }
      if (slot.run || slot.taskRun) {
        // Busy: the task waits for the run to end. Warm and idle: it is closed early for the task.
        if (slot.run?.state === 'idle') void slot.run.stop('a scheduled task needs this agent');
        i++;
        continue;
      }
      if (this.running >= this.options.maxConcurrent) {
        const idle = [...this.slots.values()]
          .filter((s) => s.run?.state === 'idle')
          .sort((a, b) => a.run!.lastActivity - b.run!.lastActivity)[0];
        if (idle?.run) void idle.run.stop('slot needed by a scheduled task');
        return;
      }
      this.waitingTasks.splice(i, 1);
      const job = slot.tasks.shift()!;
      if (slot.tasks.length) this.waitingTasks.push(agentId);
      this.running++;
      this.runningTasks++;
      const handle = job.start();
      slot.taskRun = handle;
      void handle.ended.finally(() => {
        this.running--;
        this.runningTasks--;
        slot.taskRun = undefined;
        this.afterRun(slot);
      });
    }
  }
  // ---------------------------------------------------------------------------------------

  activeRuns(): AgentRun[] {
    return [...this.slots.values()].flatMap((s) => (s.run ? [s.run] : []));
  }

  /** Stops intake, lets busy runs finish until the deadline, then stops everything. */
  async drain(deadlineMs: number): Promise<void> {
    this.accepting = false;
    this.waiting.length = 0;
    for (const slot of this.slots.values()) {
      if (slot.retryTimer) clearTimeout(slot.retryTimer);
      this.clearIdleTimer(slot);
    }
    const runs = this.activeRuns();
    await Promise.all(runs.filter((r) => !r.busy).map((r) => r.stop('shutdown')));
    const busy = runs.filter((r) => r.busy);
    const tasks = [...this.slots.values()].flatMap((s) => (s.taskRun ? [s.taskRun] : []));
    for (const slot of this.slots.values()) slot.tasks.length = 0;
    this.waitingTasks.length = 0;
    const all = Promise.all([...busy.map((r) => r.quiet()), ...tasks.map((t) => t.ended)]);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>(
      (resolve) => (timer = setTimeout(() => resolve('deadline'), deadlineMs)),
    );
    const result = await Promise.race([all.then(() => 'done' as const), deadline]);
    clearTimeout(timer);
    if (result === 'deadline') {
      this.logger.warn(
        { runs: busy.filter((r) => r.state !== 'ended').length },
        'drain deadline passed; stopping runs',
      );
    }
    await Promise.all([
      ...this.activeRuns().map((r) => r.stop('shutdown')),
      ...tasks.map((t) => t.stop('shutdown')),
    ]);
  }

  private slot(agent: AgentConfig): AgentSlot {
    let slot = this.slots.get(agent.id);
    if (!slot) {
      slot = { agent, pending: [], tasks: [] };
      this.slots.set(agent.id, slot);
    }
    slot.agent = agent;
    return slot;
  }

  private enqueue(agentId: string): void {
    if (!this.waiting.includes(agentId)) this.waiting.push(agentId);
    this.pump();
  }

  private pump(): void {
    if (this.accepting) this.startTasks();
    while (this.accepting && this.waiting.length) {
      if (this.running >= this.chatCap && !this.evictIdle()) break;
      if (this.running >= this.chatCap) break; // eviction in progress
      const agentId = this.waiting.shift()!;
      const slot = this.slots.get(agentId);
      if (!slot || slot.run || slot.taskRun) continue;
      const chat = slot.pending.shift();
      if (!chat) continue;
      this.startRun(slot, chat);
    }
    this.hooks.depthChanged?.(this.waiting.length, this.running);
  }

  /** Frees a slot held by the least recently active idle warm run; true if one is being stopped. */
  private evictIdle(): boolean {
    // A run already stopping frees a slot for the head of the queue: evict only for the rest.
    const freeing = [...this.slots.values()].filter((s) => s.run?.state === 'stopping').length;
    if (freeing >= this.waiting.length) return false;
    const idle = [...this.slots.values()]
      .filter((s) => s.run && s.run.state === 'idle')
      .sort((a, b) => a.run!.lastActivity - b.run!.lastActivity)[0];
    if (!idle?.run) return false;
    void idle.run.stop('slot needed by another agent');
    return false; // the slot frees when the run ends; pump runs again then
  }

  /** Budget and model checks, before a run starts and before each warm turn. */
  private refused(slot: AgentSlot, chat: string): boolean {
    const refusal = this.hooks.refuse?.(slot.agent, chat);
    if (refusal === undefined) return false;
    const afterId = this.deps.store.cursors.get(slot.agent.id, chat) ?? 0;
    const work = pendingWork(this.deps.store, this.deps.table, slot.agent, chat, afterId);
    if (work.length) this.hooks.gaveUp(slot.agent, chat, work[work.length - 1]!.id, refusal);
    return true;
  }

  private startRun(slot: AgentSlot, chat: string): void {
    if (this.refused(slot, chat)) {
      this.afterRun(slot);
      return;
    }
    const run = new AgentRun(slot.agent, chat, this.deps);
    slot.run = run;
    this.running++;
    run.onIdle(() => this.onRunIdle(slot, run));
    void run.ended.then((outcome) => this.onRunEnded(slot, run, outcome));
    void run.start();
  }

  private onRunIdle(slot: AgentSlot, run: AgentRun): void {
    this.attempts.delete(`${slot.agent.id}\u0000${run.chat}`);
    // Work that arrived while busy (same chat) goes in now, unless another chat of this agent
    // waits (it asked first); other agents may need the slot.
    const othersWaiting = slot.pending.some((c) => c !== run.chat);
    if (!othersWaiting && !this.refused(slot, run.chat) && run.offer()) return;
    if (slot.tasks.length) {
      void run.stop('a scheduled task needs this agent');
      return;
    }
    if (othersWaiting || (this.waiting.length && this.running >= this.options.maxConcurrent)) {
      void run.stop('slot needed');
      return;
    }
    this.clearIdleTimer(slot);
    slot.idleTimer = setTimeout(() => void run.stop('idle timeout'), this.options.idleTimeoutMs);
    slot.idleTimer.unref();
  }

  private onRunEnded(slot: AgentSlot, run: AgentRun, outcome: RunOutcome): void {
    this.running--;
    slot.run = undefined;
    this.clearIdleTimer(slot);
    // Stopped by shutdown: not a failed attempt. The unanswered messages stay after the
    // cursor and are answered after the restart.
    if (!this.accepting) return;
    const key = `${slot.agent.id}\u0000${run.chat}`;
    if (!outcome.ok && outcome.unanswered) {
      const lastMessageId = outcome.lastMessageId ?? 0;
      if (outcome.sessionInvalid) {
        // The stored session is gone: starting fresh is not a failed attempt.
        this.logger.info(
          { agent: slot.agent.id },
          'session could not be resumed; retrying with a fresh session',
        );
        if (!slot.pending.includes(run.chat)) slot.pending.unshift(run.chat);
      } else {
        const previous = this.attempts.get(key);
        // A run stopped for its time or memory limit would only hit it again, and a sandbox
        // that cannot start (no image) fails the same way until someone fixes it: no retry.
        const limited =
          outcome.reason === 'timeout' || outcome.reason === 'limit' || outcome.reason === 'unavailable';
        // The database could not record the run: not the agent's fault, and giving up would
        // need the same database. Retried at the longest backoff until it can be written.
        const storage = outcome.reason === 'storage';
        const count = limited
          ? this.options.retry.maxAttempts
          : previous && previous.lastMessageId === lastMessageId
            ? previous.count + (storage ? 0 : 1)
            : storage
              ? 0
              : 1;
        this.attempts.set(key, { lastMessageId, count });
        if (count >= this.options.retry.maxAttempts) {
          this.attempts.delete(key);
          this.logger.error(
            { agent: slot.agent.id, chat: run.chat, err: outcome.error, attempts: count },
            'giving up',
          );
          this.hooks.gaveUp(
            slot.agent,
            run.chat,
            lastMessageId,
            new UserFacingError(
              outcome.notice ?? failureNotice('runner'),
              outcome.error ?? 'the agent failed',
            ),
          );
        } else {
          const delay = storage
            ? this.options.retry.maxDelayMs
            : backoffDelay(count, {
                baseMs: this.options.retry.baseDelayMs,
                maxMs: this.options.retry.maxDelayMs,
              });
          this.logger.warn(
            { agent: slot.agent.id, chat: run.chat, err: outcome.error, attempt: count, delay },
            'run failed; retrying',
          );
          if (!slot.pending.includes(run.chat)) slot.pending.unshift(run.chat);
          slot.retryTimer = setTimeout(() => {
            slot.retryTimer = undefined;
            this.afterRun(slot);
          }, delay);
          slot.retryTimer.unref();
          this.pump();
          return;
        }
      }
    } else if (outcome.ok) {
      this.attempts.delete(key);
    }
    this.afterRun(slot);
  }

  /** Re-checks the agent's chats for work (including messages that arrived meanwhile). */
  private afterRun(slot: AgentSlot): void {
    if (!this.accepting) return;
    const chats = new Set(slot.pending);
    slot.pending = [];
    try {
      for (const chat of chats) {
        const afterId = this.deps.store.cursors.get(slot.agent.id, chat) ?? 0;
        if (pendingWork(this.deps.store, this.deps.table, slot.agent, chat, afterId).length)
          slot.pending.push(chat);
      }
    } catch (error) {
      // The database cannot be read: keep every chat and look again later; never lose the slot.
      this.logger.error(
        { agent: slot.agent.id, err: (error as Error).message },
        'could not read pending work; retrying',
      );
      slot.pending = [...chats];
      slot.retryTimer ??= setTimeout(() => {
        slot.retryTimer = undefined;
        this.afterRun(slot);
      }, this.options.retry.maxDelayMs);
      slot.retryTimer.unref();
      this.pump();
      return;
    }
    if (slot.pending.length) this.enqueue(slot.agent.id);
    else this.pump();
  }

  private clearIdleTimer(slot: AgentSlot): void {
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.idleTimer = undefined;
  }
}
