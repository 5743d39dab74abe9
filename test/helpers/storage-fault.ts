/**
 * A real "disk full" for SQLite without filling a disk: max_page_count caps the database at
 * its current size (after VACUUM removed the free pages), so every write that needs a new
 * page fails with SQLITE_FULL ("database or disk is full"), as on a full disk. Per connection:
 * pass the connection the code under test uses.
 */
import type { Database } from 'better-sqlite3';

export function fillDatabase(db: Database): void {
  db.exec('VACUUM');
  const pages = db.pragma('page_count', { simple: true }) as number;
  db.pragma(`max_page_count = ${pages}`);
}

export function freeDatabase(db: Database): void {
  db.pragma('max_page_count = 4294967294');
}
