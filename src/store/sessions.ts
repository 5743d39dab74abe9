/** Engine session ids per agent and runtime, so the next run resumes the conversation. */
import type { Database } from 'better-sqlite3';

export interface SessionRecord {
  sessionId: string;
  createdAt: number;
  lastUsedAt: number;
}

export class SessionStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  get(agent: string, runtime: string): SessionRecord | undefined {
    const row = this.db
      .prepare('SELECT session_id, created_at, last_used_at FROM sessions WHERE agent = ? AND runtime = ?')
      .get(agent, runtime) as { session_id: string; created_at: number; last_used_at: number } | undefined;
    return row
      ? { sessionId: row.session_id, createdAt: row.created_at, lastUsedAt: row.last_used_at }
      : undefined;
  }

  /** Records the session the engine reported; a new id restarts the age clock. */
  set(agent: string, runtime: string, sessionId: string): void {
    const now = this.now();
    this.db
      .prepare(
        `INSERT INTO sessions (agent, runtime, session_id, created_at, last_used_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (agent, runtime) DO UPDATE SET
          created_at = CASE WHEN sessions.session_id = excluded.session_id THEN sessions.created_at ELSE excluded.created_at END,
          session_id = excluded.session_id, last_used_at = excluded.last_used_at`,
      )
      .run(agent, runtime, sessionId, now, now);
  }

  clear(agent: string, runtime: string): void {
    this.db.prepare('DELETE FROM sessions WHERE agent = ? AND runtime = ?').run(agent, runtime);
  }
}
