/**
 * The share_requests table (migration 007): every share_request, open or ended. Ends are
 * conditional on the row still awaiting approval, so an expiry racing an approval ends it once.
 */
import type { Database } from 'better-sqlite3';
import type { Share, ShareStatus } from '../domain/multi-agent.js';

interface Row {
  id: string;
  from_agent: string;
  chat: string;
  other_agent: string;
  description: string;
  moves: string;
  status: ShareStatus;
  created_at: number;
  expires_at: number | null;
  ended_at: number | null;
  error: string | null;
}

const fromRow = (r: Row): Share => ({
  id: r.id,
  from: r.from_agent,
  chat: r.chat,
  other: r.other_agent,
  description: r.description,
  moves: JSON.parse(r.moves) as Share['moves'],
  status: r.status,
  createdAt: r.created_at,
  expiresAt: r.expires_at ?? undefined,
  endedAt: r.ended_at ?? undefined,
  error: r.error ?? undefined,
});

const WAITING = `status = 'awaiting_approval'`;
/** Ended requests kept for `status`; older ones are only in the log. */
const KEEP_ENDED = 200;

export class ShareRequestStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  insert(s: Share): void {
    this.db
      .prepare(
        `INSERT INTO share_requests (id, from_agent, chat, other_agent, description, moves, status, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        s.id,
        s.from,
        s.chat,
        s.other,
        s.description,
        JSON.stringify(s.moves),
        s.status,
        s.createdAt,
        s.expiresAt ?? null,
      );
  }

  get(id: string): Share | undefined {
    const row = this.db.prepare('SELECT * FROM share_requests WHERE id = ?').get(id) as Row | undefined;
    return row && fromRow(row);
  }

  /** Requests awaiting approval, oldest first (restart recovery, `status`). */
  waiting(): Share[] {
    return (
      this.db.prepare(`SELECT * FROM share_requests WHERE ${WAITING} ORDER BY created_at`).all() as Row[]
    ).map(fromRow);
  }

  waitingCountFrom(agent: string): number {
    return this.db
      .prepare(`SELECT COUNT(*) FROM share_requests WHERE from_agent = ? AND ${WAITING}`)
      .pluck()
      .get(agent) as number;
  }

  /** Records the end; false when it had already ended. */
  end(id: string, status: Exclude<ShareStatus, 'awaiting_approval'>, error?: string): boolean {
    const changed = this.db
      .prepare(`UPDATE share_requests SET status = ?, ended_at = ?, error = ? WHERE id = ? AND ${WAITING}`)
      .run(status, this.now(), error ?? null, id).changes;
    if (changed === 1)
      this.db
        .prepare(
          `DELETE FROM share_requests WHERE NOT ${WAITING} AND id NOT IN
             (SELECT id FROM share_requests WHERE NOT ${WAITING} ORDER BY ended_at DESC, rowid DESC LIMIT ?)`,
        )
        .run(KEEP_ENDED);
    return changed === 1;
  }

  counts(): Partial<Record<ShareStatus, number>> {
    const rows = this.db
      .prepare('SELECT status, COUNT(*) AS n FROM share_requests GROUP BY status')
      .all() as {
      status: ShareStatus;
      n: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /** The newest requests first. */
  recent(limit: number): Share[] {
    return (
      this.db
        .prepare('SELECT * FROM share_requests ORDER BY created_at DESC, rowid DESC LIMIT ?')
        .all(limit) as Row[]
    ).map(fromRow);
  }
}
