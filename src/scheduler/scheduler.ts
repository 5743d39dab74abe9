/**
 * The scheduler: one timer, armed for the earliest due task (one index lookup), re-armed
 * whenever tasks change. When it fires it claims each due task in the database before
 * anything starts (see TaskStore.claim), applies the grace rule to due times missed while
 * the host was down, and hands the run to the agent queue. No polling: an idle host with
 * 10,000 tasks does nothing until the next one is due. Each claim carries this scheduler's
 * lease (lease.ts), renewed while its runs are open; the timer also wakes when another
 * scheduler's lease would run out, to recover that run if its owner is gone.
 */
import type { Logger } from 'pino';
import type { AgentConfig } from '../config/normalise.js';
import type { Task, TaskStore } from '../store/tasks.js';
import type { TaskRunOutcome } from './task-run.js';
import { DEFAULT_LEASE_MS, isAbandoned, newOwnerId } from './lease.js';
import { scheduleOf } from './plan.js';
import { latestDue, nextDue } from './schedule.js';

/** setTimeout takes at most 2^31−1 ms; a later due time re-arms on the way. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Due tasks handled per timer callback; more are handled on the next turn of the event loop. */
const BATCH = 200;

export interface TaskStartRequest {
  agent: AgentConfig;
  /** The task, with the prompt to run (a heartbeat's is built at due time). */
  task: Task;
  runRow: number;
  dueAt: number;
}

/** Why a due time is skipped; `tell` is said to the task's chat once per skip streak (budget). */
export type Refusal = string | { reason: string; tell: string };

export interface SchedulerDeps {
  tasks: TaskStore;
  timezone: string;
  /** A due time missed by more than this (host down, clock jump) is skipped and logged. */
  graceMs: number;
  logger: Logger;
  now?: () => number;
  agent(id: string): AgentConfig | undefined;
  /** Starts the run (through the agent queue); resolves with its outcome. False: not accepted (shutdown). */
  start(request: TaskStartRequest): Promise<TaskRunOutcome> | false;
  /** Checked before a claim: a refusal skips this due time (budget spent, daily cap). */
  refuse?(agent: AgentConfig, task: Task): Refusal | undefined;
  /** Says `text` to the task's chat (a budget skip; through the outbox). */
  tell?(agent: AgentConfig, task: Task, text: string): void;
  /** How long a claim holds without renewal (default 30 s). */
  leaseMs?: number;
  /** This scheduler's owner id on its claims (default host:pid:nonce, lease.ts). */
  owner?: string;
  /** The prompt of a heartbeat, from the agent's memory; undefined means there is nothing to do. */
  heartbeatPrompt?(agent: AgentConfig): string | undefined;
  observe?: {
    lateness?(task: Task, ms: number): void;
    result?(task: Task, result: 'ok' | 'failed' | 'skipped' | 'interrupted'): void;
  };
}

