/**
 * Backups and upgrades (issue 14, item 4): `omniclaw backup` / `restore` as a round trip on
 * a real SQLite database that is still open for writing, secrets only when asked, nothing
 * replaced without a copy; a start on an older schema backs up before migrating; a database
 * from a newer OmniClaw is refused with a clear message.
 */
import BetterSqlite3 from 'better-sqlite3';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as tar from 'tar';
import { createBackup, restoreBackup } from '../../src/cli/backup-archive.js';
import { instancePaths, type InstancePaths } from '../../src/config/paths.js';
import { backupBeforeMigrating } from '../../src/store/backup.js';
import { openStore } from '../../src/store/index.js';
import { Migrator } from '../../src/store/migration.js';
import { migrations } from '../../src/store/migrations/index.js';
import { openDatabase } from '../../src/store/db.js';
import { cli, DAEMON_CONFIG, makeInstance, startDaemon } from '../helpers/daemon.js';

const roots: string[] = [];
afterEach(() => roots.splice(0).forEach((r) => rmSync(r, { recursive: true, force: true })));
function freshHome(): InstancePaths {
  const root = mkdtempSync(join(tmpdir(), 'omniclaw-backup-'));
  roots.push(root);
  const paths = instancePaths(join(root, 'home'));
  mkdirSync(paths.home, { mode: 0o700 });
  return paths;
}

const message = (text: string, n: number) => ({
  channel: 'local',
  chat: 'local:default',
  platformId: `p${n}`,
  senderId: 'operator',
  senderName: 'me',
  text,
  timestamp: 1_700_000_000_000 + n,
});

const texts = (database: string): string[] => {
  const db = new BetterSqlite3(database, { readonly: true });
  try {
    return db.prepare('SELECT text FROM messages ORDER BY id').pluck().all() as string[];
  } finally {
    db.close();
  }
};

const schemaVersion = (database: string): number => {
  const db = new BetterSqlite3(database, { readonly: true });
  try {
    return db.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get() as number;
  } finally {
    db.close();
  }
};

/** An instance with a database still open for writing (its last rows only in the WAL). */
function populated(): { paths: InstancePaths; close: () => void } {
  const paths = freshHome();
  writeFileSync(paths.config, '# my hand edit\nagents:\n  - { id: main, main: true }\n', { mode: 0o600 });
  writeFileSync(paths.envFile, 'ANTHROPIC_API_KEY=sk-ant-backup-secret\n', { mode: 0o600 });
  mkdirSync(join(paths.groups, 'main'), { recursive: true });
  writeFileSync(join(paths.groups, 'main', 'CLAUDE.md'), '# Main\nremember the milk\n');
  symlinkSync('/etc/hostname', join(paths.groups, 'main', 'planted-link'));
  mkdirSync(join(paths.sessions, 'main'), { recursive: true });
  writeFileSync(join(paths.sessions, 'main', 'session.json'), '{"id":"s1"}');
  mkdirSync(paths.whatsappAuth, { recursive: true });
  writeFileSync(join(paths.whatsappAuth, 'creds.json'), '{"pairing":"secret"}');
  const store = openStore(paths.database);
  store.messages.insert(message('first', 1));
  store.messages.insert(message('second, still in the WAL', 2));
  return { paths, close: () => store.close() };
}

