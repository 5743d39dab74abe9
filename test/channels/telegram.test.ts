import { ChannelRejectedError } from '../../src/domain/channel-rejected.js';
import { sendAs, sendFileRig } from './send-file-kit.js';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Outbox } from '../../src/core/outbox.js';
import { silentLogger } from '../../src/observability/logger.js';
import {
  createTelegramChannel,
  type TelegramChannel,
  type TelegramLimits,
} from '../../src/channels/telegram/index.js';
import {
  groupChat,
  privateChat,
  startFakeTelegram,
  user,
  type FakeTelegram,
} from '../fakes/fake-telegram.js';
import { capturedLogger, recordingSink, sleep, type RecordingSink } from './channel-test-kit.js';
import { formatMessages } from '../../src/core/prompt.js';
import type { InboundMessage } from '../../src/domain/channel.js';
import type { StoredMessage } from '../../src/store/messages.js';

const stored = (m: InboundMessage): StoredMessage => ({ ...m, id: 1, createdAt: 0 });

const FAST: Partial<TelegramLimits> = {
  pollTimeoutSeconds: 1,
  typingIntervalMs: 100,
  statusEditIntervalMs: 200,
  backoff: { initialMs: 50, maxMs: 200 },
};

describe('Telegram channel against a fake Bot API', () => {
  let tg: FakeTelegram;
  let channel: TelegramChannel;
  let sink: RecordingSink;
  let dir: string;
  let logs: () => string;

  beforeEach(async () => {
    tg = await startFakeTelegram();
    dir = await mkdtemp(join(tmpdir(), 'omniclaw-tg-'));
    const captured = capturedLogger();
    logs = captured.output;
    channel = createTelegramChannel({
      token: tg.token,
      apiRoot: tg.apiRoot,
      logger: captured.logger,
      inboxFor: (chat) => (chat === 'tg:-100' ? undefined : join(dir, 'agent', 'inbox')),
      limits: { ...FAST, attachment: { maxBytes: 1000, timeoutMs: 5_000 } },
    });
    sink = recordingSink();
    await channel.connect(sink);
  });

  afterEach(async () => {
    await channel.disconnect();
    await tg.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('connects, learns its own name and clears any webhook', async () => {
    expect(channel.state()).toBe('connected');
    expect(channel.bot()).toEqual({ id: tg.bot.id, username: tg.bot.username });
    expect(tg.callsOf('deleteWebhook')).toEqual([{ drop_pending_updates: false }]);
  });

  it('delivers a direct message with sender and chat', async () => {
    tg.userSends({
      chat: privateChat(42),
      from: { ...user(42, 'Ada'), username: 'ada' },
      text: 'hello there',
    });
    const [message] = await sink.waitForMessages(1);
    expect(message).toMatchObject({
      channel: 'telegram',
      chat: 'tg:42',
      senderId: '42',
      senderName: 'Ada',
      text: 'hello there',
      isGroup: false,
      mentionsBot: false,
      replyToBot: false,
    });
  });

  it('reports a group message without a trigger as such (the router decides)', async () => {
    tg.userSends({ chat: groupChat(-100123, 'Family'), from: user(7), text: 'just chatting' });
    const [message] = await sink.waitForMessages(1);
    expect(message).toMatchObject({
      chat: 'tg:-100123',
      isGroup: true,
      chatName: 'Family',
      mentionsBot: false,
      replyToBot: false,
    });
  });

  it('sees an @mention of the bot in a group', async () => {
    const text = `hey @${tg.bot.username} what's up`;
    tg.userSends({
      chat: groupChat(-100123),
      text,
      entities: [{ type: 'mention', offset: 4, length: tg.bot.username.length + 1 }],
    });
    const [message] = await sink.waitForMessages(1);
    expect(message!.mentionsBot).toBe(true);
  });

  it('sees a reply to one of the bot messages', async () => {
    const sent = await channel.send('tg:-100123', { text: 'I am the bot' });
    const botMessage = tg.sent.get(Number(sent.platformId))!;
    tg.userSends({ chat: groupChat(-100123), text: 'replying', replyTo: botMessage });
    const [message] = await sink.waitForMessages(1);
    expect(message).toMatchObject({ replyToBot: true, replyToPlatformId: sent.platformId });
  });

  it('ignores its own messages', async () => {
    tg.userSends({ chat: groupChat(-100123), from: { ...tg.bot }, text: 'echo' });
    tg.userSends({ chat: groupChat(-100123), text: 'after' });
    const messages = await sink.waitForMessages(1);
    await sleep(100);
    expect(messages.map((m) => m.text)).toEqual(['after']);
  });

  it('splits a long reply at 4096 and threads only the first part', async () => {
    const paragraphs = Array.from({ length: 30 }, (_, i) => `Paragraph ${i}: ${'lorem ipsum '.repeat(30)}`);
    await channel.send('tg:42', { text: paragraphs.join('\n\n'), replyTo: '77' });
    const calls = tg.callsOf('sendMessage');
    expect(calls.length).toBeGreaterThan(2);
    for (const call of calls) expect(String(call.text).length).toBeLessThanOrEqual(4096);
    expect(calls[0]!.reply_parameters).toEqual({ message_id: 77, allow_sending_without_reply: true });
    expect(calls.slice(1).every((c) => c.reply_parameters === undefined)).toBe(true);
    expect(calls.map((c) => c.text).join('\n\n')).toContain('Paragraph 29');
  });

  it('finishes a streamed reply: the preview is edited to the rendered text, the rest of a long one follows', async () => {
    const preview = channel.stream('tg:42', { replyTo: '77' });
    preview.update('Hel');
    await vi.waitFor(() => expect(preview.platformId).toBeDefined());
    const id = await preview.end();
    expect(tg.callsOf('sendMessage')).toMatchObject([{ text: 'Hel' }]);
    const long = `**Hello** ${'lorem ipsum '.repeat(400)}\n\n${'dolor sit '.repeat(100)}`;
    const sent = await channel.send('tg:42', { text: long, replyTo: '77', edit: id });
    expect(sent.platformId).toBe(id);
    const [edit] = tg.callsOf('editMessageText');
    expect(edit).toMatchObject({ message_id: Number(id), parse_mode: 'HTML' });
    expect(String(edit!.text)).toMatch(/^<b>Hello<\/b>/);
    expect(tg.callsOf('sendMessage')).toHaveLength(2); // the preview, then the second part
  });

  it('replaces a streamed preview that is gone with a new message: the reply still arrives once', async () => {
    const sent = await channel.send('tg:42', { text: 'final words', edit: '999999' });
    expect(tg.callsOf('editMessageText')).toHaveLength(1);
    expect(tg.callsOf('sendMessage')).toMatchObject([{ text: 'final words' }]);
    expect(sent.platformId).not.toBe('999999');
  });

  it('finishes a streamed reply as plain text when Telegram rejects its entities; an unchanged edit is done', async () => {
    const preview = channel.stream('tg:42', {});
    preview.update('plain words');
    await vi.waitFor(() => expect(preview.platformId).toBeDefined());
    const id = await preview.end();
    tg.failNext('editMessageText', { code: 400, description: "Bad Request: can't parse entities: bad tag" });
    const sent = await channel.send('tg:42', { text: 'plain words', edit: id });
    expect(sent.platformId).toBe(id);
    const [rejected, plain] = tg.callsOf('editMessageText');
    expect(rejected!.parse_mode).toBe('HTML');
    expect(plain).toMatchObject({ text: 'plain words', message_id: Number(id) });
    expect(plain!.parse_mode).toBeUndefined();
    // The plain text equals the preview ("message is not modified"): nothing more is sent.
    expect(tg.callsOf('sendMessage')).toHaveLength(1);
  });

  it('renders Markdown as Telegram HTML', async () => {
    await channel.send('tg:42', { text: '**bold** and `a < b`' });
    expect(tg.callsOf('sendMessage')[0]).toMatchObject({
      parse_mode: 'HTML',
      text: '<b>bold</b> and <code>a &lt; b</code>',
    });
  });

  it('falls back to plain text when Telegram rejects the entities', async () => {
    tg.failNext('sendMessage', {
      code: 400,
      description: "Bad Request: can't parse entities: unsupported start tag",
    });
    const sent = await channel.send('tg:42', { text: '**bold** [link](https://example.org)' });
    const [rejected, plain] = tg.callsOf('sendMessage');
    expect(rejected!.parse_mode).toBe('HTML');
    expect(plain).toMatchObject({ text: 'bold link (https://example.org)' });
    expect(plain!.parse_mode).toBeUndefined();
    expect(tg.sent.has(Number(sent.platformId))).toBe(true);
  });

  it('waits out a 429 with retry_after and then delivers once', async () => {
    tg.failNext('sendMessage', { code: 429, retryAfter: 1 });
    const started = Date.now();
    await channel.send('tg:42', { text: 'patience' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(tg.callsOf('sendMessage')).toHaveLength(2);
    expect([...tg.sent.values()].filter((m) => m.text === 'patience')).toHaveLength(1);
  });

  it('does not resend a message whose connection dropped (the outbox decides)', async () => {
    tg.failNext('sendMessage', 'drop');
    await expect(channel.send('tg:42', { text: 'maybe delivered' })).rejects.toThrow(
      /Telegram: sending to tg:42 failed/,
    );
    expect(tg.callsOf('sendMessage')).toHaveLength(1);
  });

  it('adds and removes a reaction', async () => {
    await channel.react('tg:42', '555', '👍', false);
    await channel.react('tg:42', '555', '👍', true);
    expect(tg.callsOf('setMessageReaction')).toEqual([
      { chat_id: '42', message_id: 555, reaction: [{ type: 'emoji', emoji: '👍' }] },
      { chat_id: '42', message_id: 555, reaction: [] },
    ]);
  });

  it('explains a reaction Telegram refuses', async () => {
    tg.failNext('setMessageReaction', { code: 400, description: 'Bad Request: REACTION_INVALID' });
    await expect(channel.react('tg:42', '555', '🦖', false)).rejects.toThrow(
      /could not add reaction 🦖 on tg:42\/555.*REACTION_INVALID/,
    );
  });

  it('shows typing while working, refreshes it, and stops when idle', async () => {
    await channel.notify('tg:42', { kind: 'working' }, { streamThread: false });
    await expect
      .poll(() => tg.callsOf('sendChatAction').length, { timeout: 5_000 })
      .toBeGreaterThanOrEqual(3);
    expect(tg.callsOf('sendChatAction')[0]).toEqual({ chat_id: '42', action: 'typing' });
    await channel.notify('tg:42', { kind: 'idle' }, { streamThread: false });
    await sleep(50); // a refresh already on the wire may still land
    const count = tg.callsOf('sendChatAction').length;
    await sleep(350);
    expect(tg.callsOf('sendChatAction').length).toBe(count);
  });

  it('stops typing when the work fails', async () => {
    await channel.notify('tg:42', { kind: 'working' }, { streamThread: false });
    await tg.waitForCall('sendChatAction');
    await channel.notify('tg:42', { kind: 'failed', error: 'boom' }, { streamThread: false });
    await sleep(50);
    const count = tg.callsOf('sendChatAction').length;
    await sleep(350);
    expect(tg.callsOf('sendChatAction').length).toBe(count);
  });

  it('streams progress into one status message, edited at a bounded rate', async () => {
    const context = { streamThread: true, triggerPlatformId: '900' };
    await channel.notify('tg:-100123', { kind: 'working' }, context);
    await channel.notify('tg:-100123', { kind: 'progress', text: 'Reading files' }, context);
    await tg.waitForCall('sendMessage');
    for (const step of ['Running **tests**', 'Fixing a bug', 'Running tests again']) {
      await channel.notify('tg:-100123', { kind: 'progress', text: step }, context);
    }
    await channel.notify('tg:-100123', { kind: 'idle' }, context);
    const [status] = tg.callsOf('sendMessage');
    expect(status).toMatchObject({ text: 'Reading files', reply_parameters: { message_id: 900 } });
    const edits = tg.callsOf('editMessageText');
    expect(edits.length).toBe(1);
    expect(edits[0]!.text).toBe('Reading files\nRunning tests\nFixing a bug\nRunning tests again');
  });

  it('ignores progress when the route does not stream', async () => {
    await channel.notify('tg:42', { kind: 'progress', text: 'thinking' }, { streamThread: false });
    await channel.notify('tg:42', { kind: 'idle' }, { streamThread: false });
    expect(tg.callsOf('sendMessage')).toEqual([]);
  });

  it('sends a file as a document', async () => {
    const path = join(dir, 'report.txt');
    await writeFile(path, 'numbers');
    await channel.send('tg:42', { text: 'here you go', files: [path] });
    const [doc] = tg.callsOf('sendDocument');
    expect(doc).toMatchObject({ chat_id: 42, document_filename: 'report.txt' });
    expect(String(doc!.document_content)).toBe('numbers');
  });

  it('sends a 3 MB document again, whole, after a 429', async () => {
    const path = join(dir, 'large.bin');
    const content = Buffer.alloc(3 * 1024 * 1024, 'a');
    content.write('first bytes', 0);
    await writeFile(path, content);
    tg.failNext('sendDocument', { code: 429, retryAfter: 1 });
    await channel.send('tg:42', { text: 'the data', files: [path] });
    const calls = tg.callsOf('sendDocument');
    expect(calls).toHaveLength(2);
    const sent = Buffer.from(calls[1]!.document_content as Buffer);
    expect(sent.length).toBe(content.length);
    expect(sent.subarray(0, 11).toString()).toBe('first bytes');
  });

  it('send_file: the agent’s file reaches Telegram through the outbox, with its caption', async () => {
    const rig = sendFileRig(channel);
    try {
      rig.put('out/report.txt', 'agent numbers');
      const sent = await rig.services.sendFile(sendAs('tg:42', 'out/report.txt', 'the report'));
      const doc = tg.callsOf('sendDocument').at(-1);
      expect(doc).toMatchObject({ chat_id: 42, document_filename: 'report.txt' });
      expect(String(doc!.document_content)).toBe('agent numbers');
      expect(rig.store.outbox.get(1)).toMatchObject({ status: 'sent', platformId: sent.platformId });
    } finally {
      rig.close();
    }
  });

  it('send_file across a crash: the persisted row is sent exactly once after the restart, from the staged copy', async () => {
    const rig = sendFileRig(channel);
    try {
      rig.put('report.txt', 'before the crash');
      rig.outbox.stop(); // the host dies right after the row is stored
      void rig.services.sendFile(sendAs('tg:42', 'report.txt'));
      await vi.waitFor(() => expect(rig.store.outbox.counts().pending).toBe(1));
      const documents = () => tg.callsOf('sendDocument').length;
      const sentBefore = documents();
      rmSync(join(rig.agentRoot, 'report.txt')); // the agent's own file is gone by then
      const restarted = new Outbox({
        store: rig.store.outbox,
        channels: { forChat: () => channel },
        logger: silentLogger(),
      });
      restarted.kick();
      restarted.kick();
      await vi.waitFor(() => expect(rig.store.outbox.counts()).toMatchObject({ pending: 0, sent: 1 }));
      await new Promise((r) => setTimeout(r, 100));
      expect(documents() - sentBefore).toBe(1);
      expect(String(tg.callsOf('sendDocument').at(-1)!.document_content)).toBe('before the crash');
      restarted.stop();
    } finally {
      rig.close();
    }
  });

  it('refuses a chat id that is not Telegram', async () => {
    await expect(channel.send('dc:123', { text: 'x' })).rejects.toThrow(/not a Telegram chat id/);
    await expect(channel.send('tg:../../x', { text: 'x' })).rejects.toThrow(/not a Telegram chat id/);
    await expect(channel.send('tg:42', { text: 'x', replyTo: '../1' })).rejects.toThrow(/not a message id/);
    await expect(channel.react('tg:42', 'NaN', '👍', false)).rejects.toThrow(/not a message id/);
  });

  it('loses no message when the connection drops mid-conversation', async () => {
    tg.userSends({ chat: privateChat(42), text: 'one' });
    await sink.waitForMessages(1);
    const mark = sink.states.length;
    tg.setDown(true);
    await sink.waitForState('disconnected', mark);
    tg.userSends({ chat: privateChat(42), text: 'two' });
    tg.userSends({ chat: privateChat(42), text: 'three' });
    tg.setDown(false);
    await sink.waitForState('connected', mark);
    const messages = await sink.waitForMessages(3);
    expect(messages.map((m) => m.text)).toEqual(['one', 'two', 'three']);
    await sleep(100);
    expect(sink.messages).toHaveLength(3);
  });

  it('recovers from 5xx answers to getUpdates', async () => {
    tg.failNext('getUpdates', { code: 502, description: 'Bad Gateway' }, 2);
    tg.userSends({ chat: privateChat(42), text: 'still here' });
    const [message] = await sink.waitForMessages(1);
    expect(message!.text).toBe('still here');
  });

  it('downloads a document into the inbox under a safe name', async () => {
    tg.addFile('f1', 'documents/file_1.sh', Buffer.from('echo hi'));
    tg.userSends({
      chat: privateChat(42),
      caption: 'run this',
      document: { file_id: 'f1', file_name: '../../evil.sh', file_size: 7 },
    });
    const [message] = await sink.waitForMessages(1);
    expect(message!.text).toBe('run this');
    expect(message!.attachments).toEqual([{ name: 'evil.sh', file: 'evil.sh', mime: undefined, size: 7 }]);
    expect(await readFile(join(dir, 'agent', 'inbox', 'evil.sh'), 'utf8')).toBe('echo hi');
    expect(await readdir(dir)).toEqual(['agent']);
    expect(logs()).not.toContain(tg.token);
  });

  it('downloads the largest size of a photo', async () => {
    tg.addFile('small', 'photos/s.jpg', Buffer.from('s'));
    tg.addFile('large', 'photos/l.jpg', Buffer.from('large'));
    tg.userSends({
      chat: privateChat(42),
      photo: [
        { file_id: 'small', width: 90, height: 90, file_size: 1 },
        { file_id: 'large', width: 800, height: 800, file_size: 5 },
      ],
    });
    const [message] = await sink.waitForMessages(1);
    expect(message!.attachments?.[0]).toMatchObject({
      name: expect.stringMatching(/^photo-\d+\.jpg$/),
      size: 5,
    });
    expect(await readFile(join(dir, 'agent', 'inbox', message!.attachments![0]!.file!), 'utf8')).toBe(
      'large',
    );
  });

  it('delivers a message whose file is too large with a note saying so, without logging the token', async () => {
    tg.addFile('big', 'documents/big.bin', Buffer.alloc(5000, 1));
    tg.userSends({
      chat: privateChat(42),
      caption: 'big one',
      document: { file_id: 'big', file_name: 'big.bin' },
    });
    tg.addFile('liar', 'documents/liar.bin', Buffer.alloc(5000, 1), 10);
    tg.userSends({
      chat: privateChat(42),
      caption: 'lying size',
      document: { file_id: 'liar', file_name: 'liar.bin', file_size: 10 },
    });
    const messages = await sink.waitForMessages(2);
    // The first is refused on its announced size (no size known: none shown); the second
    // lied about its size and is cut off while downloading.
    expect(messages.map((m) => [m.text, m.attachments])).toEqual([
      ['big one', [{ name: 'big.bin', notReceived: 'over the 1000 bytes limit' }]],
      ['lying size', [{ name: 'liar.bin', notReceived: 'over the 1000 bytes limit', size: 10 }]],
    ]);
    expect(await readdir(join(dir, 'agent', 'inbox'))).toEqual([]);
    expect(logs()).toMatch(/attachment not downloaded/);
    expect(logs()).not.toContain(tg.token);
    expect(logs()).not.toContain(tg.token.split(':')[1]!);
  });

  it('tells the agent about a file whose download failed, and the prompt shows it', async () => {
    tg.userSends({
      chat: privateChat(42),
      caption: 'holiday',
      document: { file_id: 'gone', file_name: 'photo.jpg', file_size: 700 },
    });
    const [message] = await sink.waitForMessages(1);
    expect(message!.attachments).toEqual([
      { name: 'photo.jpg', notReceived: 'the download failed', size: 700 },
    ]);
    const prompt = formatMessages([stored(message!)]);
    expect(prompt).toContain('holiday\n[file photo.jpg (700 bytes) not received: the download failed]');
  });

  it('does not download for a chat without an inbox', async () => {
    tg.addFile('f2', 'documents/x.txt', Buffer.from('x'));
    tg.userSends({ chat: groupChat(-100), caption: 'file', document: { file_id: 'f2', file_name: 'x.txt' } });
    const [message] = await sink.waitForMessages(1);
    expect(message!.attachments).toBeUndefined();
    expect(tg.callsOf('getFile')).toEqual([]);
  });

  it('survives hostile payloads and keeps going', async () => {
    tg.pushUpdate({ edited_message: { message_id: 1 } });
    tg.pushUpdate({ message: { message_id: 'x', chat: { id: 1, type: 'private' } } });
    tg.pushUpdate({ message: { message_id: 5 } });
    tg.pushUpdate({ message: null });
    tg.pushUpdate({
      message: { message_id: 6, chat: { id: 42, type: 'private' }, entities: [{ type: 'mention' }] },
    });
    const odd = 'שלום \u202Eevil\u202C 👨‍👩‍👧‍👦 zero\u200Bwidth a\uD800b';
    tg.userSends({ chat: privateChat(42), text: odd });
    tg.userSends({ chat: privateChat(42), text: 'x'.repeat(1_000_000) });
    const messages = await sink.waitForMessages(3);
    expect(messages[0]).toMatchObject({ platformId: '6', text: '', senderId: 'unknown' });
    expect(messages[1]!.text).toBe('שלום \u202Eevil\u202C 👨‍👩‍👧‍👦 zero\u200Bwidth a\uFFFDb');
    expect(messages[2]!.text.length).toBeLessThan(70_000);
    expect(messages[2]!.text).toMatch(/more characters cut\]$/);
    expect(tg.pendingUpdates()).toBeLessThanOrEqual(7);
  });

  it('formats mentions', () => {
    expect(channel.formatMention('12345')).toBe('[12345](tg://user?id=12345)');
    expect(channel.formatMention('@ada')).toBe('@ada');
    expect(channel.formatMention('ada')).toBe('@ada');
  });
});

describe('Telegram channel when the platform is unreachable', () => {
  it('offers send_file the upload limit in effect, not the default', () => {
    const limits = { ...FAST, maxUploadBytes: 4096 };
    const channel = createTelegramChannel({ token: '1:x', logger: capturedLogger().logger, limits });
    expect(channel.capabilities.maxFileBytes).toBe(4096);
  });

  it('fails to connect with a clear error and state "failed"', async () => {
    const sink = recordingSink();
    const channel = createTelegramChannel({
      token: '1:abc',
      apiRoot: 'http://127.0.0.1:9',
      logger: capturedLogger().logger,
      limits: { ...FAST, retry: { maxAttempts: 1, maxRetryAfterSeconds: 1, baseDelayMs: 10 } },
    });
    await expect(channel.connect(sink)).rejects.toThrow(
      /Telegram: cannot connect to http:\/\/127\.0\.0\.1:9 .*check channels\.telegram\.token/,
    );
    expect(channel.state()).toBe('failed');
    expect(sink.states.at(-1)?.state).toBe('failed');
    await channel.disconnect();
  });

  it('fails when the token is rejected, without logging it', async () => {
    const tg = await startFakeTelegram();
    const captured = capturedLogger();
    const channel = createTelegramChannel({
      token: '1:wrong-token-value',
      apiRoot: tg.apiRoot,
      logger: captured.logger,
      limits: FAST,
    });
    const error = await channel.connect(recordingSink()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelRejectedError);
    expect((error as Error).message).toMatch(/Telegram rejected the bot token \(401 Unauthorized/);
    expect(channel.state()).toBe('failed');
    expect(captured.output()).not.toContain('wrong-token-value');
    await tg.close();
  });

  it('stops polling with state "failed" when another instance takes the updates (409)', async () => {
    const tg = await startFakeTelegram();
    const channel = createTelegramChannel({
      token: tg.token,
      apiRoot: tg.apiRoot,
      logger: capturedLogger().logger,
      limits: FAST,
    });
    const sink = recordingSink();
    tg.failNext('getUpdates', { code: 409, description: 'Conflict: terminated by other getUpdates request' });
    await channel.connect(sink);
    await sink.waitForState('failed');
    expect(sink.states.at(-1)?.detail).toMatch(/another process is polling/);
    await channel.disconnect();
    await tg.close();
  });
});
