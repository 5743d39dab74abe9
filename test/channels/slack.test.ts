/**
 * The Slack channel through the real @slack/socket-mode and @slack/web-api clients against the
 * fake Slack on 127.0.0.1.
 */
import { ChannelRejectedError } from '../../src/domain/channel-rejected.js';
import { StorageUnavailableError } from '../../src/domain/storage-fault.js';
import { sendAs, sendFileRig } from './send-file-kit.js';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  existsSync,
  readdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack.js';
import { SlackChannel, type SlackChannelOptions } from '../../src/channels/slack/index.js';
import type { ChannelState, InboundMessage, InboundReaction } from '../../src/domain/channel.js';
import { silentLogger } from '../../src/observability/logger.js';
import { capturedLogger } from './channel-test-kit.js';

const BOT_TOKEN = 'xoxb-test-bot-token-123';
const APP_TOKEN = 'xapp-test-app-token-456';

interface Harness {
  slack: FakeSlack;
  channel: SlackChannel;
  inbound: InboundMessage[];
  states: ChannelState[];
  /** The detail reported with each state, in the same order as `states`. */
  details: (string | undefined)[];
  reactions: InboundReaction[];
  inbox: string;
  nextInbound(count?: number): Promise<InboundMessage[]>;
}

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

/** `beforeStore` runs as the host's sink takes a message; throwing there is the store failing. */
async function harness(
  overrides: Partial<SlackChannelOptions> = {},
  beforeStore: (m: InboundMessage) => void = () => undefined,
): Promise<Harness> {
  const slack = await startFakeSlack({
    botToken: BOT_TOKEN,
    appToken: APP_TOKEN,
    pingIntervalMs: 500,
    otherBots: ['UAPPBOT'],
  });
  const root = mkdtempSync(join(tmpdir(), 'slack-agent-'));
  const inbox = join(root, 'inbox');
  mkdirSync(inbox);
  const inbound: InboundMessage[] = [];
  const states: ChannelState[] = [];
  const details: (string | undefined)[] = [];
  const reactions: InboundReaction[] = [];
  let waiters: { count: number; resolve: () => void }[] = [];
  const channel = new SlackChannel({
    botToken: BOT_TOKEN,
    appToken: APP_TOKEN,
    apiUrl: slack.apiUrl,
    logger: silentLogger(),
    inboxFor: () => inbox,
    apiRetries: 0,
    limits: { progressIntervalMs: 200, maxFileBytes: 1024 },
    socket: { clientPingTimeoutMs: 300, serverPingTimeoutMs: 5_000 },
    ...overrides,
  });
  // The client closes first, then the fake (a fake closing first leaves the client retrying).
  cleanups.push(async () => {
    await channel.disconnect();
    await slack.close();
    rmSync(root, { recursive: true, force: true });
  });
  await channel.connect({
    inbound: (m) => {
      beforeStore(m);
      inbound.push(m);
      waiters = waiters.filter((w) => (inbound.length >= w.count ? (w.resolve(), false) : true));
      return { accepted: true };
    },
    state: (s, detail) => void (states.push(s), details.push(detail)),
    reaction: (r) => void reactions.push(r),
  });
  let consumed = 0;
  const nextInbound = async (count = 1): Promise<InboundMessage[]> => {
    const target = consumed + count;
    if (inbound.length < target) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`expected ${target} inbound, got ${inbound.length}`)),
          5_000,
        );
        waiters.push({ count: target, resolve: () => (clearTimeout(timer), resolve()) });
      });
    }
    const out = inbound.slice(consumed, target);
    consumed = target;
    return out;
  };
  return { slack, channel, inbound, states, details, reactions, inbox, nextInbound };
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const msg = (fields: Record<string, unknown>): Record<string, unknown> => ({
  type: 'message',
  channel: 'C100',
  channel_type: 'channel',
  user: 'U1',
  text: 'hello',
  ts: '1700000000.000100',
  ...fields,
});

