/** Migrations on a real SQLite file: up, down, checksums, and refusals that change nothing. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { checksum, MigrationError, Migrator, type Migration } from '../../src/store/migration.js';
import { migrations as shipped } from '../../src/store/migrations/index.js';

/** The migrator's own tests build on the first shipped migration alone (later ones test themselves). */
const migrations = shipped.filter((m) => m.version === 1);
import { openStore, storeDatabase } from '../../src/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'omniclaw-migrations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshDb = (): Database => openDatabase(join(dir, `db-${++n}.sqlite`));

/** The schema as SQLite itself describes it, minus the bookkeeping table. */
const schema = (db: Database): { type: string; name: string; sql: string | null }[] =>
  db
    .prepare(
      "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name != 'schema_migrations' ORDER BY type, name",
    )
    .all() as { type: string; name: string; sql: string | null }[];

const appliedVersions = (db: Database): number[] =>
  (db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map(
    (r) => r.version,
  );

/** The first shipped migration: the tests below add their own after it. */
const first = migrations.slice(0, 1);
/** A second migration for tests that need more than one. */
const second: Migration = {
  version: 2,
  name: 'notes',
  up: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL); CREATE INDEX notes_body ON notes (body);',
  down: 'DROP TABLE notes;',
};
const withSecond = [...first, second];

describe('migrations', () => {
  it('up, down and up again give the same schema', () => {
    const db = freshDb();
    const migrator = new Migrator(db, withSecond);
    expect(schema(db)).toEqual([]);
    expect(migrator.up()).toEqual([1, 2]);
    const afterUp = schema(db);
    expect(afterUp.map((s) => s.name)).toEqual(
      expect.arrayContaining(['messages', 'cursors', 'outbox', 'sessions', 'runs', 'chats', 'notes']),
    );
    expect(migrator.down(2)).toEqual([2, 1]);
    expect(schema(db)).toEqual([]);
    expect(appliedVersions(db)).toEqual([]);
    expect(migrator.up()).toEqual([1, 2]);
    expect(schema(db)).toEqual(afterUp);
    db.close();
  });

  it('`down 1` then `up` reverts only the last one and re-applies it', () => {
    const db = freshDb();
    const migrator = new Migrator(db, withSecond);
    migrator.up();
    const full = schema(db);
    db.prepare(
      'INSERT INTO messages (channel, chat, platform_id, sender_id, sender_name, text, timestamp, created_at) VALUES (?,?,?,?,?,?,?,?)',
    ).run('local', 'local:x', 'p1', 'u', 'U', 'kept', 1, 1);
    expect(migrator.down(1)).toEqual([2]);
    expect(schema(db).map((s) => s.name)).not.toContain('notes');
    expect(appliedVersions(db)).toEqual([1]);
    expect(migrator.status().map((s) => [s.version, s.applied])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(migrator.up()).toEqual([2]);
    expect(schema(db)).toEqual(full);
    // Data in tables the reverted migration did not own survives.
    expect(db.prepare('SELECT text FROM messages').pluck().all()).toEqual(['kept']);
    db.close();
  });

  it('applies only `count` pending migrations when asked, and nothing when up to date', () => {
    const db = freshDb();
    const migrator = new Migrator(db, withSecond);
    expect(migrator.up(1)).toEqual([1]);
    expect(migrator.up(1)).toEqual([2]);
    expect(migrator.up()).toEqual([]);
    expect(migrator.down(5)).toEqual([2, 1]);
    expect(migrator.down()).toEqual([]);
    db.close();
  });

  it('records each migration with its checksum and time', () => {
    const db = freshDb();
    new Migrator(db, migrations, () => 1_700_000_000_000).up();
    const row = db.prepare('SELECT * FROM schema_migrations WHERE version = 1').get() as {
      name: string;
      checksum: string;
      applied_at: number;
    };
    expect(row).toEqual({
      version: 1,
      name: 'initial',
      checksum: checksum(migrations[0]!),
      applied_at: 1_700_000_000_000,
    });
    db.close();
  });

  it('refuses a checksum mismatch and changes nothing', () => {
    const db = freshDb();
    new Migrator(db, first).up();
    const before = schema(db);
    const edited: Migration[] = [{ ...migrations[0]!, up: migrations[0]!.up + '\n-- edited later' }, second];
    const migrator = new Migrator(db, edited);
    expect(migrator.status()[0]).toMatchObject({ version: 1, applied: true, checksumOk: false });
    for (const act of [() => migrator.up(), () => migrator.down(1), () => migrator.verify()]) {
      expect(act).toThrow(MigrationError);
      expect(act).toThrow(/migrations 1 \(initial\) do not match .*nothing was changed/);
    }
    expect(schema(db)).toEqual(before);
    expect(appliedVersions(db)).toEqual([1]);
    db.close();
  });

  it('refuses a database migrated by a newer OmniClaw (an unknown applied version)', () => {
    const path = join(dir, 'newer.sqlite');
    const newer = openDatabase(path);
    new Migrator(newer, withSecond).up();
    const before = schema(newer);
    newer.close();
    // Version 2 of this database is not this OmniClaw's version 2.
    expect(() => openStore(path)).toThrow(/migrations 2 \(\w+\) do not match this version of OmniClaw/);
    const db = openDatabase(path);
    expect(schema(db)).toEqual(before);
    expect(appliedVersions(db)).toEqual([1, 2]);
    expect(new Migrator(db, migrations).status()).toContainEqual(
      expect.objectContaining({ version: 2, applied: true, checksumOk: false }),
    );
    db.close();
  });

  it('rolls a failing migration back entirely and records nothing', () => {
    const db = freshDb();
    const broken: Migration = {
      version: 2,
      name: 'broken',
      up: 'CREATE TABLE half (id INTEGER); INSERT INTO no_such_table VALUES (1);',
      down: 'DROP TABLE half;',
    };
    const migrator = new Migrator(db, [...first, broken]);
    expect(() => migrator.up()).toThrow(/no such table/);
    expect(appliedVersions(db)).toEqual([1]);
    expect(schema(db).map((s) => s.name)).not.toContain('half');
    db.close();
  });

  it('refuses a migration list out of order', () => {
    const db = freshDb();
    expect(() => new Migrator(db, [second, ...migrations])).toThrow(/strictly increasing/);
    db.close();
  });

  it('openStore migrates a new database; with migrate: false it only verifies', () => {
    const path = join(dir, 'store.sqlite');
    const store = openStore(path);
    expect(appliedVersions(storeDatabase(store))).toEqual(shipped.map((m) => m.version));
    store.close();
    const verifyOnly = openStore(path, { migrate: false });
    expect(appliedVersions(storeDatabase(verifyOnly))).toEqual(shipped.map((m) => m.version));
    verifyOnly.close();
  });
});
