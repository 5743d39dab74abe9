/**
 * The outbox over a real SQLite store: order per chat, bounded retries, channels that come
 * and go, deliver() results, and a restart that sends what was pending exactly once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Outbox, OutboxDeliveryError, type OutboxOptions } from '../../src/core/outbox.js';
import { openStore, type Store } from '../../src/store/index.js';
import type { OutboundMessage, SentMessage } from '../../src/domain/channel.js';
import { silentLogger } from '../../src/observability/logger.js';
import { MemoryChannel } from '../helpers/memory-channel.js';
import { startTestHost } from '../helpers/host.js';

const dir = mkdtempSync(join(tmpdir(), 'omniclaw-outbox-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A memory channel whose sends take a while, and which notices overlapping sends in a chat. */
class SlowChannel extends MemoryChannel {
  sendDelayMs = 5;
  private readonly inFlight = new Map<string, number>();
  overlapped = false;
  started = 0;

  override async send(chat: string, message: OutboundMessage): Promise<SentMessage> {
    this.started++;
    const now = (this.inFlight.get(chat) ?? 0) + 1;
    this.inFlight.set(chat, now);
    if (now > 1) this.overlapped = true;
    try {
      await new Promise((r) => setTimeout(r, this.sendDelayMs));
      return await super.send(chat, message);
    } finally {
      this.inFlight.set(chat, (this.inFlight.get(chat) ?? 1) - 1);
    }
  }
}

async function until<T>(check: () => T | undefined | false, what: string, timeoutMs = 5_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
const settle = (ms = 80) => new Promise((r) => setTimeout(r, ms));

interface Rig {
  store: Store;
  channel: SlowChannel;
  outbox: Outbox;
  results: string[];
}
const open: Rig[] = [];
let n = 0;

/** A store, a channel and an outbox wired as app.ts wires them (a connect kicks delivery). */
async function rig(
  options: Partial<OutboxOptions> & { path?: string; connect?: boolean } = {},
): Promise<Rig> {
  const store = openStore(options.path ?? join(dir, `outbox-${++n}.sqlite`));
  const channel = new SlowChannel();
  const results: string[] = [];
  const outbox = new Outbox({
    store: store.outbox,
    channels: { forChat: (chat) => (channel.ownsChat(chat) ? channel : undefined) },
    logger: silentLogger(),
    retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 40 },
    onResult: (entry, result) => results.push(`${entry.text}:${result}`),
    ...options,
  });
  const r = { store, channel, outbox, results };
  open.push(r);
  if (options.connect !== false) await connect(r);
  return r;
}
const connect = (r: Rig) =>
  r.channel.connect({
    inbound: () => ({ accepted: false }),
    state: (state) => {
      if (state === 'connected') r.outbox.kick();
    },
  });
afterEach(async () => {
  for (const r of open.splice(0)) {
    await r.outbox.drained(); // as the host does before closing the database
    r.outbox.stop();
    r.store.close();
  }
});

