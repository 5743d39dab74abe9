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
import { isStorageFault } from '../../src/domain/storage-fault.js';
import type { AgentConfig } from '../../src/config/normalise.js';
import { fillDatabase, freeDatabase } from '../helpers/storage-fault.js';
import { until } from '../helpers/host.js';
import { storeDatabase } from '../../src/store/index.js';

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
    backoff: { initialMs: 20, maxMs: 50 },
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
