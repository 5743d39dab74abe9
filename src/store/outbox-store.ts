/** Persistent outbox rows. The delivery logic lives in core/outbox.ts. */
import type { Database, Statement } from 'better-sqlite3';

export interface OutboxEntry {
  id: number;
  channel: string;
  chat: string;
  text: string;
  replyTo?: string;
  thread?: string;
  files?: string[];
  /** The platform id of the streamed preview this row's text finishes (sent as its final edit). */
  edit?: string;
  agent?: string;
  runId?: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  nextAttemptAt: number;
  lastError?: string;
  platformId?: string;
  createdAt: number;
  sentAt?: number;
  /** When the current run of failed attempts began: retries are bounded by time from here. */
  failingSince?: number;
}

export type NewOutboxEntry = Pick<OutboxEntry, 'channel' | 'chat' | 'text'> &
  Partial<Pick<OutboxEntry, 'replyTo' | 'thread' | 'files' | 'edit' | 'agent' | 'runId'>>;

interface Row {
  id: number;
  channel: string;
  chat: string;
  text: string;
  reply_to: string | null;
  thread: string | null;
  files: string | null;
  edit_of: string | null;
  agent: string | null;
  run_id: string | null;
  status: OutboxEntry['status'];
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  platform_id: string | null;
  created_at: number;
  sent_at: number | null;
  failing_since: number | null;
}

const fromRow = (r: Row): OutboxEntry => ({
  id: r.id,
  channel: r.channel,
  chat: r.chat,
  text: r.text,
  replyTo: r.reply_to ?? undefined,
  thread: r.thread ?? undefined,
  files: r.files ? (JSON.parse(r.files) as string[]) : undefined,
  edit: r.edit_of ?? undefined,
  agent: r.agent ?? undefined,
  runId: r.run_id ?? undefined,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error ?? undefined,
  platformId: r.platform_id ?? undefined,
  createdAt: r.created_at,
  sentAt: r.sent_at ?? undefined,
  failingSince: r.failing_since ?? undefined,
});

export class OutboxStore {
  private readonly insertStmt: Statement;
  private readonly dueStmt: Statement;

  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {
    this.insertStmt = db.prepare(`INSERT INTO outbox
      (channel, chat, text, reply_to, thread, files, edit_of, agent, run_id, status, attempts, next_attempt_at, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)`);
    // A row is due only when no earlier row of its chat is still waiting for a retry:
    // otherwise a failed message would be overtaken by the ones queued behind it.
    this.dueStmt = db.prepare(`SELECT * FROM outbox o WHERE o.status = 'pending' AND o.next_attempt_at <= @now
      AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.status = 'pending' AND p.chat = o.chat AND p.id < o.id
        AND p.next_attempt_at > @now)
      ORDER BY o.id LIMIT @limit`);
  }

  enqueue(entry: NewOutboxEntry): number {
    const now = this.now();
    const result = this.insertStmt.run(
      entry.channel,
      entry.chat,
      entry.text,
      entry.replyTo ?? null,
      entry.thread ?? null,
      entry.files?.length ? JSON.stringify(entry.files) : null,
      entry.edit ?? null,
      entry.agent ?? null,
      entry.runId ?? null,
      now,
      now,
    );
    return Number(result.lastInsertRowid);
  }

  get(id: number): OutboxEntry | undefined {
    const row = this.db.prepare('SELECT * FROM outbox WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  due(now: number, limit = 100): OutboxEntry[] {
    return (this.dueStmt.all({ now, limit }) as Row[]).map(fromRow);
  }

  /**
   * Earliest next attempt after `after` among the rows that head their chat's queue (only
   * those can go next), for arming the retry timer.
   */
  nextDueAt(after = 0): number | undefined {
    const row = this.db
      .prepare(
        `SELECT MIN(o.next_attempt_at) AS t FROM outbox o WHERE o.status = 'pending' AND o.next_attempt_at > ?
        AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.status = 'pending' AND p.chat = o.chat AND p.id < o.id)`,
      )
      .get(after) as { t: number | null };
    return row.t ?? undefined;
  }

  /** The streamed preview a pending row finishes became known after the row was written. */
  setEdit(id: number, platformId: string): void {
    this.db.prepare("UPDATE outbox SET edit_of = ? WHERE id = ? AND status = 'pending'").run(platformId, id);
  }

  markSent(id: number, platformId: string): void {
    this.db
      .prepare(
        "UPDATE outbox SET status = 'sent', platform_id = ?, sent_at = ?, attempts = attempts + 1 WHERE id = ?",
      )
      .run(platformId, this.now(), id);
  }

  markRetry(id: number, error: string, nextAttemptAt: number, failingSince?: number): void {
    this.db
      .prepare(
        'UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, failing_since = COALESCE(failing_since, ?) WHERE id = ?',
      )
      .run(error, nextAttemptAt, failingSince ?? null, id);
  }

  /** Rows that failed for good, newest first. */
  failed(limit = 50): OutboxEntry[] {
    return (
      this.db
        .prepare("SELECT * FROM outbox WHERE status = 'failed' ORDER BY id DESC LIMIT ?")
        .all(limit) as Row[]
    ).map(fromRow);
  }

  /**
   * Puts failed rows back in the queue as new (attempts and the retry window start again).
   * `ids` undefined: every failed row. Returns the ids that were failed and are pending now.
   */
  retryFailed(ids?: number[]): number[] {
    const now = this.now();
    const wanted = ids ?? this.failed(1_000_000).map((r) => r.id);
    const update = this.db.prepare(
      "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, failing_since = NULL WHERE id = ? AND status = 'failed'",
    );
    return this.db.transaction(() => wanted.filter((id) => update.run(now, id).changes === 1))();
  }

  markFailed(id: number, error: string): void {
    this.db
      .prepare("UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?")
      .run(error, id);
  }

  /** The row sent to `chat` as platform message `platformId` (a reaction on it names that id). */
  sentAs(chat: string, platformId: string): OutboxEntry | undefined {
    const row = this.db
      .prepare(
        "SELECT * FROM outbox WHERE chat = ? AND platform_id = ? AND status = 'sent' ORDER BY id DESC LIMIT 1",
      )
      .get(chat, platformId) as Row | undefined;
    return row && fromRow(row);
  }

  forChat(chat: string, limit = 50): OutboxEntry[] {
    return (
      this.db
        .prepare('SELECT * FROM outbox WHERE chat = ? ORDER BY id DESC LIMIT ?')
        .all(chat, limit) as Row[]
    )
      .map(fromRow)
      .reverse();
  }

  /** Every row that carries files (send_file): which staged copies are still needed. */
  withFiles(): Pick<OutboxEntry, 'chat' | 'status' | 'files'>[] {
    return (
      this.db.prepare('SELECT chat, status, files FROM outbox WHERE files IS NOT NULL').all() as Pick<
        Row,
        'chat' | 'status' | 'files'
      >[]
    ).map((r) => ({ chat: r.chat, status: r.status, files: JSON.parse(r.files!) as string[] }));
  }

  counts(): Record<OutboxEntry['status'], number> {
    const rows = this.db.prepare('SELECT status, COUNT(*) AS n FROM outbox GROUP BY status').all() as {
      status: OutboxEntry['status'];
      n: number;
    }[];
    const out = { pending: 0, sent: 0, failed: 0 };
    for (const r of rows) out[r.status] = r.n;
    return out;
  }
}
