import { ChannelRejectedError } from '../../src/domain/channel-rejected.js';
import { sendAs, sendFileRig } from './send-file-kit.js';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createDiscordChannel,
  type DiscordChannel,
  type DiscordLimits,
} from '../../src/channels/discord/index.js';
import { discordUser, startFakeDiscord, type FakeDiscord } from '../fakes/fake-discord.js';
import { StorageUnavailableError } from '../../src/domain/storage-fault.js';
import { capturedLogger, recordingSink, sleep, type RecordingSink } from './channel-test-kit.js';

const FAST: Partial<DiscordLimits> = {
  typingIntervalMs: 100,
  threadPostIntervalMs: 200,
  connectTimeoutMs: 5_000,
};
const MESSAGES = /^\/channels\/\d+\/messages$/;

describe('Discord channel against a fake REST API and gateway', () => {
  let dc: FakeDiscord;
  let channel: DiscordChannel;
  let sink: RecordingSink;
  let dir: string;
  let logs: () => string;
  let general: string;

  beforeEach(async () => {
    dc = await startFakeDiscord();
    general = `dc:${dc.channels.general}`;
    dir = await mkdtemp(join(tmpdir(), 'omniclaw-dc-'));
    const captured = capturedLogger();
    logs = captured.output;
    channel = createDiscordChannel({
      token: dc.token,
      api: dc.api,
      logger: captured.logger,
      inboxFor: (chat) => (chat === `dc:${dc.channels.random}` ? undefined : join(dir, 'agent', 'inbox')),
      limits: { ...FAST, attachment: { maxBytes: 1000, timeoutMs: 5_000 } },
    });
    sink = recordingSink();
    await channel.connect(sink);
  });

  afterEach(async () => {
    await channel.disconnect();
    await dc.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('connects through the gateway URL the REST API gives', async () => {
    expect(channel.state()).toBe('connected');
    expect(channel.botId()).toBe(dc.botUser.id);
    expect(dc.requestsTo('GET', /^\/gateway\/bot$/)).toHaveLength(1);
    expect(dc.identifies).toBe(1);
  });

  it('identifies with the intents it needs: guilds, guild and direct messages and their reactions, message content', () => {
    // GUILDS 1 | GUILD_MESSAGES 512 | GUILD_MESSAGE_REACTIONS 1024 | DIRECT_MESSAGES 4096 |
    // DIRECT_MESSAGE_REACTIONS 8192 | MESSAGE_CONTENT 32768 (privileged)
    expect(dc.identifyPayloads).toEqual([expect.objectContaining({ token: '[token]', intents: 46593 })]);
  });

  it("reports the Unicode emoji people add, in guild channels and DMs, never the bot's own, another bot's or a custom one", async () => {
    const other = { ...discordUser('77', 'otherbot'), bot: true };
    expect(
      dc.userReacts({ channelId: dc.channels.general, messageId: '111', emoji: '👍', user: dc.botUser }),
    ).toBe(true);
    dc.userReacts({ channelId: dc.channels.general, messageId: '112', emoji: '👍', user: other });
    dc.userReacts({
      channelId: dc.channels.general,
      messageId: '113',
      emoji: { id: '555', name: 'partyblob' },
    });
    expect(dc.userReacts({ channelId: dc.channels.general, messageId: '114', emoji: '👍🏽' })).toBe(true);
    expect(dc.userReacts({ channelId: dc.channels.dm, messageId: '115', emoji: '👎' })).toBe(true);
    const reactions = await sink.waitForReactions(2);
    await sleep(100);
    expect(reactions).toEqual([
      { channel: 'discord', chat: general, platformMessageId: '114', senderId: '42', emoji: '👍🏽' },
      {
        channel: 'discord',
        chat: `dc:${dc.channels.dm}`,
        platformMessageId: '115',
        senderId: '42',
        emoji: '👎',
      },
    ]);
  });

  it('delivers a direct message', async () => {
    dc.userSends({
      channelId: dc.channels.dm,
      author: { ...discordUser('42', 'ada'), global_name: 'Ada' },
      content: 'hello',
    });
    const [message] = await sink.waitForMessages(1);
    expect(message).toMatchObject({
      channel: 'discord',
      chat: `dc:${dc.channels.dm}`,
      senderId: '42',
      senderName: 'Ada',
      text: 'hello',
      isGroup: false,
      mentionsBot: false,
    });
  });

  it('holds messages the core could not store (database not writable) and stores them, in order, once it can', async () => {
    const record = sink.inbound;
    let refusals = 3;
    sink.inbound = (message) => {
      if (refusals-- > 0)
        throw new StorageUnavailableError(
          'test',
          Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }),
        );
      return record(message);
    };
    dc.userSends({ channelId: dc.channels.dm, content: 'sent while the disk was full' });
    dc.userSends({ channelId: dc.channels.dm, content: 'and one more' });
    const messages = await sink.waitForMessages(2, 15_000);
    expect(messages.map((m) => m.text)).toEqual(['sent while the disk was full', 'and one more']);
    expect(logs()).toMatch(/holding it and retrying/);
  }, 20_000);

  it('reports a guild message without a trigger as such', async () => {
    dc.userSends({ channelId: dc.channels.general, content: 'just chatting' });
    const [message] = await sink.waitForMessages(1);
    expect(message).toMatchObject({
      chat: general,
      isGroup: true,
      chatName: 'general',
      mentionsBot: false,
      replyToBot: false,
    });
  });

  it('sees a mention of the bot and strips it from the text', async () => {
    dc.userSends({
      channelId: dc.channels.general,
      content: `<@${dc.botUser.id}>  what is  up`,
      mentions: [dc.botUser],
    });
    dc.userSends({
      channelId: dc.channels.general,
      content: `hey <@!${dc.botUser.id}>`,
      mentions: [dc.botUser],
    });
    const messages = await sink.waitForMessages(2);
    expect(messages.map((m) => [m.text, m.mentionsBot])).toEqual([
      ['what is up', true],
      ['hey', true],
    ]);
  });

  it('files a message in a thread under its parent channel (the thread learnt from THREAD_CREATE)', async () => {
    const thread = '700000000000000010';
    dc.dispatchRaw('THREAD_CREATE', {
      id: thread,
      type: 11,
      guild_id: dc.guildId,
      parent_id: dc.channels.general,
      name: 'a thread',
    });
    dc.userSends({ channelId: thread, content: 'in the thread' });
    const [message] = await sink.waitForMessages(1);
    expect(message).toMatchObject({ chat: general, threadId: thread, chatName: 'a thread', isGroup: true });
    expect(dc.requestsTo('GET', /^\/channels\/\d+$/)).toHaveLength(0);
  });

  it('asks the API once about a guild channel the gateway did not announce', async () => {
    const unknown = '700000000000000020';
    dc.userSends({ channelId: unknown, content: 'first' });
    dc.userSends({ channelId: unknown, content: 'second' });
    const messages = await sink.waitForMessages(2);
    expect(messages.map((m) => [m.text, m.chat, m.chatName])).toEqual([
      ['first', `dc:${unknown}`, 'general'],
      ['second', `dc:${unknown}`, 'general'],
    ]);
    expect(dc.requestsTo('GET', /^\/channels\/\d+$/).map((r) => r.path)).toEqual([`/channels/${unknown}`]);
  });

  it('sees a reply to one of the bot messages', async () => {
    const sent = await channel.send(general, { text: 'I am the bot' });
    const botMessage = dc.messages.get(sent.platformId)!;
    dc.userSends({ channelId: dc.channels.general, content: 'replying', replyTo: botMessage });
    // A reply whose referenced message Discord did not include is recognised from our own record.
    dc.userSends({
      channelId: dc.channels.general,
      content: 'bare reply',
      raw: { type: 19, message_reference: { message_id: sent.platformId } },
    });
    const messages = await sink.waitForMessages(2);
    expect(messages.map((m) => [m.replyToBot, m.replyToPlatformId])).toEqual([
      [true, sent.platformId],
      [true, sent.platformId],
    ]);
  });

  it('ignores its own messages and other bots', async () => {
    dc.userSends({ channelId: dc.channels.general, author: dc.botUser, content: 'echo' });
    dc.userSends({
      channelId: dc.channels.general,
      author: { ...discordUser('77', 'otherbot'), bot: true },
      content: 'beep',
    });
    dc.userSends({ channelId: dc.channels.general, content: 'human' });
    const messages = await sink.waitForMessages(1);
    await sleep(100);
    expect(messages.map((m) => m.text)).toEqual(['human']);
  });

  it('splits a long reply at 2000 and threads only the first part', async () => {
    const text = Array.from({ length: 20 }, (_, i) => `Paragraph ${i}: ${'lorem ipsum '.repeat(25)}`).join(
      '\n\n',
    );
    await channel.send(general, { text, replyTo: '1' });
    const posts = dc.requestsTo('POST', MESSAGES);
    expect(posts.length).toBeGreaterThan(2);
    for (const post of posts) expect(String(post.body.content).length).toBeLessThanOrEqual(2000);
    expect(posts[0]!.body.message_reference).toEqual({ message_id: '1', fail_if_not_exists: false });
    expect(posts.slice(1).every((p) => p.body.message_reference === undefined)).toBe(true);
  });

  it('never lets an agent ping everyone', async () => {
    await channel.send(general, { text: '@everyone look' });
    expect(dc.requestsTo('POST', MESSAGES)[0]!.body.allowed_mentions).toEqual({
      parse: ['users'],
      replied_user: true,
    });
  });

  it('waits out a 429 and delivers once', async () => {
    dc.failNext('POST', MESSAGES, 429);
    await channel.send(general, { text: 'patience' });
    expect(dc.requestsTo('POST', MESSAGES)).toHaveLength(2);
    expect([...dc.messages.values()].filter((m) => m.content === 'patience')).toHaveLength(1);
  });

  it('adds and removes a reaction (204 without a JSON body)', async () => {
    const sent = await channel.send(general, { text: 'react to me' });
    await channel.react(general, sent.platformId, '👍', false);
    await channel.react(general, sent.platformId, '👍', true);
    const path = `/channels/${dc.channels.general}/messages/${sent.platformId}/reactions/%F0%9F%91%8D/@me`;
    expect(dc.requestsTo('PUT', /reactions/).map((r) => r.path)).toEqual([path]);
    expect(dc.requestsTo('DELETE', /reactions/).map((r) => r.path)).toEqual([path]);
  });

  it('reacts with a custom emoji given as name:id', async () => {
    const sent = await channel.send(general, { text: 'react to me' });
    await channel.react(general, sent.platformId, 'partyblob:555', false);
    const [put] = dc.requestsTo('PUT', /reactions/);
    expect(put!.path).toBe(
      `/channels/${dc.channels.general}/messages/${sent.platformId}/reactions/partyblob%3A555/@me`,
    );
  });

  it('explains a failed reaction', async () => {
    await expect(channel.react(general, '123', '👍', false)).rejects.toThrow(
      /could not add reaction 👍 on dc:\d+\/123/,
    );
  });

  it('shows typing while working, refreshes it, and stops when idle', async () => {
    await channel.notify(general, { kind: 'working' }, { streamThread: false });
    await dc.waitForRequest('POST', /\/typing$/, 3, 5_000);
    await channel.notify(general, { kind: 'idle' }, { streamThread: false });
    await sleep(50);
    const count = dc.requestsTo('POST', /\/typing$/).length;
    await sleep(350);
    expect(dc.requestsTo('POST', /\/typing$/).length).toBe(count);
  });

  it('streams progress into a thread on the triggering message; the answer goes to the channel', async () => {
    const trigger = dc.userSends({ channelId: dc.channels.general, content: 'do the thing' });
    await sink.waitForMessages(1);
    const context = { streamThread: true, triggerPlatformId: String(trigger.id) };
    await channel.notify(general, { kind: 'working' }, context);
    await channel.notify(general, { kind: 'progress', text: 'Reading **files**' }, context);
    await dc.waitForRequest('POST', /\/threads$/);
    for (const step of ['Running tests', 'Fixing a bug'])
      await channel.notify(general, { kind: 'progress', text: step }, context);
    await channel.notify(general, { kind: 'idle' }, context);
    await channel.send(general, { text: 'Done!', replyTo: String(trigger.id) });

    const [thread] = dc.requestsTo('POST', /\/threads$/);
    expect(thread!.path).toBe(`/channels/${dc.channels.general}/messages/${trigger.id}/threads`);
    expect(thread!.body).toMatchObject({ name: 'Reading files' });
    const posts = dc.requestsTo('POST', MESSAGES);
    const threadPosts = posts.filter((p) => !p.path.includes(dc.channels.general));
    expect(threadPosts.map((p) => p.body.content)).toEqual([
      'Reading **files**',
      'Running tests\nFixing a bug',
    ]);
    expect(posts.at(-1)).toMatchObject({
      path: `/channels/${dc.channels.general}/messages`,
      body: { content: 'Done!' },
    });
  });

  it('renders progress in its thread like a reply: links without embeds, code kept, long text split', async () => {
    const trigger = dc.userSends({ channelId: dc.channels.general, content: 'do the thing' });
    await sink.waitForMessages(1);
    const context = { streamThread: true, triggerPlatformId: String(trigger.id) };
    const step = 'Read [the docs](https://example.com/docs), ran `npm test`:\n```ts\nconst a = 1;\n```';
    await channel.notify(general, { kind: 'progress', text: step }, context);
    await dc.waitForRequest('POST', /\/threads$/);
    await channel.notify(general, { kind: 'progress', text: 'y'.repeat(2500) }, context);
    await channel.notify(general, { kind: 'idle' }, context);
    const threadPosts = dc.requestsTo('POST', new RegExp(`^/channels/${trigger.id}/messages$`));
    const contents = threadPosts.map((p) => p.body.content as string);
    expect(contents[0]).toBe(
      'Read [the docs](<https://example.com/docs>), ran `npm test`:\n```ts\nconst a = 1;\n```',
    );
    expect(contents.slice(1).map((c) => c.length)).toEqual([2000, 500]);
    expect(contents.slice(1).join('')).toBe('y'.repeat(2500));
  });

  it('posts a second round of progress on one trigger into the thread it already has', async () => {
    const trigger = dc.userSends({ channelId: dc.channels.general, content: 'do the thing' });
    await sink.waitForMessages(1);
    const context = { streamThread: true, triggerPlatformId: String(trigger.id) };
    for (const step of ['First round', 'Second round']) {
      await channel.notify(general, { kind: 'working' }, context);
      await channel.notify(general, { kind: 'progress', text: step }, context);
      await channel.notify(general, { kind: 'idle' }, context);
    }
    // The second POST .../threads is refused (160004); the thread's id is the trigger's.
    expect(dc.requestsTo('POST', /\/threads$/)).toHaveLength(2);
    const threadPosts = dc.requestsTo('POST', new RegExp(`^/channels/${trigger.id}/messages$`));
    expect(threadPosts.map((p) => p.body.content)).toEqual(['First round', 'Second round']);
  });

  it('streams a reply: one post, coalesced edits of it, and the final text as the last edit', async () => {
    const preview = channel.stream(general, {});
    let text = '';
    for (let i = 1; i <= 12; i++) {
      text += ` w${i}`;
      preview.update(text.trim());
      await new Promise((r) => setTimeout(r, 100));
    }
    const id = await preview.end();
    expect(id).toBeDefined();
    const sent = await channel.send(general, { text: 'the **final** text', edit: id });
    expect(sent.platformId).toBe(id);
    expect(dc.requestsTo('POST', /^\/channels\/\d+\/messages$/)).toHaveLength(1);
    const edits = dc.requestsTo('PATCH', /^\/channels\/\d+\/messages\/\d+$/);
    // 1.2 s of updates at one edit a second: at most two previews, then the final edit.
    expect(edits.length).toBeGreaterThanOrEqual(2);
    expect(edits.length).toBeLessThanOrEqual(3);
    expect(edits.every((e) => e.path.endsWith(`/${id}`))).toBe(true);
    // An edit may ping only users, as a post may.
    for (const edit of edits)
      expect(edit.body.allowed_mentions).toEqual({ parse: ['users'], replied_user: true });
    expect(edits[edits.length - 1]!.body.content).toBe('the **final** text');
  });

  it('sends a file', async () => {
    const path = join(dir, 'report.txt');
    await writeFile(path, 'numbers');
    await channel.send(general, { text: 'here', files: [path] });
    const upload = dc.requestsTo('POST', MESSAGES).find((p) => p.files.length);
    expect(upload!.files).toEqual([{ name: 'report.txt', content: Buffer.from('numbers') }]);
  });

  it('send_file: the agent’s file reaches Discord through the outbox; one over 10 MB is refused', async () => {
    const rig = sendFileRig(channel);
    try {
      rig.put('chart.png', 'png bytes');
      await rig.services.sendFile(sendAs(general, 'chart.png'));
      const upload = dc.requestsTo('POST', MESSAGES).find((p) => p.files.length);
      expect(upload!.files).toEqual([{ name: 'chart.png', content: Buffer.from('png bytes') }]);
      rig.put('big.bin', Buffer.alloc(10 * 1024 * 1024 + 1));
      await expect(rig.services.sendFile(sendAs(general, 'big.bin'))).rejects.toThrow(
        /big\.bin is 10 MB; discord takes files up to 10 MB/,
      );
      expect(rig.store.outbox.counts()).toMatchObject({ pending: 0, failed: 0 });
    } finally {
      rig.close();
    }
  });

  it('sends to a thread when asked', async () => {
    await channel.send(general, { text: 'in thread', thread: '123456' });
    expect(dc.requestsTo('POST', MESSAGES)[0]!.path).toBe('/channels/123456/messages');
  });

  it('refuses a chat id that is not Discord', async () => {
    await expect(channel.send('tg:1', { text: 'x' })).rejects.toThrow(/not a Discord chat id/);
    await expect(channel.send('dc:1/../2', { text: 'x' })).rejects.toThrow(/not a Discord chat id/);
  });

  it('loses no message when the gateway drops mid-conversation', async () => {
    dc.userSends({ channelId: dc.channels.general, content: 'one' });
    await sink.waitForMessages(1);
    const mark = sink.states.length;
    dc.setDown(true);
    await sink.waitForState('disconnected', mark);
    dc.userSends({ channelId: dc.channels.general, content: 'two' });
    dc.userSends({ channelId: dc.channels.general, content: 'three' });
    await sleep(200);
    dc.setDown(false);
    await sink.waitForState('connected', mark);
    const messages = await sink.waitForMessages(3);
    expect(messages.map((m) => m.text)).toEqual(['one', 'two', 'three']);
    expect(dc.resumes).toBeGreaterThanOrEqual(1);
    await sleep(100);
    expect(sink.messages).toHaveLength(3);
  });

  it('fetches what it missed when the session could not be resumed', async () => {
    dc.userSends({ channelId: dc.channels.general, content: 'one' });
    await sink.waitForMessages(1);
    const mark = sink.states.length;
    dc.setDown(true);
    dc.invalidateSession();
    await sink.waitForState('disconnected', mark);
    dc.userSends({ channelId: dc.channels.general, content: 'two' });
    dc.userSends({ channelId: dc.channels.general, content: 'three' });
    dc.setDown(false);
    const messages = await sink.waitForMessages(3, 20_000);
    expect(messages.map((m) => m.text)).toEqual(['one', 'two', 'three']);
    // Fetched messages carry no guild_id: still a server channel, not a DM that needs no trigger.
    expect(messages.map((m) => m.isGroup)).toEqual([true, true, true]);
    expect(dc.identifies).toBe(2);
    expect(dc.requestsTo('GET', /^\/channels\/\d+\/messages$/)).toHaveLength(1);
  });

  it('reconnects after a close code Discord allows resuming from', async () => {
    const mark = sink.states.length;
    dc.closeGateway(4000, 'Unknown error');
    await sink.waitForState('disconnected', mark);
    await sink.waitForState('connected', mark);
    dc.userSends({ channelId: dc.channels.general, content: 'still here' });
    expect((await sink.waitForMessages(1))[0]!.text).toBe('still here');
  });

  it('stops, marked failed, when Discord ends the session because the token was reset (4004)', async () => {
    const mark = sink.states.length;
    dc.closeGateway(4004, 'Authentication failed');
    await sink.waitForState('failed', mark);
    expect(sink.states.at(-1)?.detail).toMatch(/gateway closed with code 4004; not reconnecting/);
    await sleep(1_000);
    expect(dc.identifies + dc.resumes).toBe(1);
    expect(channel.state()).toBe('failed');
  });

  it('downloads attachments into the inbox under safe names', async () => {
    const url = dc.addFile('a1', Buffer.from('echo hi'));
    dc.userSends({
      channelId: dc.channels.general,
      content: 'see file',
      attachments: [{ id: '1', filename: '../../evil.sh', size: 7, url }],
    });
    const [message] = await sink.waitForMessages(1);
    expect(message!.attachments).toEqual([{ name: 'evil.sh', file: 'evil.sh', mime: undefined, size: 7 }]);
    expect(await readFile(join(dir, 'agent', 'inbox', 'evil.sh'), 'utf8')).toBe('echo hi');
  });

  it('delivers a message whose attachment is too large with a note saying so', async () => {
    const url = dc.addFile('big', Buffer.alloc(5000));
    dc.userSends({
      channelId: dc.channels.general,
      content: 'big',
      attachments: [{ id: '2', filename: 'big.bin', size: 5000, url }],
    });
    const liar = dc.addFile('liar', Buffer.alloc(5000));
    dc.userSends({
      channelId: dc.channels.general,
      content: 'liar',
      attachments: [{ id: '3', filename: 'liar.bin', size: 10, url: liar }],
    });
    const messages = await sink.waitForMessages(2);
    expect(messages.map((m) => [m.text, m.attachments])).toEqual([
      ['big', [{ name: 'big.bin', notReceived: 'over the 1000 bytes limit', size: 5000 }]],
      ['liar', [{ name: 'liar.bin', notReceived: 'over the 1000 bytes limit', size: 10 }]],
    ]);
    expect(await readdir(join(dir, 'agent', 'inbox'))).toEqual([]);
    expect(logs()).toMatch(/attachment not downloaded/);
  });

  it('survives hostile payloads and keeps going', async () => {
    dc.dispatchRaw('MESSAGE_CREATE', { id: '1', channel_id: dc.channels.general });
    dc.dispatchRaw('MESSAGE_CREATE', null);
    dc.dispatchRaw('UNKNOWN_EVENT', { x: 1 });
    const odd = 'שלום \u202Eevil\u202C 👨‍👩‍👧‍👦 zero\u200Bwidth a\uD800b';
    dc.userSends({ channelId: dc.channels.general, content: odd });
    dc.userSends({ channelId: dc.channels.general, content: 'x'.repeat(500_000) });
    const messages = await sink.waitForMessages(2);
    const texts = messages.map((m) => m.text);
    expect(texts).toContain('שלום \u202Eevil\u202C 👨‍👩‍👧‍👦 zero\u200Bwidth a\uFFFDb');
    expect(texts.at(-1)!.length).toBeLessThan(70_000);
    expect(channel.state()).toBe('connected');
  });

  it('formats mentions', () => {
    expect(channel.formatMention('12345')).toBe('<@12345>');
    expect(channel.formatMention('ada')).toBe('@ada');
  });

  it('never logs the token', () => {
    expect(logs()).not.toContain(dc.token);
  });
});

