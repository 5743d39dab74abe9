/**
 * Discord, Slack and WhatsApp do not deliver a message twice: while the database cannot
 * store one, the adapter holds it (held-inbound.ts) and stores it once writes work again.
 * Real SQLite and the real intake; the fault is SQLite's own SQLITE_FULL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { HeldInbound } from '../../src/channels/held-inbound.js';
import { Intake } from '../../src/core/intake.js';
import { silentLogger } from '../../src/observability/logger.js';
import { openStore } from '../../src/store/index.js';
import { isStorageFault, StorageUnavailableError } from '../../src/domain/storage-fault.js';
import type { AgentConfig } from '../../src/config/normalise.js';
import { fillDatabase, freeDatabase } from '../helpers/storage-fault.js';
import { until } from '../helpers/host.js';
import { storeDatabase } from '../../src/store/index.js';
import { capturedLogger } from './channel-test-kit.js';

const dir = mkdtempSync(join(tmpdir(), 'omniclaw-held-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('stores the messages that arrived while the disk was full, in order, once it clears', async () => {
  const store = openStore(join(dir, 'held.db'));
  const agent = { id: 'main', main: true, triggers: [] } as unknown as AgentConfig;
  const woken: string[] = [];
  const intake = new Intake({
    store,
    table: {
      agents: [agent],
      routes: [{ chat: 'dc:1', agent: 'main', requiresTrigger: false, streamThreads: false }],
    },
    logger: silentLogger(),
    wake: (_a, chat) => woken.push(chat),
    storageFault: (error) => isStorageFault(error),
  });
  const held = new HeldInbound({
    logger: silentLogger(),
    store: (m) => void intake.receive(m),
    backoff: { baseMs: 20, maxMs: 50 },
  });
  const message = (n: number) => ({
    channel: 'discord',
    chat: 'dc:1',
    platformId: `m${n}`,
    senderId: 'u',
    senderName: 'U',
    text: `message ${n} ` + 'x'.repeat(6_000),
    timestamp: n,
  });
  held.offer(message(1));
  fillDatabase(storeDatabase(store));
  held.offer(message(2));
  held.offer(message(3));
  expect(held.size).toBe(2);
  await new Promise((r) => setTimeout(r, 200));
  expect(held.size).toBe(2);
  freeDatabase(storeDatabase(store));
  await until(() => held.size === 0, 5_000, 'held messages stored');
  expect(store.messages.after('dc:1', 0).map((m) => m.platformId)).toEqual(['m1', 'm2', 'm3']);
  expect(woken).toHaveLength(3);
  held.stop();
  store.close();
});

it('keeps at most maxHeld messages, dropping the oldest (logged), and stores the rest in order', async () => {
  const { logger, output } = capturedLogger();
  let full = true;
  const stored: string[] = [];
  const held = new HeldInbound({
    logger,
    store: (m) => {
      if (full) throw new StorageUnavailableError('storing a message', new Error('SQLITE_FULL'));
      stored.push(m.platformId);
    },
    backoff: { baseMs: 10, maxMs: 20 },
    maxHeld: 2,
  });
  const message = (n: number) => ({
    channel: 'discord',
    chat: 'dc:1',
    platformId: `m${n}`,
    senderId: 'u',
    senderName: 'U',
    text: `message ${n}`,
    timestamp: n,
  });
  for (const n of [1, 2, 3]) held.offer(message(n));
  expect(held.size).toBe(2);
  expect(output()).toMatch(/"message":"m1".*the oldest was dropped/);
  full = false;
  await until(() => held.size === 0, 5_000, 'held messages stored');
  expect(stored).toEqual(['m2', 'm3']);
  held.stop();
});
