/** Opens the SQLite database the way every part of OmniClaw expects it. */
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export function openDatabase(path: string): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  // WAL + NORMAL is durable across process crashes (kill -9); only an OS crash may lose the last commit.
  db.pragma('synchronous = NORMAL');
  return db;
}
