/**
 * One archive (.tar.gz, through the `tar` package) of an instance: a consistent copy of the
 * database taken while the daemon may run, the config, the agent folders and their engine
 * state, and — only when asked — the secrets (.env, WhatsApp pairing). Restoring puts them
 * back, after saving whatever it would replace.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as tar from 'tar';
import type { InstancePaths } from '../config/paths.js';
import { snapshotDatabase } from '../store/backup.js';
import { databaseFiles } from '../store/db.js';

const MANIFEST = 'omniclaw-backup.json';

interface Manifest {
  format: 1;
  createdAt: string;
  includesSecrets: boolean;
  entries: string[];
}

/** Top-level names an archive may hold, each relative to OMNICLAW_HOME; nothing else is extracted. */
const PLAIN = ['omniclaw.db', 'omniclaw.yaml', 'groups', 'sessions'] as const;
const SECRET = ['.env', 'whatsapp-auth'] as const;

export interface BackupResult {
  file: string;
  entries: string[];
  includesSecrets: boolean;
}

const stamp = (now: number): string => new Date(now).toISOString().replace(/[:.]/g, '-');

export async function createBackup(
  paths: InstancePaths,
  options: { file?: string; includeSecrets?: boolean; now?: number } = {},
): Promise<BackupResult> {
  const now = options.now ?? Date.now();
  const file = options.file ?? join(paths.backups, `omniclaw-backup-${stamp(now)}.tar.gz`);
  mkdirSync(paths.backups, { recursive: true, mode: 0o700 });
  // The snapshot and manifest are staged inside the instance (same owner, same disk) and
  // renamed to their place in the archive as they are written.
  const staging = join(paths.backups, `.staging-${randomUUID()}`);
  mkdirSync(staging, { mode: 0o700 });
  try {
    const renames = new Map<string, string>();
    const stagedDb = join(staging, 'omniclaw.db');
    const present: string[] = [];
    if (existsSync(paths.database)) {
      await snapshotDatabase(paths.database, stagedDb);
      renames.set(relative(paths.home, stagedDb), 'omniclaw.db');
      present.push('omniclaw.db');
    }
    const names = [...PLAIN.slice(1), ...(options.includeSecrets ? SECRET : [])];
    for (const name of names) if (existsSync(join(paths.home, name))) present.push(name);
    const manifest: Manifest = {
      format: 1,
      createdAt: new Date(now).toISOString(),
      includesSecrets: options.includeSecrets === true,
      entries: present,
    };
    const stagedManifest = join(staging, MANIFEST);
    writeFileSync(stagedManifest, JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
    renames.set(relative(paths.home, stagedManifest), MANIFEST);
    const sources = [...renames.keys(), ...present.filter((name) => name !== 'omniclaw.db')];
    await tar.create(
      {
        gzip: true,
        file,
        cwd: paths.home,
        portable: true,
        // Symbolic links are archived as links, never followed: an agent can plant one in its folder.
        onWriteEntry: (entry) => {
          const renamed = renames.get(entry.path);
          if (renamed) entry.path = renamed;
        },
      },
      sources,
    );
    chmodSync(file, 0o600);
    return { file, entries: present, includesSecrets: manifest.includesSecrets };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

export interface RestoreResult {
  entries: string[];
  /** The instance as it was before, saved when the restore replaced something. */
  savedFirst?: string;
}

export class RestoreRefused extends Error {}

/** Reads the manifest, or says the file is not an OmniClaw backup. */
async function readManifest(archive: string): Promise<Manifest> {
  let text: string | undefined;
  const chunks: Buffer[] = [];
  await tar.list({
    file: archive,
    filter: (path) => path === MANIFEST,
    onReadEntry: (entry) => entry.on('data', (c: Buffer) => chunks.push(c)),
  });
  if (chunks.length) text = Buffer.concat(chunks).toString('utf8');
  if (!text) throw new RestoreRefused(`${archive} is not an OmniClaw backup (it has no ${MANIFEST}).`);
  const manifest = JSON.parse(text) as Manifest;
  if (manifest.format !== 1)
    throw new RestoreRefused(
      `${archive} was made by another version of OmniClaw (format ${manifest.format}).`,
    );
  return manifest;
}

export async function restoreBackup(
  paths: InstancePaths,
  archive: string,
  options: { force?: boolean; now?: number } = {},
): Promise<RestoreResult> {
  if (!existsSync(archive)) throw new RestoreRefused(`${archive} does not exist.`);
  const manifest = await readManifest(archive);
  const replaced = manifest.entries.filter((name) => existsSync(join(paths.home, name)));
  let savedFirst: string | undefined;
  if (replaced.length) {
    if (!options.force)
      throw new RestoreRefused(
        `restoring would replace ${replaced.join(', ')} in ${paths.home}. ` +
          'Run it again with --force: the current files are saved to a backup first.',
      );
    savedFirst = (
      await createBackup(paths, {
        includeSecrets: true,
        file: join(paths.backups, `omniclaw-pre-restore-${stamp(options.now ?? Date.now())}.tar.gz`),
        now: options.now,
      })
    ).file;
    for (const name of replaced) rmSync(join(paths.home, name), { recursive: true, force: true });
  }
  // A -wal or -shm left beside the restored database would be replayed into it.
  for (const f of databaseFiles(paths.database)) rmSync(f, { force: true });
  mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  const allowed = new Set<string>([...PLAIN, ...SECRET]);
  await tar.extract({
    file: archive,
    cwd: paths.home,
    // Only the names an OmniClaw backup holds; tar itself refuses `..` and absolute paths.
    filter: (path) => allowed.has(path.split('/')[0]!) && manifest.entries.includes(path.split('/')[0]!),
  });
  for (const file of ['omniclaw.db', '.env', 'omniclaw.yaml'])
    if (existsSync(join(paths.home, file))) chmodSync(join(paths.home, file), 0o600);
  return { entries: manifest.entries, savedFirst };
}

/** What a backup holds, for the help text. */
export const BACKUP_CONTENTS = { plain: PLAIN, secrets: SECRET };
