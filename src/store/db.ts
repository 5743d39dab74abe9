/** Opens the SQLite database the way every part of OmniClaw expects it. */
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/** The database and the files SQLite keeps beside it: all hold message text. */
export const databaseFiles = (path: string): string[] => [path, `${path}-wal`, `${path}-shm`];

export function openDatabase(path: string): Database {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Owner only, whatever the umask or the home's mode: SQLite gives the -wal and -shm
    // files the database file's mode, so creating it 0600 covers all three.
    closeSync(openSync(path, 'a', 0o600));
    restrictDatabaseFiles(path);
  }
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  // WAL + NORMAL is durable across process crashes (kill -9); only an OS crash may lose the last commit.
  db.pragma('synchronous = NORMAL');
  if (path !== ':memory:') restrictDatabaseFiles(path);
  return db;
}

/** Files made before OmniClaw created them 0600 (or by another tool) are tightened. */
function restrictDatabaseFiles(path: string): void {
  for (const file of databaseFiles(path)) if (existsSync(file)) chmodSync(file, 0o600);
}
