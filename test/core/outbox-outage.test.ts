/**
 * A platform outage and rate limits, through the real Telegram adapter against the fake Bot
 * API: the outbox waits what Telegram asked (retry_after), keeps trying through 5xx for as
 * long as `retryForMs` allows (not a fixed number of attempts), fails a refusal at once, and
 * a failed row can be put back with `omniclaw outbox retry`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createTelegramChannel, type TelegramChannel } from '../../src/channels/telegram/index.js';
import { Outbox, OutboxDeferredError } from '../../src/core/outbox.js';
import { silentLogger } from '../../src/observability/logger.js';
import { openStore, type Store } from '../../src/store/index.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/fake-telegram.js';
import { until } from '../helpers/host.js';

const dir = mkdtempSync(join(tmpdir(), 'omniclaw-outage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

interface Rig {
  tg: FakeTelegram;
  channel: TelegramChannel;
  store: Store;
  outbox: Outbox;
}
const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) {
    r.outbox.stop();
    await r.channel.disconnect();
    await r.tg.close();
    r.store.close();
  }
});

async function rig(retryForMs = 60_000): Promise<Rig> {
  const tg = await startFakeTelegram();
  const channel = createTelegramChannel({
    token: tg.token,
    apiRoot: tg.apiRoot,
    logger: silentLogger(),
    // The adapter's own in-call retry is off: every attempt here is the outbox's.
    limits: { pollTimeoutSeconds: 1, retry: { maxAttempts: 1, maxRetryAfterSeconds: 0, baseDelayMs: 0 } },
  });
  const store = openStore(join(dir, `outage-${++n}.db`));
  const outbox = new Outbox({
    store: store.outbox,
    channels: { forChat: () => channel },
    logger: silentLogger(),
    retry: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 200 },
    retryForMs,
  });
  await channel.connect({ inbound: () => ({ accepted: false }), state: () => undefined });
  const r: Rig = { tg, channel, store, outbox };
  rigs.push(r);
  return r;
}

/** When each sendMessage reached the fake. */
const attemptTimes = (r: Rig): number[] =>
  r.tg.calls.filter((c) => c.method === 'sendMessage').map((c) => c.at);

describe('outbox during a platform outage', () => {
  it('waits the retry_after Telegram asked for, retries 500s past the old attempt limit, then delivers', async () => {
    const r = await rig();
    r.tg.failNext('sendMessage', { code: 429, retryAfter: 1 });
    r.tg.failNext('sendMessage', { code: 500, description: 'Internal Server Error' }, 6);
    const id = r.outbox.enqueue({ channel: 'telegram', chat: 'tg:42', text: 'hello through the outage' });
    await until(() => r.store.outbox.get(id)?.status === 'sent', 20_000, 'delivered');
    expect(r.tg.callsOf('sendMessage')).toHaveLength(8);
    // The second attempt came no sooner than Telegram's retry_after (1 s).
    const times = attemptTimes(r);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(950);
    expect(r.store.outbox.get(id)).toMatchObject({ status: 'sent', attempts: 8 });
  }, 30_000);

  it('fails a message the platform refuses (403) at once, without retrying', async () => {
    const r = await rig();
    r.tg.failNext('sendMessage', { code: 403, description: 'Forbidden: bot was blocked by the user' });
    const id = r.outbox.enqueue({ channel: 'telegram', chat: 'tg:42', text: 'to a blocked user' });
    await until(() => r.store.outbox.get(id)?.status === 'failed', 5_000, 'failed');
    expect(r.tg.callsOf('sendMessage')).toHaveLength(1);
    expect(r.store.outbox.get(id)?.lastError).toMatch(/403 Forbidden/);
  });

  it('gives up when the outage lasts longer than retryForMs, and `retry` sends it once the platform is back', async () => {
    const r = await rig(400);
    r.tg.failNext('sendMessage', { code: 502, description: 'Bad Gateway' }, 100);
    const deferred = r.outbox.deliver({ channel: 'telegram', chat: 'tg:42', text: 'during a long outage' });
    await expect(deferred).rejects.toBeInstanceOf(OutboxDeferredError);
    const [row] = r.store.outbox.forChat('tg:42');
    await until(() => r.store.outbox.get(row!.id)?.status === 'failed', 10_000, 'failed after retryForMs');
    expect(r.store.outbox.get(row!.id)?.lastError).toMatch(/502 Bad Gateway.*gave up/);
    expect(r.store.outbox.failed().map((f) => f.id)).toEqual([row!.id]);

    r.tg.clearFailures('sendMessage');
    expect(r.store.outbox.retryFailed([row!.id])).toEqual([row!.id]);
    r.outbox.kick();
    await until(() => r.store.outbox.get(row!.id)?.status === 'sent', 10_000, 'sent after retry');
    expect(r.store.outbox.failed()).toEqual([]);
  }, 60_000);
});
