/**
 * Replies that stream (issue 12 item 4), on the real host with the real Telegram adapter
 * against the fake Bot API and the echo runner streaming slowly (`!stream:<words>:<ms>`:
 * one `delta` per word, then the authoritative `reply`): the preview is posted once and
 * edited at most once a second, the final edit is the exact reply, and the outbox holds
 * exactly one row for it — also when the host stops between a streamed edit and the final one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { privateChat, startFakeTelegram, user, type FakeTelegram } from '../fakes/fake-telegram.js';
import { startTestHost, until, type TestHost } from '../helpers/host.js';
import { connectControl, type ServerMessage } from '../../src/cli/control-client.js';

let host: TestHost | undefined;
let tg: FakeTelegram | undefined;
const homes: string[] = [];
afterEach(async () => {
  await host?.cleanup();
  await tg?.close();
  host = undefined;
  tg = undefined;
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

const CONFIG = (token: string, apiRoot: string, stream: boolean): string => `
channels: { telegram: { token: "${token}", apiRoot: "${apiRoot}" } }
agents: [{ id: main, main: true, sandbox: none, stream: ${stream} }]
routes:
  - { chat: "tg:42", agent: main, requiresTrigger: false }
`;

const FINAL = (words: number): string => `${Array.from({ length: words }, (_, i) => `w${i + 1}`).join(' ')}.`;

/** The bot's preview calls (the first post and its edits), with arrival times. */
function previewCalls(fake: FakeTelegram): { method: string; at: number; text: string }[] {
  return fake.calls
    .filter((c) => c.method === 'sendMessage' || c.method === 'editMessageText')
    .map((c) => ({ method: c.method, at: c.at, text: String(c.payload.text) }));
}

