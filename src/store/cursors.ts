/** Per-agent, per-chat cursors: the id of the last message the agent has answered. */
import type { Database, Statement } from 'better-sqlite3';

export class CursorStore {
  private readonly getStmt: Statement;
  private readonly advanceStmt: Statement;

  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {
    this.getStmt = db.prepare('SELECT message_id FROM cursors WHERE agent = ? AND chat = ?');
    // A cursor only moves forward: a late or repeated advance can never re-open answered messages.
    this.advanceStmt =
      db.prepare(`INSERT INTO cursors (agent, chat, message_id, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (agent, chat) DO UPDATE SET message_id = MAX(cursors.message_id, excluded.message_id),
      updated_at = excluded.updated_at`);
  }

  get(agent: string, chat: string): number | undefined {
    return (this.getStmt.get(agent, chat) as { message_id: number } | undefined)?.message_id;
  }

  advance(agent: string, chat: string, messageId: number): void {
    this.advanceStmt.run(agent, chat, messageId, this.now());
  }

  all(): { agent: string; chat: string; messageId: number }[] {
    return (
      this.db.prepare('SELECT agent, chat, message_id FROM cursors').all() as {
        agent: string;
        chat: string;
        message_id: number;
      }[]
    ).map((r) => ({ agent: r.agent, chat: r.chat, messageId: r.message_id }));
  }
}