describe('outbox', () => {
  it('deliver() persists first, then resolves with the platform id', async () => {
    const { store, outbox, channel } = await rig();
    const result = await outbox.deliver({ channel: 'memory', chat: 'mem:a', text: 'hello', replyTo: 'in-1' });
    expect(result).toEqual({ platformId: 'out-1' });
    expect(channel.sent).toEqual([{ chat: 'mem:a', text: 'hello', replyTo: 'in-1', platformId: 'out-1' }]);
    const [row] = store.outbox.forChat('mem:a');
    expect(row).toMatchObject({
      status: 'sent',
      platformId: 'out-1',
      attempts: 1,
      text: 'hello',
      replyTo: 'in-1',
    });
    expect(row!.sentAt).toBeGreaterThan(0);
  });

  it('keeps the order per chat across a failure, without holding up other chats', async () => {
    const { store, outbox, channel, results } = await rig();
    channel.failNext = 1;
    const ids = ['one', 'two', 'three'].map((text) =>
      outbox.enqueue({ channel: 'memory', chat: 'mem:a', text }),
    );
    outbox.enqueue({ channel: 'memory', chat: 'mem:b', text: 'other chat' });
    // The other chat goes out while "one" waits for its retry.
    await until(() => channel.sentTo('mem:b').length === 1, 'the other chat');
    expect(channel.sentTo('mem:a')).toEqual([]);
    await until(() => channel.sentTo('mem:a').length === 3, 'chat a');
    expect(channel.sentTo('mem:a')).toEqual(['one', 'two', 'three']);
    expect(channel.overlapped).toBe(false);
    expect(store.outbox.get(ids[0]!)).toMatchObject({
      status: 'sent',
      attempts: 2,
      lastError: 'platform unavailable (test)',
    });
    expect(results).toContain('one:retry');
    expect(results.filter((r) => r === 'one:sent')).toHaveLength(1);
  });

  it('gives up after the bounded number of attempts, marks the row failed and moves on', async () => {
    const { store, outbox, channel, results } = await rig();
    channel.failNext = 100;
    const failing = outbox.deliver({ channel: 'memory', chat: 'mem:a', text: 'doomed' });
    const next = outbox.deliver({ channel: 'memory', chat: 'mem:a', text: 'after' });
    const error = await failing.then(
      () => undefined,
      (err: Error) => err,
    );
    expect(error).toBeInstanceOf(OutboxDeliveryError);
    expect(error?.message).toBe('platform unavailable (test)');
    expect(store.outbox.forChat('mem:a')[0]).toMatchObject({ status: 'failed', attempts: 3 });
    expect(results.filter((r) => r.startsWith('doomed:'))).toEqual([
      'doomed:retry',
      'doomed:retry',
      'doomed:failed',
    ]);
    channel.failNext = 0;
    await expect(next).resolves.toEqual({ platformId: expect.any(String) });
    expect(channel.sentTo('mem:a')).toEqual(['after']);
    // Asking again about a row that failed for good answers at once, with the same error.
    await expect(outbox.waitFor(store.outbox.forChat('mem:a')[0]!.id)).rejects.toThrow(
      'platform unavailable (test)',
    );
  });

  it('fails a row for a chat no channel handles, saying what to check', async () => {
    const { outbox, store } = await rig();
    await expect(outbox.deliver({ channel: 'telegram', chat: 'tg:123', text: 'x' })).rejects.toThrow(
      /no connected channel handles chat "tg:123".*omniclaw\.yaml/,
    );
    expect(store.outbox.forChat('tg:123')[0]).toMatchObject({ status: 'failed' });
  });

  it('holds rows while the channel is disconnected and sends them when it connects', async () => {
    const r = await rig({ connect: false });
    const { outbox, channel, store } = r;
    const delivered = outbox.deliver({ channel: 'memory', chat: 'mem:a', text: 'first' });
    outbox.enqueue({ channel: 'memory', chat: 'mem:a', text: 'second' });
    await settle();
    expect(channel.sent).toEqual([]);
    expect(store.outbox.forChat('mem:a').map((row) => [row.status, row.attempts])).toEqual([
      ['pending', 0],
      ['pending', 0],
    ]);
    await connect(r); // its 'connected' state kicks delivery; nothing polls
    await expect(delivered).resolves.toEqual({ platformId: 'out-1' });
    await until(() => channel.sent.length === 2, 'both rows');
    expect(channel.sentTo('mem:a')).toEqual(['first', 'second']);

    // Dropping again holds new rows; coming back sends them.
    channel.setState('disconnected');
    outbox.enqueue({ channel: 'memory', chat: 'mem:a', text: 'third' });
    await settle();
    expect(channel.sent).toHaveLength(2);
    channel.setState('connected');
    await until(() => channel.sent.length === 3, 'the held row');
  });

  it('after a restart, sends what was pending exactly once (and nothing already sent)', async () => {
    const path = join(dir, 'restart.sqlite');
    const before = await rig({ path });
    await before.outbox.deliver({ channel: 'memory', chat: 'mem:a', text: 'already sent' });
    await before.outbox.drained();
    before.outbox.stop();
    // Rows persisted just before a crash: in the database, never handed to a channel.

    before.store.outbox.enqueue({ channel: 'memory', chat: 'mem:a', text: 'pending 1' });
    before.store.outbox.enqueue({ channel: 'memory', chat: 'mem:b', text: 'pending 2' });
    before.store.close();
    open.splice(open.indexOf(before), 1);

    const after = await rig({ path });
    // Start-up, a channel reconnect and new work all kick at once.
    after.outbox.kick();
    after.outbox.kick();
    after.outbox.enqueue({ channel: 'memory', chat: 'mem:a', text: 'new' });
    await until(() => after.channel.sent.length >= 3, 'pending rows');
    await settle(150);
    expect(after.channel.sent.map((s) => s.text).sort()).toEqual(['new', 'pending 1', 'pending 2']);
    expect(after.channel.sentTo('mem:a')).toEqual(['pending 1', 'new']);
    expect(after.store.outbox.counts()).toEqual({ pending: 0, sent: 4, failed: 0 });
  });

  it('does not send after stop()', async () => {
    const { outbox, channel, store } = await rig();
    outbox.stop();
    outbox.enqueue({ channel: 'memory', chat: 'mem:a', text: 'late' });
    await settle();
    expect(channel.sent).toEqual([]);
    expect(store.outbox.counts().pending).toBe(1);
  });

  it('drained() waits for a send in progress', async () => {
    const { outbox, channel } = await rig();
    channel.sendDelayMs = 100;
    outbox.enqueue({ channel: 'memory', chat: 'mem:a', text: 'slow' });
    await until(() => channel.started === 1, 'the send to start');
    expect(channel.sent).toEqual([]);
    await outbox.drained();
    expect(channel.sentTo('mem:a')).toEqual(['slow']);
  });
});

describe('outbox inside the host', () => {
  it("holds a reply while the chat's channel is down; the channel connecting sends it", async () => {
    const host = await startTestHost(
      'agents:\n  - { id: main, main: true, sandbox: none }\nroutes:\n  - { chat: "mem:a", agent: main }\n',
    );
    try {
      const { app, channel } = host;
      channel.setState('disconnected');
      channel.receive('mem:a', 'while you were away');
      await until(() => app.store.outbox.counts().pending === 1, 'the reply to be stored');
      await settle(150);
      expect(channel.sent).toEqual([]);
      channel.setState('connected'); // the host's state listener wakes the outbox
      await until(() => channel.sent.length === 1, 'the held reply');
      expect(channel.sentTo('mem:a')).toEqual(['echo: while you were away (1 messages)']);
    } finally {
      await host.cleanup();
    }
  });
});