describe('omniclaw backup and restore', () => {
  it('round-trips database, config, agent folders and sessions, without secrets unless asked', async () => {
    const { paths, close } = populated();
    try {
      const backup = await createBackup(paths);
      expect(backup.entries).toEqual(['omniclaw.db', 'omniclaw.yaml', 'groups', 'sessions']);
      expect(statSync(backup.file).mode & 0o777).toBe(0o600);

      const target = freshHome();
      const restored = await restoreBackup(target, backup.file);
      expect(restored.savedFirst).toBeUndefined();
      // The rows still in the WAL are in the copy: the online backup, not a file copy.
      expect(texts(target.database)).toEqual(['first', 'second, still in the WAL']);
      expect(readFileSync(target.config, 'utf8')).toBe(readFileSync(paths.config, 'utf8'));
      expect(readFileSync(join(target.groups, 'main', 'CLAUDE.md'), 'utf8')).toContain('remember the milk');
      expect(readFileSync(join(target.sessions, 'main', 'session.json'), 'utf8')).toBe('{"id":"s1"}');
      // A link an agent planted is archived as a link (its target never read) and comes back
      // with tar's leading / stripped, so it cannot point outside the folder either.
      const types = new Map<string, string>();
      await tar.list({ file: backup.file, onReadEntry: (e) => void types.set(e.path, e.type) });
      expect(types.get('groups/main/planted-link')).toBe('SymbolicLink');
      expect(lstatSync(join(target.groups, 'main', 'planted-link')).isSymbolicLink()).toBe(true);
      expect(readlinkSync(join(target.groups, 'main', 'planted-link'))).toBe('etc/hostname');
      expect(existsSync(target.envFile)).toBe(false);
      expect(existsSync(target.whatsappAuth)).toBe(false);
      expect(statSync(target.database).mode & 0o777).toBe(0o600);
      const store = openStore(target.database);
      store.close();
    } finally {
      close();
    }
  });

  it('includes .env and the WhatsApp pairing with --include-secrets, owner-only', async () => {
    const { paths, close } = populated();
    close();
    const backup = await createBackup(paths, { includeSecrets: true });
    const listed: string[] = [];
    await tar.list({ file: backup.file, onReadEntry: (e) => void listed.push(e.path) });
    expect(listed).toEqual(expect.arrayContaining(['.env', 'whatsapp-auth/creds.json', 'omniclaw.db']));
    const target = freshHome();
    await restoreBackup(target, backup.file);
    expect(readFileSync(target.envFile, 'utf8')).toContain('sk-ant-backup-secret');
    expect(statSync(target.envFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(target.whatsappAuth, 'creds.json'), 'utf8')).toContain('pairing');
  });

  it('replaces nothing without --force, and with it saves what was there first', async () => {
    const { paths, close } = populated();
    close();
    const backup = await createBackup(paths);
    // The instance moves on after the backup: a third message and a new config.
    const later = openStore(paths.database);
    later.messages.insert(message('third, after the backup', 3));
    later.close();
    writeFileSync(paths.config, 'agents:\n  - { id: other, main: true }\n');

    await expect(restoreBackup(paths, backup.file)).rejects.toThrow(
      /restoring would replace omniclaw\.db, omniclaw\.yaml, groups, sessions in .*Run it again with --force/,
    );
    expect(texts(paths.database)).toHaveLength(3);

    const restored = await restoreBackup(paths, backup.file, { force: true });
    expect(texts(paths.database)).toEqual(['first', 'second, still in the WAL']);
    expect(readFileSync(paths.config, 'utf8')).toContain('# my hand edit');
    const saved = freshHome();
    await restoreBackup(saved, restored.savedFirst!);
    expect(texts(saved.database)).toContain('third, after the backup');
    expect(readFileSync(saved.config, 'utf8')).toContain('id: other');
    expect(readFileSync(saved.envFile, 'utf8')).toContain('sk-ant-backup-secret');
  });

  it('refuses an archive that is not an OmniClaw backup', async () => {
    const paths = freshHome();
    const other = join(paths.home, 'other.tar.gz');
    writeFileSync(join(paths.home, 'note.txt'), 'hello');
    await tar.create({ gzip: true, file: other, cwd: paths.home }, ['note.txt']);
    await expect(restoreBackup(freshHome(), other)).rejects.toThrow(/is not an OmniClaw backup/);
  });
});

/** A database at schema `version` (the first migrations only), with one message. */
function olderDatabase(paths: InstancePaths, version: number): void {
  const db = openDatabase(paths.database);
  new Migrator(db, migrations.slice(0, version)).up();
  db.prepare(
    `INSERT INTO messages (channel, chat, platform_id, sender_id, sender_name, text, timestamp, created_at)
     VALUES ('local', 'local:default', 'old1', 'operator', 'me', 'from the old version', 1, 1)`,
  ).run();
  db.close();
}

