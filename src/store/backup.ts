/**
 * Consistent copies of the database while it is in use (SQLite's online backup API, through
 * better-sqlite3), and the copy taken before a newer OmniClaw migrates the schema on start.
 */
import BetterSqlite3 from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Migrator } from './migration.js';
import { migrations as allMigrations } from './migrations/index.js';
import type { Migration } from './migration.js';

/** Copies the live database at `path` into `dest` (0600), pages and all, without stopping writers. */
export async function snapshotDatabase(path: string, dest: string): Promise<void> {
  mkdirSync(dirname(dest), { recursive: true, mode: 0o700 });
  const db = new BetterSqlite3(path, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(dest);
  } finally {
    db.close();
  }
  chmodSync(dest, 0o600);
}

export interface UpgradeBackup {
  /** The schema version before the upgrade, and the one this code migrates to. */
  from: number;
  to: number;
  file: string;
}

/**
 * Before a start migrates an existing database: refuses one from a newer OmniClaw (nothing
 * changed), and otherwise backs it up when migrations are pending. A fresh or up-to-date
 * database needs no copy: undefined.
 */
export async function backupBeforeMigrating(
  path: string,
  backupDir: string,
  options: { now?: () => number; migrations?: readonly Migration[] } = {},
): Promise<UpgradeBackup | undefined> {
  if (!existsSync(path)) return undefined;
  const migrations = options.migrations ?? allMigrations;
  const db = new BetterSqlite3(path, { fileMustExist: true });
  let versions: { applied: number[]; pending: number[] };
  try {
    const migrator = new Migrator(db, migrations);
    migrator.verify();
    versions = migrator.versions();
  } finally {
    db.close();
  }
  if (!versions.pending.length || !versions.applied.length) return undefined;
  const from = Math.max(...versions.applied);
  const to = Math.max(...versions.pending);
  const stamp = new Date((options.now ?? Date.now)()).toISOString().replace(/[:.]/g, '-');
  const file = join(backupDir, `omniclaw-${stamp}-schema${from}.db`);
  await snapshotDatabase(path, file);
  return { from, to, file };
}
