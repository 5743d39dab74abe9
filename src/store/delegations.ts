/**
 * The delegations table (migration 007): every delegate_task, open or ended. Ends are
 * conditional on the row still being open, so an expiry racing an approval, or a run's end
 * racing the restart's recovery, changes it once.
 */
import type { Database } from 'better-sqlite3';
import type { Usage } from '../protocol/runner-protocol.js';
import type { Delegation, DelegationEnd, DelegationStatus } from '../domain/multi-agent.js';

interface Row {
  id: string;
  from_agent: string;
  to_agent: string;
  chat: string;
  description: string;
  depth: number;
  chain: string;
  notify_chat: number;
  reply_to: string;
  files: string;
  status: DelegationStatus;
  run_id: string | null;
  created_at: number;
  expires_at: number | null;
  ended_at: number | null;
  usage: string | null;
  error: string | null;
}

const fromRow = (r: Row): Delegation => ({
  id: r.id,
  from: r.from_agent,
  to: r.to_agent,
  chat: r.chat,
  description: r.description,
  depth: r.depth,
  chain: JSON.parse(r.chain) as string[],
  notifyChat: r.notify_chat === 1,
  replyTo: JSON.parse(r.reply_to) as Delegation['replyTo'],
  files: JSON.parse(r.files) as Delegation['files'],
  status: r.status,
  runId: r.run_id ?? undefined,
  createdAt: r.created_at,
  expiresAt: r.expires_at ?? undefined,
  endedAt: r.ended_at ?? undefined,
  usage: r.usage === null ? undefined : (JSON.parse(r.usage) as Usage),
  error: r.error ?? undefined,
});

const OPEN = `status IN ('awaiting_approval', 'running')`;
/** Ended delegations kept for `status`; older ones are only in the log. */
const KEEP_ENDED = 200;

export class DelegationStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  insert(d: Delegation): void {
    this.db
      .prepare(
        `INSERT INTO delegations (id, from_agent, to_agent, chat, description, depth, chain, notify_chat,
           reply_to, files, status, run_id, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        d.id,
        d.from,
        d.to,
        d.chat,
        d.description,
        d.depth,
        JSON.stringify(d.chain),
        d.notifyChat ? 1 : 0,
        JSON.stringify(d.replyTo),
        JSON.stringify(d.files),
        d.status,
        d.runId ?? null,
        d.createdAt,
        d.expiresAt ?? null,
      );
  }

  get(id: string): Delegation | undefined {
    const row = this.db.prepare('SELECT * FROM delegations WHERE id = ?').get(id) as Row | undefined;
    return row && fromRow(row);
  }

  /** The open delegation the delegated run `runId` carries out. */
  byRun(runId: string): Delegation | undefined {
    const row = this.db.prepare(`SELECT * FROM delegations WHERE run_id = ? AND ${OPEN}`).get(runId) as
      Row | undefined;
    return row && fromRow(row);
  }

  /** Open delegations, oldest first (restart recovery). */
  open(): Delegation[] {
    return (
      this.db.prepare(`SELECT * FROM delegations WHERE ${OPEN} ORDER BY created_at`).all() as Row[]
    ).map(fromRow);
  }

  openCountFrom(agent: string): number {
    return this.db
      .prepare(`SELECT COUNT(*) FROM delegations WHERE from_agent = ? AND ${OPEN}`)
      .pluck()
      .get(agent) as number;
  }

  /** Approved: awaiting_approval → running. False when it was no longer waiting. */
  approve(id: string): boolean {
    return (
      this.db
        .prepare(
          `UPDATE delegations SET status = 'running', expires_at = NULL WHERE id = ? AND status = 'awaiting_approval'`,
        )
        .run(id).changes === 1
    );
  }

  ranAs(id: string, runId: string): void {
    this.db.prepare('UPDATE delegations SET run_id = ? WHERE id = ?').run(runId, id);
  }

  /** Records the end; false when it had already ended. */
  end(id: string, status: DelegationEnd, detail: { usage?: Usage; error?: string } = {}): boolean {
    const changed = this.db
      .prepare(
        `UPDATE delegations SET status = ?, ended_at = ?, usage = ?, error = ? WHERE id = ? AND ${OPEN}`,
      )
      .run(
        status,
        this.now(),
        detail.usage ? JSON.stringify(detail.usage) : null,
        detail.error ?? null,
        id,
      ).changes;
    if (changed === 1)
      this.db
        .prepare(
          `DELETE FROM delegations WHERE NOT ${OPEN} AND id NOT IN
             (SELECT id FROM delegations WHERE NOT ${OPEN} ORDER BY ended_at DESC, rowid DESC LIMIT ?)`,
        )
        .run(KEEP_ENDED);
    return changed === 1;
  }

  counts(): Partial<Record<DelegationStatus, number>> {
    const rows = this.db.prepare('SELECT status, COUNT(*) AS n FROM delegations GROUP BY status').all() as {
      status: DelegationStatus;
      n: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /** The newest delegations first. */
  recent(limit: number): Delegation[] {
    return (
      this.db
        .prepare('SELECT * FROM delegations ORDER BY created_at DESC, rowid DESC LIMIT ?')
        .all(limit) as Row[]
    ).map(fromRow);
  }
}