describe('Slack channel (Socket Mode against the fake Slack)', () => {
  it('connects, learns the bot id from auth.test, and reports connected', async () => {
    const h = await harness();
    expect(h.channel.state()).toBe('connected');
    expect(h.states).toContain('connected');
    expect(h.slack.callsTo('auth.test').length).toBeGreaterThan(0);
    expect(h.slack.callsTo('apps.connections.open')[0]?.authorization).toBe(`Bearer ${APP_TOKEN}`);
  });

  it('passes a DM on with the sender name and acks the envelope', async () => {
    const h = await harness();
    const id = h.slack.sendEvent(msg({ channel: 'D42', channel_type: 'im', text: 'hi there' }));
    const [m] = await h.nextInbound();
    await h.slack.waitForAck(id);
    expect(m).toMatchObject({
      channel: 'slack',
      chat: 'slack:D42',
      platformId: '1700000000.000100',
      senderId: 'U1',
      senderName: 'Real U1',
      text: 'hi there',
      isGroup: false,
      mentionsBot: false,
      replyToBot: false,
      timestamp: 1700000000000,
    });
  });

  it('reports a channel message without a trigger as not mentioning the bot', async () => {
    const h = await harness();
    h.slack.sendEvent(msg({ text: 'just chatting' }));
    const [m] = await h.nextInbound();
    expect(m).toMatchObject({ chat: 'slack:C100', isGroup: true, mentionsBot: false, replyToBot: false });
  });

  it('turns a mention into a trigger, strips it, and passes the post on once when message and app_mention both arrive', async () => {
    const h = await harness();
    const text = '<@UBOT> what is 2 &amp; 2?';
    h.slack.sendEvent(msg({ text, ts: '1700000001.000200' }));
    h.slack.sendEvent({ type: 'app_mention', channel: 'C100', user: 'U1', text, ts: '1700000001.000200' });
    h.slack.sendEvent(msg({ text: 'after', ts: '1700000002.000300' }));
    const [mention, after] = await h.nextInbound(2);
    expect(mention).toMatchObject({ mentionsBot: true, text: 'what is 2 & 2?' });
    expect(after?.text).toBe('after');
    expect(h.inbound).toHaveLength(2);
  });

  it('treats a thread reply under the bot’s message as a reply to the bot, in that thread', async () => {
    const h = await harness();
    h.slack.sendEvent(
      msg({
        text: 'and then?',
        ts: '1700000003.000001',
        thread_ts: '1700000000.000009',
        parent_user_id: 'UBOT',
      }),
    );
    const [m] = await h.nextInbound();
    expect(m).toMatchObject({
      replyToBot: true,
      threadId: '1700000000.000009',
      replyToPlatformId: '1700000000.000009',
    });
  });

  it('ignores its own posts (user = bot, bot_id = bot) and edits', async () => {
    const h = await harness();
    const own = h.slack.sendEvent(msg({ user: 'UBOT', text: 'my reply', ts: '1.000001' }));
    h.slack.sendEvent(msg({ user: undefined, bot_id: 'BBOT', text: 'my bot post', ts: '1.000002' }));
    h.slack.sendEvent(msg({ subtype: 'message_changed', ts: '1.000003' }));
    h.slack.sendEvent(msg({ text: 'real', ts: '1.000004' }));
    const [m] = await h.nextInbound();
    expect(m?.text).toBe('real');
    await h.slack.waitForAck(own);
    expect(h.inbound).toHaveLength(1);
  });

  it('sends long replies split under 4000 characters, in mrkdwn, in the thread asked for', async () => {
    const h = await harness();
    const paragraph = 'word '.repeat(300).trim();
    const text = `**Title**\n\n${Array.from({ length: 8 }, () => paragraph).join('\n\n')}`;
    const sent = await h.channel.send('slack:C100', { text, thread: '1700000000.000100' });
    const posts = h.slack.callsTo('chat.postMessage');
    expect(posts.length).toBeGreaterThan(1);
    for (const post of posts) {
      expect(String(post.params.text).length).toBeLessThanOrEqual(4000);
      expect(post.params.thread_ts).toBe('1700000000.000100');
      expect(post.params.channel).toBe('C100');
      expect(post.authorization).toBe(`Bearer ${BOT_TOKEN}`);
    }
    expect(String(posts[0]?.params.text).startsWith('*Title*')).toBe(true);
    expect(
      posts
        .map((p) => String(p.params.text))
        .join(' ')
        .replace(/\s+/g, ' '),
    ).toContain(paragraph);
    expect(sent.platformId).toMatch(/^\d+\.\d{6}$/);
  });

  it('adds and removes reactions, by Unicode emoji or by name', async () => {
    const h = await harness();
    await h.channel.react('slack:C100', '1.000001', '👍', false);
    await h.channel.react('slack:C100', '1.000001', ':tada:', true);
    expect(h.slack.callsTo('reactions.add')[0]?.params).toMatchObject({
      name: '+1',
      timestamp: '1.000001',
      channel: 'C100',
    });
    expect(h.slack.callsTo('reactions.remove')[0]?.params).toMatchObject({ name: 'tada' });
    await expect(h.channel.react('slack:C100', '1.000001', '<script>', false)).rejects.toThrow(
      /not a reaction/,
    );
  });

  it("reports reactions people add to messages as emoji, never the bot's own or another bot's", async () => {
    const h = await harness();
    const added = (user: string, reaction: string, item: Record<string, unknown>) =>
      h.slack.sendEvent({
        type: 'reaction_added',
        user,
        reaction,
        item_user: 'UBOT',
        item,
        event_ts: '3.000001',
      });
    const onMessage = { type: 'message', channel: 'C100', ts: '1700000000.000100' };
    added('UBOT', '+1', onMessage);
    added('UAPPBOT', '+1', onMessage); // another app's bot (users.info: is_bot)
    added('U1', '+1', { type: 'file', file: 'F1' });
    added('U1', '+1::skin-tone-3', onMessage);
    const last = added('U2', 'thumbsdown', { ...onMessage, channel: 'D42' });
    await h.slack.waitForAck(last);
    await vi.waitFor(() => expect(h.reactions).toHaveLength(2), { timeout: 5_000 });
    expect(h.reactions).toEqual([
      {
        channel: 'slack',
        chat: 'slack:C100',
        platformMessageId: '1700000000.000100',
        senderId: 'U1',
        emoji: '👍',
      },
      {
        channel: 'slack',
        chat: 'slack:D42',
        platformMessageId: '1700000000.000100',
        senderId: 'U2',
        emoji: '👎',
      },
    ]);
  });

  it('shows work as an :eyes: reaction on the trigger (Slack has no bot typing) and removes it when done', async () => {
    const h = await harness();
    const ctx = { triggerPlatformId: '1.000005', streamThread: false };
    await h.channel.notify('slack:C100', { kind: 'working' }, ctx);
    await h.channel.notify('slack:C100', { kind: 'working' }, ctx);
    await h.channel.notify('slack:C100', { kind: 'idle' }, ctx);
    expect(h.slack.callsTo('reactions.add').map((c) => c.params.name)).toEqual(['eyes']);
    expect(h.slack.callsTo('reactions.remove').map((c) => c.params.timestamp)).toEqual(['1.000005']);
  });

  it('streams progress into the trigger’s thread, coalesced by the rate limit, and flushes at the end', async () => {
    const h = await harness();
    const ctx = { triggerPlatformId: '1.000006', streamThread: true };
    await h.channel.notify('slack:C100', { kind: 'progress', text: 'step 1' }, ctx);
    await h.slack.waitForCall('chat.postMessage');
    // Within the 200 ms interval: held back and posted together.
    await h.channel.notify('slack:C100', { kind: 'progress', text: 'step 2' }, ctx);
    await h.channel.notify('slack:C100', { kind: 'progress', text: 'step 3' }, ctx);
    await h.channel.notify('slack:C100', { kind: 'idle' }, ctx);
    const posts = h.slack.callsTo('chat.postMessage');
    expect(posts.every((p) => p.params.thread_ts === '1.000006')).toBe(true);
    expect(posts.length).toBe(2);
    expect(posts.map((p) => p.params.text).join('\n')).toMatch(/step 1[\s\S]*step 2[\s\S]*step 3/);
  });

  it('does not stream when the route did not ask for it', async () => {
    const h = await harness();
    await h.channel.notify(
      'slack:C100',
      { kind: 'progress', text: 'quiet' },
      { triggerPlatformId: '1.1', streamThread: false },
    );
    await h.channel.notify('slack:C100', { kind: 'idle' }, { triggerPlatformId: '1.1', streamThread: false });
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('edits a message with chat.update', async () => {
    const h = await harness();
    await h.channel.edit('slack:C100', '1.000007', 'new **text**');
    expect(h.slack.callsTo('chat.update')[0]?.params).toMatchObject({ ts: '1.000007', text: 'new *text*' });
  });

  it('streams a reply: one post, coalesced chat.update edits, and the final text as the last edit', async () => {
    const h = await harness({ limits: { streamEditIntervalMs: 400 } });
    const preview = h.channel.stream('slack:C100', {});
    let text = '';
    for (let i = 1; i <= 10; i++) {
      text += ` w${i}`;
      preview.update(text.trim());
      await new Promise((r) => setTimeout(r, 60));
    }
    const ts = await preview.end();
    expect(ts).toBeDefined();
    await h.channel.send('slack:C100', { text: 'the **final** text', edit: ts });
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(1);
    const edits = h.slack.callsTo('chat.update');
    // 600 ms of updates at one edit per 400 ms: at most two previews, then the final edit.
    expect(edits.length).toBeGreaterThanOrEqual(2);
    expect(edits.length).toBeLessThanOrEqual(3);
    expect(edits.every((e) => e.params.ts === ts)).toBe(true);
    expect(edits[edits.length - 1]!.params.text).toBe('the *final* text');
  });

  it('waits out a 429 with Retry-After and then delivers', async () => {
    const h = await harness({ apiRetries: 2 });
    h.slack.rateLimitNext('chat.postMessage', 1);
    const started = Date.now();
    await h.channel.send('slack:C100', { text: 'after the limit' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(h.slack.calls.map((c) => c.method)).toEqual(
      expect.arrayContaining(['chat.postMessage#429', 'chat.postMessage']),
    );
  });

  it('uploads files through the files v2 upload flow', async () => {
    const h = await harness();
    const file = join(h.inbox, 'report.txt');
    writeFileSync(file, 'the report');
    await h.channel.send('slack:C100', { text: 'here', files: [file] });
    await h.slack.waitForCall('files.completeUploadExternal');
    expect([...h.slack.uploads.values()].map(String)).toEqual(['the report']);
  });

  it('send_file: the agent’s file reaches Slack through the outbox (files v2 upload)', async () => {
    const h = await harness();
    const rig = sendFileRig(h.channel);
    try {
      rig.put('notes/summary.md', '# summary');
      await rig.services.sendFile(sendAs('slack:C100', 'notes/summary.md'));
      await h.slack.waitForCall('files.completeUploadExternal');
      expect([...h.slack.uploads.values()].map(String)).toEqual(['# summary']);
    } finally {
      rig.close();
    }
  });

  it('loses no message when the socket drops mid-conversation (unacked envelopes are redelivered once)', async () => {
    const h = await harness();
    h.slack.sendEvent(msg({ text: 'one', ts: '2.000001' }));
    await h.nextInbound();
    h.slack.dropSocket();
    // Sent while the client is away: Slack holds it and delivers on the next connection.
    h.slack.sendEvent(msg({ text: 'two', ts: '2.000002' }));
    await h.slack.waitForConnections(2);
    h.slack.sendEvent(msg({ text: 'three', ts: '2.000003' }));
    const got = await h.nextInbound(2);
    expect(got.map((m) => m.text)).toEqual(['two', 'three']);
    expect(h.states).toContain('connecting');
    expect(h.channel.state()).toBe('connected');
    await new Promise((r) => setTimeout(r, 100));
    expect(h.inbound.map((m) => m.text)).toEqual(['one', 'two', 'three']);
  });

  it('downloads a file into the inbox with the bot token, under a safe name', async () => {
    const h = await harness();
    h.slack.privateFiles.set('evil.txt', Buffer.from('payload'));
    h.slack.sendEvent(
      msg({
        subtype: 'file_share',
        text: 'see file',
        ts: '3.000001',
        files: [
          {
            id: 'F1',
            name: '../../etc/passwd',
            size: 7,
            mimetype: 'text/plain',
            url_private_download: `${h.slack.origin}/files/evil.txt`,
          },
        ],
      }),
    );
    const [m] = await h.nextInbound();
    expect(m?.attachments).toHaveLength(1);
    const attachment = m!.attachments![0]!;
    expect(attachment.name).toBe('passwd');
    expect(attachment.file).toBe(attachment.name);
    expect(readFileSync(join(h.inbox, attachment.file!), 'utf8')).toBe('payload');
    expect(h.slack.fileAuthHeaders).toEqual([`Bearer ${BOT_TOKEN}`]);
  });

  it('never sends the bot token to a host that is not Slack’s, and refuses oversized files', async () => {
    const h = await harness();
    const other = await startFakeSlack({ botToken: BOT_TOKEN });
    cleanups.push(() => other.close());
    other.privateFiles.set('x', Buffer.from('x'));
    h.slack.privateFiles.set('big', Buffer.alloc(5000));
    h.slack.sendEvent(
      msg({
        subtype: 'file_share',
        ts: '3.000002',
        files: [
          { name: 'steal.txt', url_private_download: `${other.origin}/files/x` },
          { name: 'big.bin', size: 5000, url_private_download: `${h.slack.origin}/files/big` },
          { name: 'liar.bin', size: 10, url_private_download: `${h.slack.origin}/files/big` },
        ],
      }),
    );
    const [m] = await h.nextInbound();
    expect(other.fileAuthHeaders).toEqual([]);
    // Stored with the message, so the agent can tell the sender; the detail stays in the log.
    expect(m?.attachments).toEqual([
      { name: 'steal.txt', notReceived: 'the download failed' },
      { name: 'big.bin', notReceived: 'over the 1 KB limit', size: 5000 },
      { name: 'liar.bin', notReceived: 'over the 1 KB limit', size: 10 },
    ]);
    expect(m?.text).not.toMatch(/not downloaded/);
    expect(readdirSync(h.inbox)).toEqual([]);
  });

  it('does not write through a symlink planted in the inbox', async () => {
    const h = await harness();
    const target = join(h.inbox, '..', 'outside.txt');
    symlinkSync(target, join(h.inbox, 'note.txt'));
    h.slack.privateFiles.set('note', Buffer.from('data'));
    h.slack.sendEvent(
      msg({
        subtype: 'file_share',
        ts: '4.000001',
        files: [{ name: 'note.txt', url_private_download: `${h.slack.origin}/files/note` }],
      }),
    );
    const [m] = await h.nextInbound();
    expect(m?.attachments?.[0]).toMatchObject({ name: 'note.txt', file: 'note-1.txt' });
    expect(readFileSync(join(h.inbox, 'note-1.txt'), 'utf8')).toBe('data');
    expect(existsSync(target)).toBe(false);
  });

  it('acks envelopes it does not act on (a reaction) so Slack does not send them again, and passes nothing on', async () => {
    const h = await harness();
    const reaction = h.slack.sendEvent({
      type: 'reaction_added',
      user: 'U1',
      reaction: 'tada',
      event_ts: '1.5',
    });
    await h.slack.waitForAck(reaction);
    h.slack.sendEvent(msg({ text: 'after the reaction' }));
    const [m] = await h.nextInbound();
    expect(m?.text).toBe('after the reaction');
    expect(h.inbound).toHaveLength(1);
  });

  it('survives hostile envelopes: garbage frames, missing fields, huge text, odd Unicode', async () => {
    const h = await harness({ limits: { maxInboundText: 1000 } });
    h.slack.sendRaw('{not json');
    h.slack.sendRaw(JSON.stringify({ type: 'events_api', envelope_id: 'x', payload: { event: {} } }));
    h.slack.sendEvent({ type: 'message' });
    h.slack.sendEvent(msg({ channel: '../../C1', ts: '5.000001' }));
    h.slack.sendEvent(msg({ ts: 'NaN' }));
    h.slack.sendEvent(msg({ user: undefined, ts: '5.000002' }));
    h.slack.sendEvent(msg({ text: 'x'.repeat(50_000), ts: '5.000003' }));
    const odd = 'e\u0301\u202e\u0000 😀 \uD800 ﷽';
    h.slack.sendEvent(msg({ text: odd, ts: '5.000004' }));
    const [huge, weird] = await h.nextInbound(2);
    expect(huge?.text.length).toBeLessThan(1100);
    expect(huge?.text).toMatch(/more characters cut\]$/);
    expect(weird?.platformId).toBe('5.000004');
    expect(weird?.text).toContain('😀');
    expect(weird?.text).toContain('\uFFFD');
    expect(h.channel.state()).toBe('connected');
  });
});

describe('Slack channel failures', () => {
  it('fails with a message naming the tokens when auth is rejected', async () => {
    const slack = await startFakeSlack({ botToken: 'xoxb-right', appToken: APP_TOKEN });
    cleanups.push(() => slack.close());
    const states: ChannelState[] = [];
    const channel = new SlackChannel({
      botToken: 'xoxb-wrong',
      appToken: APP_TOKEN,
      apiUrl: slack.apiUrl,
      logger: silentLogger(),
      inboxFor: () => undefined,
      apiRetries: 0,
    });
    const error = await channel
      .connect({ inbound: () => ({ accepted: true }), state: (s) => states.push(s) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelRejectedError);
    expect((error as Error).message).toMatch(/invalid_auth[\s\S]*SLACK_BOT_TOKEN/);
    expect(channel.state()).toBe('failed');
    expect(states).toContain('failed');
    await expect(channel.send('slack:C1', { text: 'x' })).rejects.toThrow(/not connected/);
  });

  it('refuses a rejected app token (apps.connections.open: invalid_auth) and does not retry it', async () => {
    const slack = await startFakeSlack({ botToken: BOT_TOKEN, appToken: 'xapp-right' });
    cleanups.push(() => slack.close());
    const channel = new SlackChannel({
      botToken: BOT_TOKEN,
      appToken: 'xapp-wrong',
      apiUrl: slack.apiUrl,
      logger: silentLogger(),
      inboxFor: () => undefined,
      apiRetries: 0,
      retryDelayMs: 10,
    });
    cleanups.push(() => channel.disconnect());
    const error = await channel
      .connect({ inbound: () => ({ accepted: true }), state: () => undefined })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelRejectedError);
    expect((error as Error).message).toMatch(/invalid_auth[\s\S]*SLACK_APP_TOKEN/);
    expect(channel.state()).toBe('failed');
    // Twenty retry delays later, still the one attempt.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(channel.state()).toBe('failed');
    expect(slack.callsTo('auth.test')).toHaveLength(1);
    expect(slack.callsTo('apps.connections.open')).toHaveLength(1);
    expect(slack.connections).toBe(0);
  });

  it('holds a message while the database cannot store it and passes it on once it can', async () => {
    let attempts = 0;
    const h = await harness({}, () => {
      if (++attempts === 1) throw new StorageUnavailableError('store inbound', new Error('SQLITE_FULL'));
    });
    const id = h.slack.sendEvent(msg({ text: 'keep me' }));
    await h.slack.waitForAck(id);
    const [m] = await h.nextInbound();
    expect(m?.text).toBe('keep me');
    expect(attempts).toBe(2);
    expect(h.inbound).toHaveLength(1);
  });

  it('never writes a token to the log, even at trace level with file downloads', async () => {
    const { logger, output } = capturedLogger();
    const h = await harness({ logger });
    h.slack.privateFiles.set('f', Buffer.from('data'));
    h.slack.sendEvent(
      msg({
        subtype: 'file_share',
        ts: '6.000001',
        files: [{ name: 'f.txt', url_private_download: `${h.slack.origin}/files/f` }],
      }),
    );
    await h.nextInbound();
    await h.channel.send('slack:C100', { text: 'reply' });
    expect(output()).toContain('slack connected');
    expect(output()).not.toContain(BOT_TOKEN);
    expect(output()).not.toContain(APP_TOKEN);
  });

  it('keeps trying in the background when Slack is unreachable at start, and connects once it is up', async () => {
    const port = await closedPort();
    const states: { state: ChannelState; detail?: string }[] = [];
    const channel = new SlackChannel({
      botToken: BOT_TOKEN,
      appToken: APP_TOKEN,
      apiUrl: `http://127.0.0.1:${port}/api/`,
      logger: silentLogger(),
      inboxFor: () => undefined,
      apiRetries: 0,
      retryDelayMs: 50,
    });
    cleanups.push(() => channel.disconnect());
    await channel.connect({
      inbound: () => ({ accepted: true }),
      state: (state, detail) => void states.push({ state, detail }),
    });
    expect(channel.state()).toBe('connecting');
    expect(states.at(-1)?.detail).toMatch(/Slack unreachable .*retrying in \d+ ms/);
    const slack = await startFakeSlack({ botToken: BOT_TOKEN, appToken: APP_TOKEN, port });
    cleanups.push(async () => {
      await channel.disconnect();
      await slack.close();
    });
    await slack.waitForConnections(1);
    await vi.waitFor(() => expect(channel.state()).toBe('connected'));
  });

  it('stops retrying when disconnect() comes while Slack is unreachable', async () => {
    const port = await closedPort();
    const channel = new SlackChannel({
      botToken: BOT_TOKEN,
      appToken: APP_TOKEN,
      apiUrl: `http://127.0.0.1:${port}/api/`,
      logger: silentLogger(),
      inboxFor: () => undefined,
      apiRetries: 0,
      retryDelayMs: 50,
    });
    await channel.connect({ inbound: () => ({ accepted: true }), state: () => undefined });
    expect(channel.state()).toBe('connecting');
    await channel.disconnect();
    const slack = await startFakeSlack({ botToken: BOT_TOKEN, appToken: APP_TOKEN, port });
    cleanups.push(() => slack.close());
    // Several retry delays later: no attempt reached the now reachable Slack.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(slack.callsTo('auth.test')).toHaveLength(0);
    expect(channel.state()).toBe('disconnected');
  });

  it('stops a connection still opening when disconnect() comes: no socket, no acked envelope, not connected', async () => {
    const slack = await startFakeSlack({ botToken: BOT_TOKEN, appToken: APP_TOKEN });
    cleanups.push(() => slack.close());
    const states: ChannelState[] = [];
    const inbound: InboundMessage[] = [];
    const channel = new SlackChannel({
      botToken: BOT_TOKEN,
      appToken: APP_TOKEN,
      apiUrl: slack.apiUrl,
      logger: silentLogger(),
      inboxFor: () => undefined,
      apiRetries: 2,
    });
    // auth.test answers 429 with Retry-After 1 s: the WebClient waits, and disconnect() comes meanwhile.
    slack.rateLimitNext('auth.test', 1);
    const connecting = channel.connect({
      inbound: (message) => {
        inbound.push(message);
        return { accepted: true };
      },
      state: (state) => void states.push(state),
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await channel.disconnect();
    await connecting;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(slack.connections).toBe(0);
    expect(channel.state()).toBe('disconnected');
    expect(states).not.toContain('connected');
    expect(inbound).toEqual([]);
  });

  it('rejects chat ids that are not Slack’s', async () => {
    const h = await harness();
    await expect(h.channel.send('tg:1', { text: 'x' })).rejects.toThrow(/not a Slack chat id/);
    expect(h.channel.ownsChat('slack:C1')).toBe(true);
    expect(h.channel.ownsChat('dc:1')).toBe(false);
    expect(h.channel.formatMention('U9')).toBe('<@U9>');
  });
});

/** Records unhandled promise rejections for the rest of the test (vitest reports them too, after the fact). */
function watchUnhandledRejections(): unknown[] {
  const seen: unknown[] = [];
  const listener = (reason: unknown): void => void seen.push(reason);
  process.on('unhandledRejection', listener);
  cleanups.push(() => void process.off('unhandledRejection', listener));
  return seen;
}

describe('Slack channel: tokens revoked or Slack down while running', () => {
  it.each([
    {
      token: 'app' as const,
      error: 'invalid_auth',
      names: /app token \(invalid_auth\)[\s\S]*channels\.slack\.appToken/,
    },
    {
      token: 'app' as const,
      error: 'token_revoked',
      names: /app token \(token_revoked\)[\s\S]*channels\.slack\.appToken/,
    },
    {
      token: 'bot' as const,
      error: 'account_inactive',
      names: /bot token \(account_inactive\)[\s\S]*channels\.slack\.botToken/,
    },
  ])(
    'goes failed naming the $token token when Slack answers $error on a reconnect, and stops retrying',
    async ({ token, error, names }) => {
      const unhandled = watchUnhandledRejections();
      const h = await harness({ retryDelayMs: 20 });
      h.slack.refuse(token, error);
      h.slack.dropSocket();
      await vi.waitFor(() => expect(h.channel.state()).toBe('failed'), { timeout: 5_000 });
      expect(h.details.at(-1)).toMatch(names);
      const attempts = h.slack.calls.length;
      // Many retry delays (and the SDK's own reconnect delays) later: nothing more was tried.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(h.slack.calls.length).toBe(attempts);
      expect(h.channel.state()).toBe('failed');
      expect(h.slack.connections).toBe(1);
      expect(unhandled).toEqual([]);
    },
  );

  it('keeps reconnecting with backoff while apps.connections.open answers 503, and resumes when Slack is back', async () => {
    const unhandled = watchUnhandledRejections();
    const h = await harness({ retryDelayMs: 20 });
    h.slack.failWith503('apps.connections.open');
    h.slack.dropSocket();
    await vi.waitFor(() => expect(h.slack.callsTo('apps.connections.open#503').length).toBeGreaterThan(2), {
      timeout: 5_000,
    });
    expect(h.channel.state()).toBe('connecting');
    // The first reconnect waits retryDelayMs, each next one twice as long.
    const delays = h.details.flatMap((d) => /retrying in (\d+) ms/.exec(d ?? '')?.[1] ?? []).map(Number);
    expect(delays.slice(0, 3)).toEqual([20, 40, 80]);
    // Web API calls do not need the socket: a reply still goes out while it reconnects.
    await h.channel.send('slack:C100', { text: 'still here' });
    h.slack.restore();
    await h.slack.waitForConnections(2);
    await vi.waitFor(() => expect(h.channel.state()).toBe('connected'));
    h.slack.sendEvent(msg({ text: 'after the outage', ts: '9.000001' }));
    const [m] = await h.nextInbound();
    expect(m?.text).toBe('after the outage');
    expect(unhandled).toEqual([]);
  });

  it('keeps reconnecting while Slack answers an error of its own (service_unavailable), not a refusal', async () => {
    const unhandled = watchUnhandledRejections();
    const h = await harness({ retryDelayMs: 20 });
    h.slack.refuse('app', 'service_unavailable');
    h.slack.dropSocket();
    await vi.waitFor(() => expect(h.slack.callsTo('apps.connections.open').length).toBeGreaterThan(3));
    expect(h.channel.state()).toBe('connecting');
    expect(h.details.at(-1)).toMatch(/Slack unreachable \(.*service_unavailable\); retrying in \d+ ms/);
    h.slack.restore();
    await vi.waitFor(() => expect(h.channel.state()).toBe('connected'));
    expect(unhandled).toEqual([]);
  });

  it('keeps reconnecting while Slack cannot be reached at all after a drop, and resumes when it can', async () => {
    const unhandled = watchUnhandledRejections();
    const h = await harness({ retryDelayMs: 20 });
    const port = Number(new URL(h.slack.origin).port);
    await h.slack.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.channel.state()).toBe('connecting');
    expect(h.details.at(-1)).toMatch(/Slack unreachable .*retrying in \d+ ms/);
    const back = await startFakeSlack({ botToken: BOT_TOKEN, appToken: APP_TOKEN, port });
    cleanups.push(() => back.close());
    await back.waitForConnections(1);
    await vi.waitFor(() => expect(h.channel.state()).toBe('connected'));
    expect(unhandled).toEqual([]);
  });
});
