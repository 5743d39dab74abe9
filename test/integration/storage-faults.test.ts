/**
 * What the host does when the database cannot be written (issue 8, items 8 and 9): real
 * SQLite, real runs (echo runner), the real Telegram adapter against the fake Bot API. The
 * disk-full fault is SQLite's own SQLITE_FULL (see test/helpers/storage-fault.ts); a failing
 * run bookkeeping write is a real SQLite error raised by a trigger on the runs table.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { privateChat, startFakeTelegram, user, type FakeTelegram } from '../fakes/fake-telegram.js';
import { startTestHost, until, type TestHost } from '../helpers/host.js';
import { fillDatabase, freeDatabase } from '../helpers/storage-fault.js';
import { EXIT_DATABASE_UNAVAILABLE } from '../../src/app.js';
import { storeDatabase } from '../../src/store/index.js';

let host: TestHost | undefined;
let tg: FakeTelegram | undefined;
afterEach(async () => {
  await host?.cleanup();
  await tg?.close();
  host = undefined;
  tg = undefined;
});

const readyz = async (
  h: TestHost,
): Promise<{ status: number; database?: { ok: boolean; detail?: string } }> => {
  const res = await fetch(`http://${h.app.http.host}:${h.app.http.port}/readyz`);
  const body = (await res.json()) as { checks: { name: string; ok: boolean; detail?: string }[] };
  return { status: res.status, database: body.checks.find((c) => c.name === 'database') };
};

describe('a database that cannot be written', () => {
  it('keeps Telegram messages sent while the disk is full on Telegram and answers them after it clears', async () => {
    tg = await startFakeTelegram();
    host = await startTestHost(`
channels: { telegram: { token: "${tg.token}", apiRoot: "${tg.apiRoot}" } }
database: { probeIntervalMs: 100 }
agents: [{ id: main, main: true, sandbox: none }]
routes: [{ chat: "tg:42", agent: main, requiresTrigger: false }]
`);
    const fake = tg;
    fake.userSends({ chat: privateChat(42), from: user(42), text: 'before the fault' });
    await fake.waitForCall('sendMessage', (p) => String(p.text).includes('before the fault'));

    fillDatabase(storeDatabase(host.app.store));
    // Long enough to need new pages, which the full database cannot give.
    const during = 'during the fault ' + 'x'.repeat(6_000);
    fake.userSends({ chat: privateChat(42), from: user(42), text: during });
    await until(() => !host!.app.database.state().ok, 10_000, 'database marked degraded');
    // Polled again without confirming: Telegram still holds the update.
    const polls = fake.callsOf('getUpdates').length;
    await until(() => fake.callsOf('getUpdates').length >= polls + 1, 10_000, 'another poll');
    expect(fake.pendingUpdates()).toBe(1);
    const ready = await readyz(host);
    expect(ready.status).toBe(503);
    expect(ready.database).toMatchObject({ ok: false, detail: expect.stringMatching(/degraded.*full/) });

    freeDatabase(storeDatabase(host.app.store));
    await fake.waitForCall('sendMessage', (p) => String(p.text).includes('during the fault'), 20_000);
    // Confirmed by the poll after it was stored, which may come after the reply: the poller can
    // still be in its back-off while the held copy is answered.
    await until(() => fake.pendingUpdates() === 0, 10_000, 'the update confirmed to Telegram');
    // Held and polled again, it is still one message with one answer.
    await new Promise((r) => setTimeout(r, 300));
    const answers = fake.callsOf('sendMessage').filter((p) => String(p.text).includes('during the fault'));
    expect(answers).toHaveLength(1);
    await until(() => host!.app.database.state().ok, 5_000, 'database ok again');
    expect((await readyz(host)).database).toMatchObject({ ok: true });
  }, 40_000);

  it('frees the queue slot when recording the end of a run fails, answers later messages, and stops in time', async () => {
    host = await startTestHost(`
agents: [{ id: main, main: true, sandbox: none }]
routes: [{ chat: "mem:a", agent: main, requiresTrigger: false }]
`);
    const { app, channel } = host;
    storeDatabase(app.store).exec(`CREATE TEMP TRIGGER runs_finish_fails BEFORE UPDATE OF ended_at ON runs
      BEGIN SELECT RAISE(ABORT, 'disk I/O error (injected)'); END`);
    channel.receive('mem:a', 'first');
    await until(() => channel.sent.find((m) => m.text.includes('first')), 10_000, 'first reply');
    // The idle warm run stops; its end cannot be recorded.
    await app.queue.activeRuns()[0]?.stop('test');
    await until(() => app.queue.stats().running === 0, 5_000, 'slot freed');
    storeDatabase(app.store).exec('DROP TRIGGER runs_finish_fails');
    channel.receive('mem:a', 'second');
    await until(() => channel.sent.find((m) => m.text.includes('second')), 10_000, 'second reply');
    const started = Date.now();
    await host.cleanup();
    host = undefined;
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 40_000);

  it('asks to be restarted (exit code 75) when writes keep failing past database.maxUnavailableMs', async () => {
    host = await startTestHost(`
database: { probeIntervalMs: 100, maxUnavailableMs: 1000 }
agents: [{ id: main, main: true, sandbox: none }]
`);
    fillDatabase(storeDatabase(host.app.store));
    const fatal = await host.app.fatal;
    expect(fatal.code).toBe(EXIT_DATABASE_UNAVAILABLE);
    expect(fatal.code).toBe(75);
    expect(fatal.reason).toMatch(/could not be written.*full/);
  }, 20_000);
});
