/**
 * The WhatsApp channel driven through baileys' own event buffer (makeEventBuffer): the
 * WhatsApp protocol cannot be faked, so the socket factory hands the adapter an object whose
 * `ev` is the real baileys emitter and whose send calls are recorded. Auth state is the real
 * useMultiFileAuthState in a temp dir.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { sendAs, sendFileRig } from './send-file-kit.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { DisconnectReason, type WAMessage } from 'baileys';
import { fakeSocket, type FakeSocket } from '../fakes/fake-whatsapp.js';
import { WhatsAppChannel, type WhatsAppChannelOptions } from '../../src/channels/whatsapp/index.js';
import type { ChannelState, InboundMessage, InboundReaction } from '../../src/domain/channel.js';
import { silentLogger } from '../../src/observability/logger.js';
import { classifySendError } from '../../src/domain/send-error.js';

const BOT = '15550001111@s.whatsapp.net';
const BOT_LID = '99887766@lid';
const ALICE = '4915112345678@s.whatsapp.net';
const GROUP = '120363000000000001@g.us';

interface Harness {
  channel: WhatsAppChannel;
  sockets: FakeSocket[];
  socket(): FakeSocket;
  inbound: InboundMessage[];
  reactions: InboundReaction[];
  states: { state: ChannelState; detail?: string }[];
  authDir: string;
  inbox: string;
  qrs: string[];
  waitFor(predicate: () => boolean, what: string): Promise<void>;
}

const dirs: string[] = [];
const channels: WhatsAppChannel[] = [];
afterEach(async () => {
  for (const channel of channels.splice(0)) await channel.disconnect();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function harness(overrides: Partial<WhatsAppChannelOptions> = {}, open = true): Promise<Harness> {
  const root = mkdtempSync(join(tmpdir(), 'wa-'));
  dirs.push(root);
  const authDir = join(root, 'whatsapp-auth');
  const inbox = join(root, 'agent', 'inbox');
  mkdirSync(inbox, { recursive: true });
  const sockets: FakeSocket[] = [];
  const inbound: InboundMessage[] = [];
  const reactions: InboundReaction[] = [];
  const states: { state: ChannelState; detail?: string }[] = [];
  const qrs: string[] = [];
  const channel = new WhatsAppChannel({
    authDir,
    logger: silentLogger(),
    inboxFor: () => inbox,
    backoff: { baseMs: 5, maxMs: 20 },
    limits: { maxFileBytes: 1024, typingRefreshMs: 20 },
    socketFactory: () => {
      const socket = fakeSocket({ '55443322': ALICE });
      sockets.push(socket);
      return socket;
    },
    onQr: (qr) => void qrs.push(qr),
    ...overrides,
  });
  channels.push(channel);
  const waitFor = async (predicate: () => boolean, what: string): Promise<void> => {
    const deadline = Date.now() + 3_000;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const connecting = channel.connect({
    inbound: (m) => (inbound.push(m), { accepted: true }),
    state: (state, detail) => void states.push({ state, detail }),
    reaction: (r) => void reactions.push(r),
  });
  const h: Harness = {
    channel,
    sockets,
    socket: () => sockets[sockets.length - 1]!,
    inbound,
    reactions,
    states,
    authDir,
    inbox,
    qrs,
    waitFor,
  };
  if (open) {
    await waitFor(() => sockets.length > 0, 'the socket');
    h.socket().emit('connection.update', { connection: 'open' });
    await connecting;
  } else {
    connecting.catch(() => undefined);
    (h as Harness & { connecting: Promise<void> }).connecting = connecting;
  }
  return h;
}

let idCounter = 0;
function waMessage(fields: {
  chat?: string;
  participant?: string;
  text?: string;
  message?: Record<string, unknown>;
  fromMe?: boolean;
  id?: string;
  pushName?: string;
  remoteJidAlt?: string;
}): WAMessage {
  return {
    key: {
      remoteJid: fields.chat ?? ALICE,
      fromMe: fields.fromMe ?? false,
      id: fields.id ?? `MSG${++idCounter}`,
      participant: fields.participant,
      remoteJidAlt: fields.remoteJidAlt,
    },
    message: fields.message ?? { conversation: fields.text ?? 'hello' },
    messageTimestamp: 1_700_000_000,
    pushName: fields.pushName ?? 'Alice',
  } as WAMessage;
}

const upsert = (h: Harness, ...messages: WAMessage[]): void =>
  h.socket().emit('messages.upsert', { messages, type: 'notify' });

const closeWith = (h: Harness, code: number): void =>
  h.socket().emit('connection.update', {
    connection: 'close',
    // Shaped like the Boom baileys puts there (output.statusCode).
    lastDisconnect: {
      error: Object.assign(new Error('closed'), { output: { statusCode: code } }),
      date: new Date(),
    },
  });

describe('WhatsApp channel (through baileys’ event buffer)', () => {
  it('passes a DM on with the phone JID as chat id, the push name and the time', async () => {
    const h = await harness();
    upsert(h, waMessage({ text: 'hi omni', id: 'A1' }));
    await h.waitFor(() => h.inbound.length === 1, 'the DM');
    expect(h.inbound[0]).toMatchObject({
      channel: 'whatsapp',
      chat: ALICE,
      platformId: 'A1',
      senderId: ALICE,
      senderName: 'Alice',
      text: 'hi omni',
      timestamp: 1_700_000_000_000,
      isGroup: false,
      mentionsBot: false,
      replyToBot: false,
    });
    expect(h.channel.state()).toBe('connected');
  });

  it('reports a group message without a trigger, a mention of the bot, and a reply to the bot', async () => {
    const h = await harness();
    upsert(
      h,
      waMessage({ chat: GROUP, participant: ALICE, text: 'just talking' }),
      waMessage({
        chat: GROUP,
        participant: ALICE,
        message: { extendedTextMessage: { text: '@15550001111 help', contextInfo: { mentionedJid: [BOT] } } },
      }),
      waMessage({
        chat: GROUP,
        participant: ALICE,
        message: { extendedTextMessage: { text: 'by lid', contextInfo: { mentionedJid: [BOT_LID] } } },
      }),
      waMessage({
        chat: GROUP,
        participant: ALICE,
        message: {
          extendedTextMessage: {
            text: 'and?',
            contextInfo: { stanzaId: 'SENT9', participant: '15550001111:7@s.whatsapp.net' },
          },
        },
      }),
    );
    await h.waitFor(() => h.inbound.length === 4, 'four group messages');
    const [plain, mention, lidMention, reply] = h.inbound;
    expect(plain).toMatchObject({
      chat: GROUP,
      senderId: ALICE,
      isGroup: true,
      mentionsBot: false,
      replyToBot: false,
    });
    expect(mention).toMatchObject({ mentionsBot: true, text: 'help' });
    expect(lidMention?.mentionsBot).toBe(true);
    expect(reply).toMatchObject({ replyToBot: true, replyToPlatformId: 'SENT9' });
  });

  it('normalises @lid ids to phone JIDs where baileys has the mapping', async () => {
    const h = await harness();
    upsert(
      h,
      waMessage({ chat: '55443322@lid', text: 'via mapping' }),
      waMessage({ chat: '11112222@lid', remoteJidAlt: '4917000000000@s.whatsapp.net', text: 'via alt' }),
      waMessage({ chat: '77778888@lid', text: 'unknown' }),
      waMessage({ chat: GROUP, participant: '55443322@lid', text: 'group lid' }),
    );
    await h.waitFor(() => h.inbound.length === 4, 'four messages');
    expect(h.inbound.map((m) => [m.chat, m.senderId])).toEqual([
      [ALICE, ALICE],
      ['4917000000000@s.whatsapp.net', '4917000000000@s.whatsapp.net'],
      ['77778888@lid', '77778888@lid'],
      [GROUP, ALICE],
    ]);
  });

  it('passes a message WhatsApp hands over twice (after a reconnect) on once', async () => {
    const h = await harness();
    upsert(h, waMessage({ id: 'TWICE', text: 'first delivery' }));
    upsert(h, waMessage({ id: 'TWICE', text: 'first delivery' }), waMessage({ id: 'AFTER', text: 'next' }));
    await h.waitFor(() => h.inbound.some((m) => m.platformId === 'AFTER'), 'the message after it');
    expect(h.inbound.map((m) => m.platformId)).toEqual(['TWICE', 'AFTER']);
  });

  it('ignores its own echoes: fromMe, ids it sent, and its own account on another device', async () => {
    const h = await harness();
    const sent = await h.channel.send(ALICE, { text: 'from the bot' });
    upsert(
      h,
      waMessage({ fromMe: true, text: 'echo' }),
      waMessage({ id: sent.platformId, text: 'echo by id' }),
      waMessage({ chat: GROUP, participant: '15550001111:3@s.whatsapp.net', text: 'me elsewhere' }),
      waMessage({ chat: 'status@broadcast', participant: ALICE, text: 'a status' }),
      waMessage({
        chat: GROUP,
        participant: ALICE,
        message: { groupStatusMessageV2: { message: { conversation: 'a status shared into a group' } } },
      }),
      waMessage({ message: { reactionMessage: { text: '👍' } } }),
      waMessage({ text: 'real' }),
    );
    await h.waitFor(() => h.inbound.length === 1, 'the real message');
    await new Promise((r) => setTimeout(r, 30));
    expect(h.inbound.map((m) => m.text)).toEqual(['real']);
  });

  it('reports a reaction on a message, in a DM and in a group, never its own or one taken back', async () => {
    const h = await harness();
    const sent = await h.channel.send(ALICE, { text: 'approve?' });
    const on = (id: string, text: string) => ({
      reactionMessage: { key: { remoteJid: ALICE, fromMe: true, id }, text },
    });
    upsert(
      h,
      waMessage({ fromMe: true, message: on(sent.platformId, '👍') }),
      waMessage({ message: on(sent.platformId, '') }),
      waMessage({ message: { reactionMessage: { text: '👍' } } }),
      waMessage({ message: on(sent.platformId, '👍🏻') }),
      waMessage({ chat: GROUP, participant: ALICE, message: on('GROUPMSG', '👎') }),
      waMessage({ text: 'after' }),
    );
    await h.waitFor(() => h.inbound.length === 1, 'the message after them');
    expect(h.inbound.map((m) => m.text)).toEqual(['after']);
    expect(h.reactions).toEqual([
      { channel: 'whatsapp', chat: ALICE, platformMessageId: sent.platformId, senderId: ALICE, emoji: '👍🏻' },
      { channel: 'whatsapp', chat: GROUP, platformMessageId: 'GROUPMSG', senderId: ALICE, emoji: '👎' },
    ]);
  });

  it('reads text from conversation, extended text, captions and wrapped (ephemeral/view-once) messages', async () => {
    const h = await harness({ inboxFor: () => undefined });
    upsert(
      h,
      waMessage({ message: { extendedTextMessage: { text: 'extended' } } }),
      waMessage({ message: { imageMessage: { caption: 'a caption', mimetype: 'image/jpeg' } } }),
      waMessage({ message: { ephemeralMessage: { message: { conversation: 'ephemeral' } } } }),
      waMessage({ message: { viewOnceMessageV2: { message: { videoMessage: { caption: 'once' } } } } }),
      waMessage({
        message: {
          documentWithCaptionMessage: { message: { documentMessage: { caption: 'doc', fileName: 'a.pdf' } } },
        },
      }),
    );
    await h.waitFor(() => h.inbound.length === 5, 'five messages');
    expect(h.inbound.map((m) => m.text)).toEqual(['extended', 'a caption', 'ephemeral', 'once', 'doc']);
  });

  it('sends replies split at 4000, in WhatsApp formatting, quoting the message replied to, with real mentions', async () => {
    const h = await harness();
    upsert(h, waMessage({ id: 'Q1', text: 'question' }));
    await h.waitFor(() => h.inbound.length === 1, 'the question');
    const paragraph = 'word '.repeat(300).trim();
    const text = `**Answer** for @4915112345678\n\n${Array.from({ length: 6 }, () => paragraph).join('\n\n')}`;
    const sent = await h.channel.send(ALICE, { text, replyTo: 'Q1' });
    const texts = h.socket().sent.map((s) => (s.content as { text: string }).text);
    expect(texts.length).toBeGreaterThan(1);
    expect(texts.every((t) => t.length <= 4000)).toBe(true);
    expect(texts[0]?.startsWith('*Answer* for @4915112345678')).toBe(true);
    expect((h.socket().sent[0]?.content as { mentions?: string[] }).mentions).toEqual([ALICE]);
    expect(h.socket().sent[0]?.options?.quoted?.key.id).toBe('Q1');
    expect(h.socket().sent[1]?.options).toBeUndefined();
    expect(sent.platformId).toBe('SENT1');
    expect(h.channel.formatMention(ALICE)).toBe('@4915112345678');
  });

  it('sends files: images as images, the rest as documents', async () => {
    const h = await harness();
    const png = join(h.inbox, 'chart.png');
    const pdf = join(h.inbox, 'report.pdf');
    await import('node:fs/promises').then((fs) =>
      Promise.all([fs.writeFile(png, 'png'), fs.writeFile(pdf, 'pdf')]),
    );
    await h.channel.send(ALICE, { text: '', files: [png, pdf] });
    const contents = h.socket().sent.map((s) => s.content as Record<string, unknown>);
    expect(Object.keys(contents[0]!)).toContain('image');
    expect(contents[1]).toMatchObject({ fileName: 'report.pdf' });
  });

  it('send_file: the agent’s file reaches WhatsApp through the outbox', async () => {
    const h = await harness();
    const rig = sendFileRig(h.channel);
    try {
      rig.put('report.pdf', 'pdf bytes');
      await rig.services.sendFile(sendAs(ALICE, 'report.pdf', 'here'));
      const content = h.socket().sent.at(-1)!.content as Record<string, unknown>;
      expect(content).toMatchObject({ fileName: 'report.pdf' });
    } finally {
      rig.close();
    }
  });

  it('adds and removes reactions on a message it saw', async () => {
    const h = await harness();
    upsert(h, waMessage({ chat: GROUP, participant: ALICE, id: 'R1', text: 'react to me' }));
    await h.waitFor(() => h.inbound.length === 1, 'the message');
    await h.channel.react(GROUP, 'R1', '👍', false);
    await h.channel.react(GROUP, 'R1', '👍', true);
    const reacts = h
      .socket()
      .sent.map(
        (s) => (s.content as { react: { text: string; key: { id: string; participant?: string } } }).react,
      );
    expect(reacts.map((r) => r.text)).toEqual(['👍', '']);
    expect(reacts[0]?.key).toMatchObject({ id: 'R1', participant: ALICE });
  });

  it('hands the outbox a send cut off by a dropped connection as an outage to wait out', async () => {
    const h = await harness();
    // Shaped like the Boom baileys throws (isBoom, output.statusCode).
    const boom = (message: string, statusCode: number) =>
      Object.assign(new Error(message), { isBoom: true, output: { statusCode } });
    h.socket().sendMessage = async () => {
      throw boom('Connection Closed', DisconnectReason.connectionClosed);
    };
    const closed = await h.channel.send(ALICE, { text: 'x' }).catch((e: unknown) => e);
    expect(classifySendError(closed)).toEqual({ kind: 'unavailable', retryAfterMs: undefined });
    expect((closed as Error).message).toBe(`whatsapp: sending to ${ALICE} failed: Connection Closed`);
    h.socket().sendMessage = async () => {
      throw boom('bad-request', 400);
    };
    const refused = await h.channel.send(ALICE, { text: 'x' }).catch((e: unknown) => e);
    // Not an outage: left unclassified, so the outbox counts its attempts.
    expect(classifySendError(refused)).toBeUndefined();
  });

  it('says which reaction on which message failed', async () => {
    const h = await harness();
    h.socket().sendMessage = async () => {
      throw new Error('socket closed');
    };
    await expect(h.channel.react(ALICE, 'R2', '👍', false)).rejects.toThrow(
      `WhatsApp: could not add reaction 👍 on ${ALICE}/R2: socket closed`,
    );
  });

  it('shows typing while working, refreshes it, and pauses when done; progress is not streamed', async () => {
    const h = await harness();
    const ctx = { triggerPlatformId: 'X', streamThread: true };
    await h.channel.notify(ALICE, { kind: 'working' }, ctx);
    await h.channel.notify(ALICE, { kind: 'progress', text: 'thinking' }, ctx);
    await new Promise((r) => setTimeout(r, 70));
    await h.channel.notify(ALICE, { kind: 'idle' }, ctx);
    const types = h.socket().presence.map((p) => p.type);
    expect(types[0]).toBe('composing');
    expect(types.filter((t) => t === 'composing').length).toBeGreaterThan(1);
    expect(types[types.length - 1]).toBe('paused');
    expect(h.socket().sent).toEqual([]);
    const count = h.socket().presence.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(h.socket().presence.length).toBe(count);
  });

  it('downloads media into the inbox under a safe name, within the size limit', async () => {
    const h = await harness({
      mediaDownloader: async (msg) =>
        msg.key.id === 'BIG'
          ? Readable.from([Buffer.alloc(800), Buffer.alloc(800)])
          : Buffer.from('%PDF-1.4'),
    });
    upsert(
      h,
      waMessage({
        id: 'DOC',
        message: {
          documentMessage: {
            fileName: '../../.ssh/authorized_keys',
            mimetype: 'application/pdf',
            fileLength: 8,
            caption: 'my doc',
          },
        },
      }),
      waMessage({
        id: 'HUGE',
        message: { documentMessage: { fileName: 'huge.bin', fileLength: 10_000_000 } },
      }),
      waMessage({ id: 'BIG', message: { imageMessage: { mimetype: 'image/jpeg', fileLength: 10 } } }),
    );
    await h.waitFor(() => h.inbound.length === 3, 'three media messages');
    const [doc, huge, big] = h.inbound;
    expect(doc?.text).toBe('my doc');
    expect(doc?.attachments?.[0]).toMatchObject({
      name: 'authorized_keys',
      file: 'authorized_keys',
      size: 8,
    });
    expect(readFileSync(join(h.inbox, 'authorized_keys'), 'utf8')).toBe('%PDF-1.4');
    expect(huge?.attachments).toEqual([
      expect.objectContaining({ notReceived: 'over the 1 KB limit', size: expect.any(Number) }),
    ]);
    expect(big?.attachments).toEqual([expect.objectContaining({ notReceived: 'over the 1 KB limit' })]);
    expect(huge?.text).not.toMatch(/not downloaded/);
  });

  it('survives hostile payloads: missing fields, huge text, odd Unicode, garbage content', async () => {
    const h = await harness({ limits: { maxInboundText: 1000 } });
    upsert(
      h,
      { key: {} } as WAMessage,
      { key: { remoteJid: ALICE } } as WAMessage,
      { key: { remoteJid: ALICE, id: 'x'.repeat(500) }, message: { conversation: 'long id' } } as WAMessage,
      { key: { remoteJid: ALICE, id: 'NOMSG' }, message: null } as WAMessage,
      { key: { remoteJid: GROUP, id: 'NOPART' }, message: { conversation: 'who?' } } as WAMessage,
      waMessage({ message: { extendedTextMessage: { text: 42 } } }),
      waMessage({ text: 'y'.repeat(100_000), id: 'HUGE' }),
      waMessage({ text: 'e\u0301 \u202e 😀 \uD800', id: 'ODD', pushName: '\u202eevil\u0000name' }),
    );
    h.socket().emit('messages.upsert', { messages: 'not an array', type: 'notify' });
    await h.waitFor(() => h.inbound.length === 2, 'the two valid messages');
    const [huge, odd] = h.inbound;
    expect(huge?.text).toMatch(/more characters cut\]$/);
    expect(huge!.text.length).toBeLessThan(1100);
    expect(odd?.senderName).toBe('evilname');
    expect(odd?.text).toContain('😀');
    expect(odd?.text).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expect(h.channel.state()).toBe('connected');
  });

  it('saves credentials on creds.update into a 0700 auth folder, and disconnect() waits for the save', async () => {
    const h = await harness();
    h.socket().emit('creds.update', { me: { id: BOT } });
    // Right away: disconnect() returns only once the save it started has been written.
    await h.channel.disconnect();
    expect(statSync(h.authDir).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(join(h.authDir, 'creds.json'), 'utf8'))).toHaveProperty('noiseKey');
  });
});

describe('WhatsApp reconnect rules', () => {
  it.each([
    ['connectionLost', DisconnectReason.connectionLost],
    ['restartRequired', DisconnectReason.restartRequired],
    ['connectionClosed', DisconnectReason.connectionClosed],
    ['badSession', DisconnectReason.badSession],
  ])('reconnects after %s, with a new socket', async (_name, code) => {
    const h = await harness();
    closeWith(h, code);
    await h.waitFor(() => h.sockets.length === 2, 'a second socket');
    expect(h.sockets[0]?.ended).toBe(true);
    expect(h.channel.state()).toBe('connecting');
    h.socket().emit('connection.update', { connection: 'open' });
    await h.waitFor(() => h.channel.state() === 'connected', 'connected again');
  });

  it.each([
    ['loggedOut', DisconnectReason.loggedOut, /logged this device out.*omniclaw channels add whatsapp/],
    ['connectionReplaced', DisconnectReason.connectionReplaced, /another session/],
  ])('does not reconnect after %s and says what to do', async (_name, code, why) => {
    const h = await harness();
    closeWith(h, code);
    await h.waitFor(() => h.channel.state() === 'failed', 'failed');
    await new Promise((r) => setTimeout(r, 60));
    expect(h.sockets).toHaveLength(1);
    expect(h.states[h.states.length - 1]?.detail).toMatch(why);
    await expect(h.channel.send(ALICE, { text: 'x' })).rejects.toThrow(/not connected/);
  });

  it('backs off further on each failed attempt', async () => {
    const h = await harness({ backoff: { baseMs: 20, maxMs: 1_000, factor: 3 } });
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = h.sockets.length;
      const started = Date.now();
      closeWith(h, DisconnectReason.connectionLost);
      await h.waitFor(() => h.sockets.length === before + 1, 'the next socket');
      delays.push(Date.now() - started);
    }
    expect(delays[2]!).toBeGreaterThan(delays[0]!);
    expect(h.states.filter((s) => s.detail?.includes('reconnecting in'))).toHaveLength(3);
  });

  it('loses no message across a dropped connection: messages before and after both arrive, old socket ignored', async () => {
    const h = await harness();
    upsert(h, waMessage({ text: 'before', id: 'B1' }));
    await h.waitFor(() => h.inbound.length === 1, 'before');
    const old = h.socket();
    closeWith(h, DisconnectReason.connectionLost);
    await h.waitFor(() => h.sockets.length === 2, 'reconnect');
    old.emit('messages.upsert', {
      messages: [waMessage({ text: 'stale socket', id: 'S1' })],
      type: 'notify',
    });
    h.socket().emit('connection.update', { connection: 'open' });
    // WhatsApp delivers what arrived while offline once the new connection is up.
    h.socket().emit('messages.upsert', {
      messages: [waMessage({ text: 'while away', id: 'W1' })],
      type: 'append',
    });
    upsert(h, waMessage({ text: 'after', id: 'A2' }));
    await h.waitFor(() => h.inbound.length === 3, 'all three');
    expect(h.inbound.map((m) => m.text)).toEqual(['before', 'while away', 'after']);
  });

  it('stays disconnected after disconnect(): the close baileys emits on the ended socket reconnects nothing', async () => {
    const h = await harness();
    const old = h.socket();
    await h.channel.disconnect();
    expect(old.ended).toBe(true);
    // baileys' end() emits connection.update { connection: 'close' } on the socket it ends.
    closeWith(h, DisconnectReason.connectionLost);
    old.emit('connection.update', { connection: 'open' });
    await new Promise((r) => setTimeout(r, 60));
    expect(h.sockets).toHaveLength(1);
    expect(h.channel.state()).toBe('disconnected');
  });

  it('does not hold up start-up while WhatsApp is unreachable: connect returns and the channel keeps trying', async () => {
    const h = (await harness({ connectWaitMs: 30 }, false)) as Harness & { connecting: Promise<void> };
    await h.connecting;
    expect(h.channel.state()).toBe('connecting');
    closeWith(h, DisconnectReason.connectionLost);
    await h.waitFor(() => h.sockets.length === 2, 'a retry');
    h.socket().emit('connection.update', { connection: 'open' });
    await h.waitFor(() => h.channel.state() === 'connected', 'connected in the background');
    closeWith(h, DisconnectReason.loggedOut);
    await h.waitFor(() => h.channel.state() === 'failed', 'failed after logout');
  });

  it('refuses to pair from the daemon: a QR code means "run channels add whatsapp"', async () => {
    const h = (await harness({ allowPairing: false }, false)) as Harness & { connecting: Promise<void> };
    await h.waitFor(() => h.sockets.length === 1, 'the socket');
    h.socket().emit('connection.update', { qr: 'QR-DATA' });
    await expect(h.connecting).rejects.toThrow(/not paired.*omniclaw channels add whatsapp/);
    expect(h.channel.state()).toBe('failed');
    expect(h.qrs).toEqual([]);
  });

  it('shows QR codes when pairing is allowed, and connects after the restart WhatsApp asks for', async () => {
    const h = (await harness({ allowPairing: true }, false)) as Harness & { connecting: Promise<void> };
    await h.waitFor(() => h.sockets.length === 1, 'the socket');
    h.socket().emit('connection.update', { qr: 'QR-1' });
    h.socket().emit('connection.update', { qr: 'QR-2' });
    await h.waitFor(() => h.qrs.length === 2, 'two QR codes');
    closeWith(h, DisconnectReason.restartRequired);
    await h.waitFor(() => h.sockets.length === 2, 'the restart');
    h.socket().emit('connection.update', { connection: 'open' });
    await h.connecting;
    expect(h.qrs).toEqual(['QR-1', 'QR-2']);
    expect(h.channel.state()).toBe('connected');
  });
});
