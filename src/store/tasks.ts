/**
 * Scheduled tasks and their run log. Claiming a due time, starting, finishing and the
 * start-up recovery are each one transaction, so the log and the task never disagree.
 */
import type { Database } from 'better-sqlite3';
import type { Usage } from '../protocol/runner-protocol.js';
import {
  bounded,
  columns,
  toRun,
  toTask,
  type Lease,
  type NewTask,
  type Row,
  type Task,
  type TaskPatch,
  type TaskRunEnd,
  type TaskRunRecord,
  type TaskStatus,
} from './task-rows.js';

export type {
  Lease,
  NewTask,
  Task,
  TaskPatch,
  TaskRunEnd,
  TaskRunRecord,
  TaskRunStatus,
  TaskStatus,
} from './task-rows.js';

export class TaskStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  create(task: NewTask): Task {
    const at = this.now();
    this.db
      .prepare(
        `INSERT INTO tasks (id, agent, chat, prompt, kind, source, schedule_type, schedule_value, context_mode,
          output, status, anchor_at, next_run_at, created_by, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        task.id,
        task.agent,
        task.chat,
        task.prompt,
        task.kind ?? 'task',
        task.source ?? 'agent',
        task.scheduleType,
        task.scheduleValue,
        task.contextMode ?? 'group',
        task.output ?? 'send_message',
        task.status ?? 'active',
        task.anchorAt ?? null,
        task.nextRunAt ?? null,
        task.createdBy ?? null,
        at,
        at,
      );
    return this.get(task.id)!;
  }

  get(id: string): Task | undefined {
    const row = this.db.prepare('SELECT * FROM tasks WHERE id = ?').get(id) as Row | undefined;
    return row ? toTask(row) : undefined;
  }

  /** Tasks, newest first; cancelled ones only when asked for. */
  list(filter: { agent?: string; includeCancelled?: boolean; kind?: Task['kind'] } = {}): Task[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM tasks WHERE (? IS NULL OR agent = ?) AND (? = 1 OR status != 'cancelled')
           AND (? IS NULL OR kind = ?) ORDER BY created_at DESC, id`,
        )
        .all(
          filter.agent ?? null,
          filter.agent ?? null,
          filter.includeCancelled ? 1 : 0,
          filter.kind ?? null,
          filter.kind ?? null,
        ) as Row[]
    ).map(toTask);
  }

  update(id: string, patch: TaskPatch): Task | undefined {
    const sets: string[] = [];
    const values: (string | number | null)[] = [];
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      sets.push(`${columns[key]!} = ?`);
      values.push(value as string | number | null);
    }
    if (sets.length) {
      this.db
        .prepare(`UPDATE tasks SET ${sets.join(', ')}, updated_at = ? WHERE id = ?`)
        .run(...values, this.now(), id);
    }
    return this.get(id);
  }

  /** The earliest due time of an active task: one index lookup, whatever the number of tasks. */
  earliestDue(): number | undefined {
    const row = this.db
      .prepare("SELECT MIN(next_run_at) AS at FROM tasks WHERE status = 'active' AND next_run_at IS NOT NULL")
      .get() as { at: number | null };
    return row.at ?? undefined;
  }

  /** Active tasks due at or before `at`, oldest due first. */
  due(at: number, limit: number): Task[] {
    return (
      this.db
        .prepare(
          "SELECT * FROM tasks WHERE status = 'active' AND next_run_at IS NOT NULL AND next_run_at <= ? ORDER BY next_run_at LIMIT ?",
        )
        .all(at, limit) as Row[]
    ).map(toTask);
  }

  /**
   * Takes the due time `dueAt` of a task whose stored next run is `expected`, and moves the
   * next run to `nextRunAt` (none for a one-time task, which stays active until its run
   * ends). Returns the run row id, or undefined when the task changed meanwhile or the due
   * time was already taken (UNIQUE task_id, due_at): then nothing was changed.
   */
  claim(
    taskId: string,
    expected: number,
    dueAt: number,
    nextRunAt: number | undefined,
    how: { status?: 'queued' | 'skipped'; note?: string; lease?: Lease } = {},
  ): number | undefined {
    const { status = 'queued', note, lease } = how;
    return this.db.transaction(() => {
      const moved = this.db
        .prepare(
          "UPDATE tasks SET next_run_at = ?, updated_at = ? WHERE id = ? AND status = 'active' AND next_run_at = ?",
        )
        .run(nextRunAt ?? null, this.now(), taskId, expected).changes;
      if (!moved) return undefined;
      // The due time may be taken already (a one-time task paused mid-run and resumed): the
      // next run has moved on all the same, so the timer never spins on it.
      const inserted = this.db
        .prepare(
          `INSERT OR IGNORE INTO task_runs (task_id, due_at, claimed_at, status, error, ended_at, owner, lease_until)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          taskId,
          dueAt,
          this.now(),
          status,
          note ?? null,
          status === 'skipped' ? this.now() : null,
          lease?.owner ?? null,
          lease?.until ?? null,
        );
      if (!inserted.changes) return undefined;
      // A run goes ahead: a skip streak (for budget) is over, the next skip is told again.
      if (status === 'queued')
        this.db.prepare('UPDATE tasks SET budget_notice_at = NULL WHERE id = ?').run(taskId);
      if (status === 'skipped') {
        this.db
          .prepare("UPDATE tasks SET last_status = 'skipped', last_result = ? WHERE id = ?")
          .run(bounded(note), taskId);
      }
      return Number(inserted.lastInsertRowid);
    })();
  }

  /** Logs a due time that was passed over (it never runs later: the row takes it). */
  logSkipped(taskId: string, dueAt: number, note: string): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO task_runs (task_id, due_at, claimed_at, ended_at, status, error)
         VALUES (?, ?, ?, ?, 'skipped', ?)`,
      )
      .run(taskId, dueAt, this.now(), this.now(), note);
  }

  /** A run started now, outside the schedule (`omniclaw tasks run`). */
  claimManual(taskId: string, lease?: Lease): number {
    const at = this.now();
    const row = this.db
      .prepare(
        "INSERT INTO task_runs (task_id, due_at, claimed_at, status, owner, lease_until) VALUES (?, ?, ?, 'queued', ?, ?)",
      )
      .run(taskId, at, at, lease?.owner ?? null, lease?.until ?? null);
    return Number(row.lastInsertRowid);
  }

  /**
   * A queued claim becomes a running run. False when the claim is gone: its lease ran out
   * and another scheduler recovered it (it is due again there), so this one must not start.
   */
  started(runRow: number, runId: string): boolean {
    return (
      this.db
        .prepare(
          "UPDATE task_runs SET status = 'running', started_at = ?, run_id = ? WHERE id = ? AND status = 'queued'",
        )
        .run(this.now(), runId, runRow).changes === 1
    );
  }

  /** The owner's heartbeat: every run it holds open keeps its lease until `until`. */
  renewLeases(owner: string, until: number): void {
    this.db
      .prepare("UPDATE task_runs SET lease_until = ? WHERE owner = ? AND status IN ('queued', 'running')")
      .run(until, owner);
  }

  /** Open runs held by other schedulers (few rows, through the partial index on open runs). */
  openRunsNotOwnedBy(owner: string): TaskRunRecord[] {
    return (
      this.db
        .prepare(
          "SELECT * FROM task_runs WHERE status IN ('queued', 'running') AND (owner IS NULL OR owner != ?)",
        )
        .all(owner) as Row[]
    ).map(toRun);
  }

  /** Records that the task's chat was told it is skipped for budget (once per skip streak). */
  noteBudgetNotice(taskId: string): void {
    this.db.prepare('UPDATE tasks SET budget_notice_at = ? WHERE id = ?').run(this.now(), taskId);
  }

  /** Records the end of a run on the log and the task; a one-time task is completed (or failed) now. */
  finish(
    runRow: number,
    outcome: { status: TaskRunEnd; result?: string; error?: string; usage?: Usage },
  ): void {
    this.db.transaction(() => {
      const run = this.db.prepare('SELECT task_id FROM task_runs WHERE id = ?').get(runRow) as
        { task_id: string } | undefined;
      if (!run) return;
      const at = this.now();
      this.db
        .prepare(
          `UPDATE task_runs SET status = ?, ended_at = ?, result = ?, error = ?, input_tokens = ?,
           output_tokens = ?, cost_usd = ? WHERE id = ?`,
        )
        .run(
          outcome.status,
          at,
          bounded(outcome.result),
          bounded(outcome.error),
          outcome.usage?.inputTokens ?? 0,
          outcome.usage?.outputTokens ?? 0,
          outcome.usage?.costUsd ?? 0,
          runRow,
        );
      this.db
        .prepare(
          `UPDATE tasks SET last_run_at = ?, last_status = ?, last_result = ?, updated_at = ?,
           status = CASE WHEN schedule_type = 'once' AND status = 'active'
             THEN (CASE WHEN ? IN ('failed', 'interrupted') THEN 'failed' ELSE 'completed' END) ELSE status END
           WHERE id = ?`,
        )
        .run(at, outcome.status, bounded(outcome.result ?? outcome.error), at, outcome.status, run.task_id);
    })();
  }

  /**
   * Recovery of runs whose owner is gone (`abandoned` decides, from the owner and lease:
   * see Scheduler). A claimed run that never started had no effect: its claim is dropped
   * and the task is due again at that time (the grace rule then decides). A run that had
   * started is recorded as interrupted, never restarted for that due time; a one-time
   * task interrupted mid-run is failed, since running it again might repeat its effects.
   * One IMMEDIATE transaction, and each row only if it is unchanged since it was read, so
   * two schedulers recovering at once, or an owner renewing meanwhile, never act twice.
   */
  recoverOpenRuns(abandoned: (run: TaskRunRecord) => boolean = () => true): {
    requeued: number;
    interrupted: TaskRunRecord[];
  } {
    return this.db
      .transaction(() => {
        const open = (
          this.db.prepare("SELECT * FROM task_runs WHERE status IN ('queued', 'running')").all() as Row[]
        )
          .map(toRun)
          .filter(abandoned);
        const at = this.now();
        const interrupted: TaskRunRecord[] = [];
        let requeued = 0;
        for (const run of open) {
          if (run.status === 'queued') {
            const dropped = this.db
              .prepare("DELETE FROM task_runs WHERE id = ? AND status = 'queued'")
              .run(run.id).changes;
            if (!dropped) continue;
            this.db
              .prepare(
                `UPDATE tasks SET next_run_at = CASE WHEN next_run_at IS NULL OR next_run_at > ? THEN ? ELSE next_run_at END
               WHERE id = ? AND status = 'active'`,
              )
              .run(run.dueAt, run.dueAt, run.taskId);
            requeued++;
            continue;
          }
          const note = 'interrupted: the host stopped during the run';
          const marked = this.db
            .prepare(
              "UPDATE task_runs SET status = 'interrupted', ended_at = ?, error = ? WHERE id = ? AND status = 'running'",
            )
            .run(at, note, run.id).changes;
          if (!marked) continue;
          this.db
            .prepare(
              `UPDATE tasks SET last_run_at = ?, last_status = 'interrupted', last_result = ?, updated_at = ?,
             status = CASE WHEN schedule_type = 'once' AND status = 'active' THEN 'failed' ELSE status END
             WHERE id = ?`,
            )
            .run(at, note, at, run.taskId);
          interrupted.push({ ...run, status: 'interrupted' });
        }
        return { requeued, interrupted };
      })
      .immediate();
  }

  /** True while a run of this task is queued or running. */
  hasOpenRun(taskId: string): boolean {
    return (
      this.db
        .prepare("SELECT 1 FROM task_runs WHERE task_id = ? AND status IN ('queued', 'running') LIMIT 1")
        .get(taskId) !== undefined
    );
  }

  runs(taskId: string, limit = 20): TaskRunRecord[] {
    return (
      this.db
        .prepare('SELECT * FROM task_runs WHERE task_id = ? ORDER BY id DESC LIMIT ?')
        .all(taskId, limit) as Row[]
    ).map(toRun);
  }

  /** Heartbeat runs of an agent that reached the model since `since` (for the daily cap). */
  heartbeatRunsSince(agent: string, since: number): number {
    const row = this.db
      .prepare(
        `SELECT COUNT(*) AS n FROM task_runs r JOIN tasks t ON t.id = r.task_id
         WHERE t.agent = ? AND t.kind = 'heartbeat' AND r.started_at >= ?`,
      )
      .get(agent, since) as { n: number };
    return row.n;
  }

  counts(): Record<TaskStatus, number> {
    const out: Record<TaskStatus, number> = { active: 0, paused: 0, completed: 0, failed: 0, cancelled: 0 };
    for (const r of this.db.prepare('SELECT status, COUNT(*) AS n FROM tasks GROUP BY status').all() as {
      status: TaskStatus;
      n: number;
    }[])
      out[r.status] = r.n;
    return out;
  }
}