describe('Discord channel when the platform is unreachable', () => {
  it('offers send_file the upload limit in effect, not the default', () => {
    const limits = { ...FAST, maxUploadBytes: 4096 };
    const channel = createDiscordChannel({ token: 'x.y.z', logger: capturedLogger().logger, limits });
    expect(channel.capabilities.maxFileBytes).toBe(4096);
  });

  it('fails to connect with a clear error and state "failed"', async () => {
    const sink = recordingSink();
    const channel = createDiscordChannel({
      token: 'x.y.z',
      api: 'http://127.0.0.1:9/api',
      logger: capturedLogger().logger,
      limits: { ...FAST, restRetries: 0 },
    });
    const error = await channel.connect(sink).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /Discord: cannot connect to http:\/\/127\.0\.0\.1:9\/api .*check channels\.discord\.token/,
    );
    // Unreachable is worth retrying; only a rejected token is not.
    expect(error).not.toBeInstanceOf(ChannelRejectedError);
    expect(channel.state()).toBe('failed');
    expect(sink.states.at(-1)?.state).toBe('failed');
    await channel.disconnect();
  });

  it('fails when the token is rejected', async () => {
    const dc = await startFakeDiscord();
    const captured = capturedLogger();
    const channel = createDiscordChannel({
      token: 'wrong-token-value',
      api: dc.api,
      logger: captured.logger,
      limits: FAST,
    });
    const error = await channel.connect(recordingSink()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelRejectedError);
    expect((error as Error).message).toMatch(/Discord rejected the bot token/);
    expect(channel.state()).toBe('failed');
    expect(captured.output()).not.toContain('wrong-token-value');
    await dc.close();
  });
});
