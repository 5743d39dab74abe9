/**
 * Versioned migrations: each has up and down SQL, runs in a transaction, and is recorded
 * with a checksum. A recorded migration whose code changed is refused: the database and
 * the code disagree and guessing would lose data.
 */
import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  up: string;
  down: string;
}

export interface MigrationStatus {
  version: number;
  name: string;
  applied: boolean;
  appliedAt?: number;
  checksumOk: boolean;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

export const checksum = (m: Migration): string =>
  createHash('sha256').update(`${m.version}\n${m.up}\n--down--\n${m.down}`).digest('hex');

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
  applied_at: number;
}

export class Migrator {
  constructor(
    private readonly db: Database,
    private readonly migrations: readonly Migration[],
    private readonly now: () => number = Date.now,
  ) {
    const versions = migrations.map((m) => m.version);
    if (versions.some((v, i) => i > 0 && v <= versions[i - 1]!)) {
      throw new MigrationError('migrations must be listed in strictly increasing version order');
    }
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  }

  private applied(): Map<number, AppliedRow> {
    const rows = this.db.prepare('SELECT * FROM schema_migrations ORDER BY version').all() as AppliedRow[];
    return new Map(rows.map((r) => [r.version, r]));
  }

  status(): MigrationStatus[] {
    const applied = this.applied();
    const known = this.migrations.map((m) => {
      const row = applied.get(m.version);
      return {
        version: m.version,
        name: m.name,
        applied: !!row,
        appliedAt: row?.applied_at,
        checksumOk: !row || row.checksum === checksum(m),
      };
    });
    const unknown = [...applied.values()]
      .filter((r) => !this.migrations.some((m) => m.version === r.version))
      .map((r) => ({
        version: r.version,
        name: r.name,
        applied: true,
        appliedAt: r.applied_at,
        checksumOk: false,
      }));
    return [...known, ...unknown];
  }

  /** Versions recorded in the database that this code does not have and never had (a newer OmniClaw). */
  newerVersions(): number[] {
    const latest = this.migrations.at(-1)?.version ?? 0;
    return [...this.applied().keys()].filter((v) => v > latest);
  }

  /** Applied migrations, and those this code would apply next. */
  versions(): { applied: number[]; pending: number[] } {
    const applied = this.applied();
    return {
      applied: [...applied.keys()],
      pending: this.migrations.filter((m) => !applied.has(m.version)).map((m) => m.version),
    };
  }

  /** Refuses to go on when a recorded migration differs from the code (or is unknown to it). */
  verify(): void {
    const newer = this.newerVersions();
    if (newer.length) {
      const latest = this.migrations.at(-1)?.version ?? 0;
      throw new MigrationError(
        `this database was written by a newer version of OmniClaw (schema version ${Math.max(...newer)}; ` +
          `this version knows up to ${latest}). Install that newer version again, or restore a backup taken ` +
          `before the upgrade (\`omniclaw restore\`); nothing was changed.`,
      );
    }
    const bad = this.status().filter((s) => s.applied && !s.checksumOk);
    if (bad.length) {
      const list = bad.map((b) => `${b.version} (${b.name})`).join(', ');
      throw new MigrationError(
        `database migrations ${list} do not match this version of OmniClaw (checksum mismatch or unknown). ` +
          `Restore the matching OmniClaw version or a database backup; nothing was changed.`,
      );
    }
  }

  /** Applies pending migrations (all, or the next `count`); returns the versions applied. */
  up(count = Infinity): number[] {
    this.verify();
    const applied = this.applied();
    const pending = this.migrations.filter((m) => !applied.has(m.version)).slice(0, count);
    const done: number[] = [];
    for (const m of pending) {
      this.db.transaction(() => {
        this.db.exec(m.up);
        this.db
          .prepare('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)')
          .run(m.version, m.name, checksum(m), this.now());
      })();
      done.push(m.version);
    }
    return done;
  }

  /** Reverts the last `count` applied migrations; returns the versions reverted. */
  down(count = 1): number[] {
    this.verify();
    const applied = [...this.applied().keys()].sort((a, b) => b - a).slice(0, count);
    const done: number[] = [];
    for (const version of applied) {
      const m = this.migrations.find((x) => x.version === version)!;
      this.db.transaction(() => {
        this.db.exec(m.down);
        this.db.prepare('DELETE FROM schema_migrations WHERE version = ?').run(version);
      })();
      done.push(version);
    }
    return done;
  }
}