describe('upgrades', () => {
  it('backs up an older database before migrating it, and the copy keeps the old schema', async () => {
    const paths = freshHome();
    olderDatabase(paths, 2);
    const upgrade = await backupBeforeMigrating(paths.database, paths.backups, { now: () => 0 });
    expect(upgrade).toEqual({
      from: 2,
      to: migrations.at(-1)!.version,
      file: join(paths.backups, 'omniclaw-1970-01-01T00-00-00-000Z-schema2.db'),
    });
    expect(schemaVersion(upgrade!.file)).toBe(2);
    expect(texts(upgrade!.file)).toEqual(['from the old version']);
    expect(statSync(upgrade!.file).mode & 0o777).toBe(0o600);
    openStore(paths.database).close();
    expect(schemaVersion(paths.database)).toBe(migrations.at(-1)!.version);
    expect(await backupBeforeMigrating(paths.database, paths.backups)).toBeUndefined();
  });

  it('takes no copy of a fresh database or of none', async () => {
    const paths = freshHome();
    expect(await backupBeforeMigrating(paths.database, paths.backups)).toBeUndefined();
    openDatabase(paths.database).close();
    expect(await backupBeforeMigrating(paths.database, paths.backups)).toBeUndefined();
    expect(existsSync(paths.backups)).toBe(false);
  });

  it('`omniclaw start` on an older schema says so, backs up, migrates and answers', async () => {
    const home = makeInstance(DAEMON_CONFIG);
    roots.push(join(home.home, '..'));
    const paths = instancePaths(home.home);
    olderDatabase(paths, 1);
    const daemon = await startDaemon(home);
    try {
      expect(daemon.stderr()).toMatch(
        new RegExp(
          `omniclaw: upgrading the database from schema 1 to ${migrations.at(-1)!.version}; a copy of the old one is in ${paths.backups}/omniclaw-.*-schema1\\.db`,
        ),
      );
      expect((await cli(home, ['chat', '-m', 'hi'])).stdout).toBe('echo: hi (1 messages)\n');
    } finally {
      await daemon.stop();
    }
  });

  it('`omniclaw start` refuses a database from a newer OmniClaw and changes nothing', async () => {
    const home = makeInstance(DAEMON_CONFIG);
    roots.push(join(home.home, '..'));
    const paths = instancePaths(home.home);
    openStore(paths.database).close();
    const db = new BetterSqlite3(paths.database);
    db.prepare("INSERT INTO schema_migrations VALUES (99, 'from_the_future', 'x', 1)").run();
    db.close();
    const before = readFileSync(paths.database);
    const result = await cli(home, ['start']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `this database was written by a newer version of OmniClaw (schema version 99; this version knows up to ${migrations.at(-1)!.version}). ` +
        'Install that newer version again, or restore a backup taken before the upgrade (`omniclaw restore`); nothing was changed.',
    );
    expect(readFileSync(paths.database).equals(before)).toBe(true);
    expect(existsSync(paths.backups)).toBe(false);
  });

  it('`omniclaw backup` and `restore` from the command line; restore refuses while the daemon runs', async () => {
    const home = makeInstance(DAEMON_CONFIG);
    roots.push(join(home.home, '..'));
    const daemon = await startDaemon(home);
    try {
      await cli(home, ['chat', '-m', 'keep me']);
      const out = join(home.userHome, 'my.tar.gz');
      const backup = await cli(home, ['backup', '-o', out]);
      expect(backup.stdout).toBe(
        `Backed up omniclaw.db, omniclaw.yaml, groups, sessions to ${out}.\n` +
          'Secrets (.env, WhatsApp pairing) are not in it; add --include-secrets to keep them too.\n',
      );
      const refused = await cli(home, ['restore', out]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('OmniClaw is running on this instance. Stop it first');
      await daemon.stop();
      const other = makeInstance(null);
      roots.push(join(other.home, '..'));
      const restored = await cli(other, ['restore', out]);
      expect(restored.stdout).toContain(
        `Restored omniclaw.db, omniclaw.yaml, groups, sessions into ${other.home}.`,
      );
      expect(texts(join(other.home, 'omniclaw.db'))).toContain('keep me');
    } finally {
      await daemon.stop();
    }
  });
});
