/**
 * Storage faults on a real SQLite file: the database files are private, a write that fails
 * for lack of space marks the database degraded, and the write probe clears it once a write
 * works again. The fault is real: SQLite's max_page_count makes every write that needs a new
 * page fail with SQLITE_FULL, exactly as a full disk does.
 */
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseFiles } from '../../src/store/db.js';
import { DatabaseHealth } from '../../src/store/db-health.js';
import { openStore } from '../../src/store/index.js';
import { isStorageFault } from '../../src/domain/storage-fault.js';
import { fillDatabase, freeDatabase } from '../helpers/storage-fault.js';
import { storeDatabase } from '../../src/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'omniclaw-dbhealth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const logger = pino({ level: 'silent' });
const mode = (file: string): number => statSync(file).mode & 0o777;

describe('database files', () => {
  it('creates the database, -wal and -shm owner-only whatever the umask', () => {
    const old = process.umask(0o022);
    try {
      const store = openStore(join(dir, 'fresh.db'));
      store.messages.insert({
        channel: 'local',
        chat: 'local:a',
        platformId: '1',
        senderId: 'u',
        senderName: 'U',
        text: 'hi',
        timestamp: 1,
      });
      for (const file of databaseFiles(join(dir, 'fresh.db')))
        expect([file, mode(file)]).toEqual([file, 0o600]);
      store.close();
    } finally {
      process.umask(old);
    }
  });

  it('tightens database files that an earlier version left readable to others', () => {
    const path = join(dir, 'old.db');
    openStore(path).close();
    chmodSync(path, 0o644);
    writeFileSync(`${path}-wal`, '');
    chmodSync(`${path}-wal`, 0o644);
    const store = openStore(path);
    expect(mode(path)).toBe(0o600);
    expect(mode(`${path}-wal`)).toBe(0o600);
    store.close();
  });
});

describe('database health', () => {
  it('is degraded while writes fail for lack of space and ok again after a write probe succeeds', () => {
    const store = openStore(join(dir, 'full.db'));
    const persistent: string[] = [];
    let clock = 1_000;
    const health = new DatabaseHealth({
      probeWrite: () => store.probeWrite(),
      logger,
      probeIntervalMs: 60_000,
      maxUnavailableMs: 10_000,
      now: () => clock,
      onPersistent: (_since, error) => persistent.push(error),
    });
    let recovered = 0;
    health.onRecovered(() => recovered++);
    expect(health.probe()).toBe(true);
    fillDatabase(storeDatabase(store));
    let error: unknown;
    try {
      store.messages.insert({
        channel: 'local',
        chat: 'local:a',
        platformId: '1',
        senderId: 'u',
        senderName: 'U',
        text: 'x'.repeat(20_000),
        timestamp: 1,
      });
    } catch (err) {
      error = err;
    }
    expect((error as { code?: string }).code).toBe('SQLITE_FULL');
    expect(isStorageFault(error)).toBe(true);
    expect(health.fault(error, 'insert')).toBe(true);
    expect(health.state()).toMatchObject({ ok: false, since: 1_000, error: expect.stringMatching(/full/) });
    clock += 5_000;
    expect(health.probe()).toBe(false);
    expect(persistent).toEqual([]);
    clock += 6_000;
    expect(health.probe()).toBe(false);
    expect(persistent).toHaveLength(1);
    freeDatabase(storeDatabase(store));
    expect(health.probe()).toBe(true);
    expect(health.state()).toEqual({ ok: true });
    expect(recovered).toBe(1);
    store.close();
  });

  it('does not count an ordinary bug as a storage fault', () => {
    expect(isStorageFault(new TypeError('x is undefined'))).toBe(false);
    expect(isStorageFault(Object.assign(new Error('constraint'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }))).toBe(
      false,
    );
    expect(isStorageFault(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' }))).toBe(
      true,
    );
    expect(isStorageFault(Object.assign(new Error('readonly'), { code: 'SQLITE_READONLY' }))).toBe(true);
  });
});