export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private armedFor: number | undefined;
  private stopped = false;
  private readonly now: () => number;
  private readonly running = new Set<Promise<unknown>>();
  private renewTimer: NodeJS.Timeout | undefined;
  /** Written on every claim; see lease.ts. */
  readonly owner: string;
  private readonly leaseMs: number;

  constructor(private readonly deps: SchedulerDeps) {
    this.now = deps.now ?? Date.now;
    this.owner = deps.owner ?? newOwnerId();
    this.leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  }

  /** Start-up: recover runs a crash left open, then arm the timer. */
  start(): void {
    this.recover();
    this.arm();
  }

  /** Runs whose owner is gone (crashed, killed, lease run out): recorded interrupted or due again. */
  private recover(): void {
    const now = this.now();
    const { requeued, interrupted } = this.deps.tasks.recoverOpenRuns((run) =>
      isAbandoned(run, this.owner, now),
    );
    for (const run of interrupted) {
      this.deps.logger.warn(
        { task: run.taskId, dueAt: run.dueAt, owner: run.owner },
        'task run was interrupted (its host stopped); not run again for that due time',
      );
      const task = this.deps.tasks.get(run.taskId);
      if (task) this.deps.observe?.result?.(task, 'interrupted');
    }
    if (requeued)
      this.deps.logger.info(
        { runs: requeued },
        'task runs claimed but not started by a scheduler that stopped are due again',
      );
  }

  private lease(): { owner: string; until: number } {
    return { owner: this.owner, until: this.now() + this.leaseMs };
  }

  /** While this scheduler has runs open, their leases are renewed (one UPDATE per third of a lease). */
  private keepLeases(): void {
    if (this.renewTimer || !this.running.size) return;
    this.renewTimer = setInterval(
      () => {
        if (!this.running.size) {
          clearInterval(this.renewTimer);
          this.renewTimer = undefined;
          return;
        }
        try {
          this.deps.tasks.renewLeases(this.owner, this.now() + this.leaseMs);
        } catch (err) {
          this.deps.logger.error({ err: (err as Error).message }, 'task leases could not be renewed');
        }
      },
      Math.max(10, Math.floor(this.leaseMs / 3)),
    );
    this.renewTimer.unref();
  }

  /** Tasks changed (created, resumed, updated, cancelled): arm for the new earliest. */
  changed(): void {
    this.arm();
  }

  /** When the timer is armed for (tests, status). */
  get nextWakeAt(): number | undefined {
    return this.armedFor;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = undefined;
  }

  /** Runs a task now, outside its schedule (`omniclaw tasks run`). */
  runNow(taskId: string): { ok: true; runRow: number } | { ok: false; error: string } {
    const task = this.deps.tasks.get(taskId);
    if (!task) return { ok: false, error: `no task "${taskId}"` };
    const agent = this.deps.agent(task.agent);
    if (!agent)
      return { ok: false, error: `task ${taskId} belongs to agent "${task.agent}", which is not configured` };
    if (this.deps.tasks.hasOpenRun(taskId))
      return { ok: false, error: `task ${taskId} is already queued or running` };
    const prepared = this.prepare(agent, task);
    if ('skip' in prepared) {
      const why = prepared.skip;
      return { ok: false, error: typeof why === 'string' ? why : why.reason };
    }
    const runRow = this.deps.tasks.claimManual(taskId, this.lease());
    this.launch({ agent, task: prepared, runRow, dueAt: this.now() });
    return { ok: true, runRow };
  }

  private arm(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // Another scheduler's open run: wake when its lease would run out, to recover it then.
    const foreign = this.deps.tasks
      .openRunsNotOwnedBy(this.owner)
      .reduce<number | undefined>((min, r) => Math.min(min ?? Infinity, r.leaseUntil ?? 0), undefined);
    const due = this.deps.tasks.earliestDue();
    const next = due === undefined ? foreign : foreign === undefined ? due : Math.min(due, foreign);
    this.armedFor = next;
    if (next === undefined) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, next - this.now()));
    this.timer = setTimeout(() => this.fire(), delay);
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    if (this.stopped) return;
    this.recover();
    const now = this.now();
    const due = this.deps.tasks.due(now, BATCH);
    for (const task of due) {
      try {
        this.fireTask(task, now);
      } catch (err) {
        // One broken task (say, a schedule edited by hand into nonsense) must not stop the others.
        this.deps.logger.error(
          { task: task.id, err: (err as Error).message },
          'task could not be scheduled; it is failed',
        );
        this.deps.tasks.update(task.id, { status: 'failed', nextRunAt: null });
      }
    }
    if (due.length === BATCH) setImmediate(() => this.fire());
    else this.arm();
  }

  private fireTask(task: Task, now: number): void {
    const dueAt = task.nextRunAt!;
    const schedule = scheduleOf(task, this.deps.timezone);
    const context = { timezone: this.deps.timezone, anchor: task.anchorAt };
    // The latest due time that has passed: after downtime, only that one may still run.
    const runAt = latestDue(schedule, dueAt, now, context) ?? dueAt;
    const next = schedule.kind === 'once' ? undefined : nextDue(schedule, Math.max(now, runAt), context);
    const log = this.deps.logger.child({ task: task.id, agent: task.agent });
    const late = now - runAt;
    /** Records the skip; false when another scheduler took this due time first. */
    const skip = (reason: string): boolean => {
      if (
        this.deps.tasks.claim(task.id, dueAt, runAt, next, { status: 'skipped', note: reason }) === undefined
      )
        return false;
      if (schedule.kind === 'once') this.deps.tasks.update(task.id, { status: 'failed' });
      log.warn({ dueAt: new Date(runAt).toISOString(), reason }, 'task run skipped');
      this.deps.observe?.result?.(task, 'skipped');
      return true;
    };
    if (late > this.deps.graceMs) {
      return void skip(
        `missed by ${Math.round(late / 1000)} s (the host was down or busy), more than the grace window of ${Math.round(this.deps.graceMs / 1000)} s`,
      );
    }
    const agent = this.deps.agent(task.agent);
    if (!agent) return void skip(`agent "${task.agent}" is not configured`);
    if (this.deps.tasks.hasOpenRun(task.id))
      return void skip('the previous run of this task is still queued or running');
    const prepared = this.prepare(agent, task);
    if ('skip' in prepared) {
      const { skip: why } = prepared;
      if (typeof why === 'string') return void skip(why);
      // Budget: the chat hears it at the first skip of a streak; the log says whether it did.
      const tell = task.budgetNoticeAt === undefined;
      const note = `${why.reason} ${tell ? '(the chat was told)' : '(the chat was told at the first skip of this streak)'}`;
      if (skip(note) && tell) {
        this.deps.tasks.noteBudgetNotice(task.id);
        this.deps.tell?.(agent, task, why.tell);
      }
      return;
    }
    const runRow = this.deps.tasks.claim(task.id, dueAt, runAt, next, { lease: this.lease() });
    if (runRow === undefined) return; // taken already, or changed meanwhile
    if (runAt > dueAt) {
      this.deps.tasks.logSkipped(
        task.id,
        dueAt,
        'missed while the host was down; only the latest due time within the grace window ran',
      );
    }
    this.deps.observe?.lateness?.(task, late);
    log.info({ dueAt: new Date(runAt).toISOString(), lateMs: late }, 'task due; queued');
    this.launch({ agent, task: prepared, runRow, dueAt: runAt });
  }

  /** The task as it runs (a heartbeat gets its prompt now), or why this due time is skipped. */
  private prepare(agent: AgentConfig, task: Task): Task | { skip: Refusal } {
    const refusal = this.deps.refuse?.(agent, task);
    if (refusal !== undefined) return { skip: refusal };
    if (task.kind !== 'heartbeat') return task;
    const prompt = this.deps.heartbeatPrompt?.(agent);
    if (prompt === undefined)
      return {
        skip: 'no "## Heartbeat" or "## Goals" section in the agent\'s CLAUDE.md: nothing to do, no model call',
      };
    return { ...task, prompt };
  }

  private launch(request: TaskStartRequest): void {
    const started = this.deps.start(request);
    // Not accepted (shutting down): the claim stays queued and is due again at the next start.
    if (!started) return;
    const done = started
      .then((outcome) => {
        // The claim was recovered by another scheduler before the run started: it never ran here.
        if (outcome.claimLost) return;
        // Stopped by a shutdown: recorded as the crash path records it, never run again.
        const status = outcome.ok ? 'ok' : outcome.interrupted ? 'interrupted' : 'failed';
        this.deps.tasks.finish(request.runRow, {
          status,
          result: outcome.result,
          error: outcome.error,
          usage: outcome.usage,
        });
        this.deps.observe?.result?.(request.task, status);
        this.deps.logger.info(
          { task: request.task.id, agent: request.agent.id, status, err: outcome.error },
          status === 'interrupted'
            ? 'task run was interrupted by the shutdown; not run again for that due time'
            : 'task run ended',
        );
      })
      .catch((err: Error) =>
        this.deps.logger.error({ task: request.task.id, err: err.message }, 'task run failed'),
      );
    this.running.add(done);
    this.keepLeases();
    void done.finally(() => this.running.delete(done));
  }

  /** Resolves when the task runs started so far have been recorded (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.running]);
  }
}
