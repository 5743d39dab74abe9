/** The registered_groups table (migration 005): chats added at runtime by register_group. */
import type { Database } from 'better-sqlite3';
import type { GroupRegistration } from '../config/registered-groups.js';

/** A registration as stored: what the config folds in (config/registered-groups.ts), plus who and when. */
export interface RegisteredGroup extends GroupRegistration {
  createdBy: string;
  createdAt: number;
}

interface Row {
  chat: string;
  agent: string;
  agent_name: string | null;
  trigger_word: string | null;
  requires_trigger: number | null;
  server: string | null;
  description: string | null;
  created_by: string;
  created_at: number;
}

const fromRow = (r: Row): RegisteredGroup => ({
  chat: r.chat,
  agent: r.agent,
  agentName: r.agent_name ?? undefined,
  trigger: r.trigger_word ?? undefined,
  requiresTrigger: r.requires_trigger === null ? undefined : r.requires_trigger === 1,
  server: r.server ?? undefined,
  description: r.description ?? undefined,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

export class RegisteredGroupStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  list(): RegisteredGroup[] {
    return (this.db.prepare('SELECT * FROM registered_groups ORDER BY created_at, chat').all() as Row[]).map(
      fromRow,
    );
  }

  /** Adds a registration; false when the chat is registered already (nothing changed). */
  add(group: Omit<RegisteredGroup, 'createdAt'>): boolean {
    const result = this.db
      .prepare(
        `INSERT OR IGNORE INTO registered_groups
           (chat, agent, agent_name, trigger_word, requires_trigger, server, description, created_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        group.chat,
        group.agent,
        group.agentName ?? null,
        group.trigger ?? null,
        group.requiresTrigger === undefined ? null : group.requiresTrigger ? 1 : 0,
        group.server ?? null,
        group.description ?? null,
        group.createdBy,
        this.now(),
      );
    return result.changes === 1;
  }

  remove(chat: string): boolean {
    return this.db.prepare('DELETE FROM registered_groups WHERE chat = ?').run(chat).changes === 1;
  }
}
