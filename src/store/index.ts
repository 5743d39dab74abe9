/**
 * The store: one SQLite database, migrated on open, with one small repository per table.
 * It owns its SQL and its transactions: callers get operations, never the database handle.
 */
import type { Database } from 'better-sqlite3';
import { openDatabase } from './db.js';
import { Migrator } from './migration.js';
import { migrations } from './migrations/index.js';
import { MessageStore } from './messages.js';
import { CursorStore } from './cursors.js';
import { OutboxStore } from './outbox-store.js';
import { SessionStore } from './sessions.js';
import { RunStore } from './runs.js';
import { answerWriter, type AnswerWriter } from './answers.js';
import { writeProbe } from './write-probe.js';
import { TaskStore } from './tasks.js';
import { RegisteredGroupStore } from './registered-groups.js';
import { DelegationStore } from './delegations.js';
import { ShareRequestStore } from './share-requests.js';

export type { Answer } from './answers.js';

export interface Store {
  messages: MessageStore;
  cursors: CursorStore;
  outbox: OutboxStore;
  sessions: SessionStore;
  runs: RunStore;
  /** A reply (if any) queued and the cursor moved past the messages it answers, in one transaction. */
  answer: AnswerWriter;
  /** Commits a 64 KB row and frees it again: throws while the database cannot be written (health). */
  probeWrite(): void;
  tasks: TaskStore;
  /** Chats registered at runtime by the main agent (issue 11). */
  groups: RegisteredGroupStore;
  /** Open and recent delegations and share requests, kept across restarts (issue 11). */
  delegations: DelegationStore;
  shares: ShareRequestStore;
  close(): void;
}

const handles = new WeakMap<Store, Database>();

export function openStore(path: string, options: { now?: () => number; migrate?: boolean } = {}): Store {
  const db = openDatabase(path);
  const now = options.now ?? Date.now;
  const migrator = new Migrator(db, migrations, now);
  if (options.migrate === false) migrator.verify();
  else migrator.up();
  const outbox = new OutboxStore(db, now);
  const cursors = new CursorStore(db, now);
  const store: Store = {
    messages: new MessageStore(db, now),
    cursors,
    outbox,
    sessions: new SessionStore(db, now),
    runs: new RunStore(db, now),
    answer: answerWriter(db, outbox, cursors),
    probeWrite: writeProbe(db, now),
    tasks: new TaskStore(db, now),
    groups: new RegisteredGroupStore(db, now),
    delegations: new DelegationStore(db, now),
    shares: new ShareRequestStore(db, now),
    close: () => db.close(),
  };
  handles.set(store, db);
  return store;
}

/**
 * The raw database behind a store, for the store's own tests and test inspection only; the
 * lint forbids it anywhere else in src/ (eslint/layers.js), so no module outside the store
 * touches SQL.
 */
export function storeDatabase(store: Store): Database {
  const db = handles.get(store);
  if (!db) throw new Error('storeDatabase: not a store made by openStore');
  return db;
}
