/**
 * The scheduler: one timer, armed for the earliest due task (one index lookup), re-armed
 * whenever tasks change. When it fires it claims each due task in the database before
 * anything starts (see TaskStore.claim), applies the grace rule to due times missed while
 * the host was down, and hands the run to the agent queue. No polling: an idle host with
 * 10,000 tasks does nothing until the next one is due.
 */
import type { Logger } from 'pino';
import type { AgentConfig } from '../config/normalise.js';
import type { Task, TaskStore } from '../store/tasks.js';
import type { TaskRunOutcome } from './task-run.js';
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
  /** Checked before a claim: a string skips this due time (budget spent, daily cap, nothing to do). */
  refuse?(agent: AgentConfig, task: Task): string | undefined;
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

  constructor(private readonly deps: SchedulerDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Start-up: recover runs a crash left open, then arm the timer. */
  start(): void {
    const { requeued, interrupted } = this.deps.tasks.recoverOpenRuns();
    for (const run of interrupted) {
      this.deps.logger.warn(
        { task: run.taskId, dueAt: run.dueAt },
        'task run was interrupted by the last stop; not run again for that due time',
      );
      const task = this.deps.tasks.get(run.taskId);
      if (task) this.deps.observe?.result?.(task, 'interrupted');
    }
    if (requeued)
      this.deps.logger.info(
        { runs: requeued },
        'task runs claimed but not started before the last stop are due again',
      );
    this.arm();
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
    if (typeof prepared === 'string') return { ok: false, error: prepared };
    const runRow = this.deps.tasks.claimManual(taskId);
    this.launch({ agent, task: prepared, runRow, dueAt: this.now() });
    return { ok: true, runRow };
  }

  private arm(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const next = this.deps.tasks.earliestDue();
    this.armedFor = next;
    if (next === undefined) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, next - this.now()));
    this.timer = setTimeout(() => this.fire(), delay);
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    if (this.stopped) return;
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
    const skip = (reason: string): void => {
      if (this.deps.tasks.claim(task.id, dueAt, runAt, next, 'skipped', reason) === undefined) return;
      if (schedule.kind === 'once') this.deps.tasks.update(task.id, { status: 'failed' });
      log.warn({ dueAt: new Date(runAt).toISOString(), reason }, 'task run skipped');
      this.deps.observe?.result?.(task, 'skipped');
    };
    if (late > this.deps.graceMs) {
      return skip(
        `missed by ${Math.round(late / 1000)} s (the host was down or busy), more than the grace window of ${Math.round(this.deps.graceMs / 1000)} s`,
      );
    }
    const agent = this.deps.agent(task.agent);
    if (!agent) return skip(`agent "${task.agent}" is not configured`);
    if (this.deps.tasks.hasOpenRun(task.id))
      return skip('the previous run of this task is still queued or running');
    const prepared = this.prepare(agent, task);
    if (typeof prepared === 'string') return skip(prepared);
    const runRow = this.deps.tasks.claim(task.id, dueAt, runAt, next);
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
  private prepare(agent: AgentConfig, task: Task): Task | string {
    const refusal = this.deps.refuse?.(agent, task);
    if (refusal !== undefined) return refusal;
    if (task.kind !== 'heartbeat') return task;
    const prompt = this.deps.heartbeatPrompt?.(agent);
    if (prompt === undefined)
      return 'no "## Heartbeat" or "## Goals" section in the agent\'s CLAUDE.md: nothing to do, no model call';
    return { ...task, prompt };
  }

  private launch(request: TaskStartRequest): void {
    const started = this.deps.start(request);
    // Not accepted (shutting down): the claim stays queued and is due again at the next start.
    if (!started) return;
    const done = started.then(
      (outcome) => {
        this.deps.tasks.finish(request.runRow, {
          status: outcome.ok ? 'ok' : 'failed',
          result: outcome.result,
          error: outcome.error,
          usage: outcome.usage,
        });
        this.deps.observe?.result?.(request.task, outcome.ok ? 'ok' : 'failed');
        this.deps.logger.info(
          { task: request.task.id, agent: request.agent.id, ok: outcome.ok, err: outcome.error },
          'task run ended',
        );
      },
      (err: Error) => this.deps.logger.error({ task: request.task.id, err: err.message }, 'task run failed'),
    );
    this.running.add(done);
    void done.finally(() => this.running.delete(done));
  }

  /** Resolves when the task runs started so far have been recorded (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.running]);
  }
}
