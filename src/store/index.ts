/** The store: one SQLite database, migrated on open, with one small repository per table. */
import type { Database } from 'better-sqlite3';
import { openDatabase } from './db.js';
import { Migrator } from './migration.js';
import { migrations } from './migrations/index.js';
import { MessageStore } from './messages.js';
import { CursorStore } from './cursors.js';
import { OutboxStore } from './outbox-store.js';
import { SessionStore } from './sessions.js';
import { RunStore } from './runs.js';
import { TaskStore } from './tasks.js';

export interface Store {
  db: Database;
  messages: MessageStore;
  cursors: CursorStore;
  outbox: OutboxStore;
  sessions: SessionStore;
  runs: RunStore;
  tasks: TaskStore;
  close(): void;
}

export function openStore(path: string, options: { now?: () => number; migrate?: boolean } = {}): Store {
  const db = openDatabase(path);
  const now = options.now ?? Date.now;
  const migrator = new Migrator(db, migrations, now);
  if (options.migrate === false) migrator.verify();
  else migrator.up();
  return {
    db,
    messages: new MessageStore(db, now),
    cursors: new CursorStore(db, now),
    outbox: new OutboxStore(db, now),
    sessions: new SessionStore(db, now),
    runs: new RunStore(db, now),
    tasks: new TaskStore(db, now),
    close: () => db.close(),
  };
}