describe('streamed replies on Telegram', () => {
  it('posts the reply as it is written, edits it at most once a second, and finishes with the exact text', async () => {
    tg = await startFakeTelegram();
    host = await startTestHost(CONFIG(tg.token, tg.apiRoot, true));
    await until(() => host!.app.channels.states().telegram?.state === 'connected', 10_000, 'telegram');
    tg.userSends({ chat: privateChat(42), from: user(42), text: 'write !stream:14:200' });
    const final = FINAL(14);
    await until(() => [...tg!.sent.values()].some((m) => m.text === final), 20_000, 'the final edit');
    await until(() => host!.app.store.outbox.forChat('tg:42').every((r) => r.status === 'sent'));

    const calls = previewCalls(tg);
    // One message: posted once, everything after is an edit of it.
    expect(calls.filter((c) => c.method === 'sendMessage')).toHaveLength(1);
    expect(calls[0]!.method).toBe('sendMessage');
    expect(calls[0]!.text).toMatch(/^w1/);
    const edits = calls.slice(1);
    expect(edits.length).toBeGreaterThanOrEqual(2); // partial edits and the final one
    expect(edits.every((c) => c.method === 'editMessageText')).toBe(true);
    // Preview edits keep Telegram's pace (≥ 1 s apart; arrival jitter allowed). The final
    // edit is the outbox's and may follow the last preview edit at once.
    const previews = calls.slice(0, -1);
    for (let i = 1; i < previews.length; i++)
      expect(previews[i]!.at - previews[i - 1]!.at).toBeGreaterThanOrEqual(900);
    expect(calls[calls.length - 1]!.text).toBe(final);
    // The 14 words took ~2.8 s: coalesced, not one edit per word.
    expect(calls.length).toBeLessThanOrEqual(6);

    const rows = host.app.store.outbox.forChat('tg:42');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ text: final, status: 'sent', platformId: rows[0]!.edit });
    const bot = [...tg.sent.values()].filter((m) => typeof m.text === 'string');
    expect(bot).toHaveLength(1);
  }, 40_000);

  it('a reply that arrives while the preview is still being posted edits that preview, not a second message', async () => {
    tg = await startFakeTelegram();
    host = await startTestHost(CONFIG(tg.token, tg.apiRoot, true));
    tg.userSends({ chat: privateChat(42), from: user(42), text: 'write !stream:2:0' });
    await until(() => [...tg!.sent.values()].some((m) => m.text === FINAL(2)), 20_000, 'the final text');
    await until(() => host!.app.store.outbox.forChat('tg:42').every((r) => r.status === 'sent'));
    expect(tg.callsOf('sendMessage')).toHaveLength(1);
    const rows = host.app.store.outbox.forChat('tg:42');
    expect(rows).toHaveLength(1);
    // Posted in time: the row finishes the preview; not posted yet: the row is the one message.
    if (rows[0]!.edit !== undefined) expect(rows[0]!.edit).toBe(rows[0]!.platformId);
  }, 40_000);

  it('sends one message, unedited, when the agent does not stream', async () => {
    tg = await startFakeTelegram();
    host = await startTestHost(CONFIG(tg.token, tg.apiRoot, false));
    await until(() => host!.app.channels.states().telegram?.state === 'connected', 10_000, 'telegram');
    tg.userSends({ chat: privateChat(42), from: user(42), text: 'write !stream:4:20' });
    await tg.waitForCall('sendMessage', (p) => String(p.text) === FINAL(4), 20_000);
    expect(tg.callsOf('editMessageText')).toHaveLength(0);
    expect(tg.callsOf('sendMessage')).toHaveLength(1);
  }, 40_000);

  it('after a stop between a streamed edit and the final one, the restart edits the preview: one reply', async () => {
    tg = await startFakeTelegram();
    const home = mkdtempSync(join(tmpdir(), 'omniclaw-stream-'));
    homes.push(home);
    // The first host never hands the final row to Telegram: it "dies" with the row queued.
    let refuse = true;
    host = await startTestHost(CONFIG(tg.token, tg.apiRoot, true), {
      home,
      beforeSend: () => {
        if (refuse) throw new Error('the host died here');
      },
    });
    await until(() => host!.app.channels.states().telegram?.state === 'connected', 10_000, 'telegram');
    tg.userSends({ chat: privateChat(42), from: user(42), text: 'write !stream:6:150' });
    const row = await until(
      () => host!.app.store.outbox.forChat('tg:42').find((r) => r.attempts > 0),
      20_000,
    );
    expect(row.status).toBe('pending');
    expect(row.edit).toBeDefined();
    const preview = tg.sent.get(Number(row.edit));
    expect(preview?.text).not.toBe(FINAL(6)); // only partial text made it out
    await host.cleanup();

    refuse = false;
    host = await startTestHost(CONFIG(tg.token, tg.apiRoot, true), { home });
    await until(() => tg!.sent.get(Number(row.edit))?.text === FINAL(6), 20_000, 'the final edit');
    await until(() => host!.app.store.outbox.get(row.id)?.status === 'sent');
    expect(host.app.store.outbox.forChat('tg:42')).toHaveLength(1);
    expect(tg.callsOf('sendMessage')).toHaveLength(1);
    expect([...tg.sent.values()].filter((m) => typeof m.text === 'string')).toHaveLength(1);
  }, 60_000);
});

describe('streamed replies in the terminal chat', () => {
  it('are on by default: partial texts as written, then the reply naming the same message; one outbox row', async () => {
    host = await startTestHost('agents: [{ id: main, main: true, sandbox: none }]');
    const client = await connectControl(host.app.paths.socket);
    try {
      const received: ServerMessage[] = [];
      client.onMessage((m) => received.push(m));
      client.send({ type: 'subscribe', chat: 'local:default' });
      await until(() => received.some((m) => m.type === 'subscribed'));
      client.send({ type: 'message', chat: 'local:default', text: 'go !stream:8:100', id: 'm1' });
      const reply = await until(() => received.find((m) => m.type === 'reply'), 20_000, 'the reply');
      const partials = received.filter((m) => m.type === 'partial');
      expect(partials.length).toBeGreaterThanOrEqual(3);
      // Each partial is the whole text so far: it grows word by word.
      for (let i = 1; i < partials.length; i++)
        expect(String(partials[i]!.text).startsWith(String(partials[i - 1]!.text))).toBe(true);
      expect(partials.every((p) => p.platformId === reply.platformId)).toBe(true);
      expect(reply).toMatchObject({ text: FINAL(8), edit: partials[0]!.platformId });
      expect(host.app.store.outbox.forChat('local:default')).toHaveLength(1);
    } finally {
      client.close();
    }
  }, 40_000);
});
