/**
 * Storage faults: the errors SQLite reports when the disk is full, the files cannot be
 * written or read, or the database is locked. They are transient — the operator frees the
 * disk, fixes the mount — so nothing may be thrown away because of one: inbound messages
 * are kept by their channel and stored again, bookkeeping never keeps a queue slot.
 */

/** SQLite result codes (primary, so every extended code such as SQLITE_IOERR_WRITE counts). */
const TRANSIENT_CODES = [
  'SQLITE_FULL',
  'SQLITE_IOERR',
  'SQLITE_READONLY',
  'SQLITE_CANTOPEN',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_NOMEM',
  'SQLITE_PROTOCOL',
];

/** True for an error that says the database could not be written or read right now. */
export function isStorageFault(error: unknown): boolean {
  if (error instanceof StorageUnavailableError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return TRANSIENT_CODES.some((c) => code === c || code.startsWith(`${c}_`));
}

/**
 * Thrown by the core to a channel when a message could not be stored: the channel keeps it
 * (Telegram by not advancing its poll offset, the others in memory) and offers it again.
 */
export class StorageUnavailableError extends Error {
  constructor(
    readonly what: string,
    override readonly cause: unknown,
  ) {
    super(`${what}: the database cannot be written (${(cause as Error)?.message ?? String(cause)})`);
    this.name = 'StorageUnavailableError';
  }
}
