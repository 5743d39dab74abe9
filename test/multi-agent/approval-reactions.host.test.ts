/**
 * Approval by reaction through the real host and the real Telegram, Discord, Slack and
 * WhatsApp adapters, each against its fake server on 127.0.0.1 (WhatsApp: its socket): 👍 on the host's approval request in
 * the main chat approves it, 👎 denies it; a reaction on another message, in another chat,
 * or with another emoji does nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WhatsAppChannel } from '../../src/channels/whatsapp/index.js';
import type { Channel } from '../../src/domain/channel.js';
import { silentLogger } from '../../src/observability/logger.js';
import { fakeSocket, type FakeSocket } from '../fakes/fake-whatsapp.js';
import { startFakeDiscord } from '../fakes/fake-discord.js';
import { startFakeSlack } from '../fakes/fake-slack.js';
import { privateChat, startFakeTelegram, user } from '../fakes/fake-telegram.js';
import { startTestHost, until, type TestHost } from '../helpers/host.js';
import { ask, seenIn, tool, toolAnswer, writeIn } from './agents.js';

/** One platform as the scenario below drives it. */
interface Platform {
  /** The `channels:` entry (or the channel itself, for WhatsApp) and the main agent's chat id. */
  channels: string;
  channel?: Channel;
  mainChat: string;
  /** The platform id of the host's message in the main chat that contains `what`. */
  hostMessage(what: string): Promise<string>;
  /** The operator adds `emoji` to message `id`, in the main chat or in another chat. */
  react(id: string, emoji: string, where?: 'main' | 'elsewhere'): void;
  /** Every text the host sent to the platform. */
  sentTexts(): string[];
  close(): Promise<void>;
}

async function telegram(): Promise<Platform> {
  const tg = await startFakeTelegram();
  return {
    channels: `telegram: { token: "${tg.token}", apiRoot: "${tg.apiRoot}" }`,
    mainChat: 'tg:42',
    async hostMessage(what) {
      await tg.waitForCall('sendMessage', (p) => String(p.text).includes(what), 20_000);
      const sent = [...tg.sent.values()].find((m) => String(m.text).includes(what));
      return String(sent!.message_id);
    },
    react: (id, emoji, where = 'main') =>
      void tg.pushUpdate({
        message_reaction: {
          chat: privateChat(where === 'main' ? 42 : 43),
          message_id: Number(id),
          user: user(42),
          date: Math.floor(Date.now() / 1000),
          old_reaction: [],
          new_reaction: [{ type: 'emoji', emoji }],
        },
      }),
    sentTexts: () => tg.callsOf('sendMessage').map((p) => String(p.text)),
    close: () => tg.close(),
  };
}

async function discord(): Promise<Platform> {
  const dc = await startFakeDiscord();
  const own = () =>
    [...dc.messages.values()].filter((m) => (m.author as { id: string }).id === dc.botUser.id);
  return {
    channels: `discord: { token: "${dc.token}", api: "${dc.api}" }`,
    mainChat: `dc:${dc.channels.general}`,
    hostMessage: (what) =>
      until(() => own().find((m) => String(m.content).includes(what))?.id as string, 20_000, what),
    react: (id, emoji, where = 'main') =>
      void dc.userReacts({
        channelId: where === 'main' ? dc.channels.general : dc.channels.random,
        messageId: id,
        emoji,
      }),
    sentTexts: () => own().map((m) => String(m.content)),
    close: () => dc.close(),
  };
}

async function slack(): Promise<Platform> {
  const fake = await startFakeSlack({ botToken: 'xoxb-reactions-bot', appToken: 'xapp-reactions-app' });
  const posts = () => fake.callsTo('chat.postMessage');
  return {
    channels: `slack: { botToken: "xoxb-reactions-bot", appToken: "xapp-reactions-app", apiUrl: "${fake.apiUrl}" }`,
    mainChat: 'slack:C100',
    hostMessage: (what) =>
      until(
        () => posts().find((c) => String(c.params.text).includes(what))?.response?.ts as string,
        20_000,
        what,
      ),
    react: (ts, emoji, where = 'main') =>
      void fake.sendEvent({
        type: 'reaction_added',
        user: 'U1',
        // Slack names reactions; a skin tone is a suffix.
        reaction: { '👍': '+1::skin-tone-2', '👎': 'thumbsdown', '🎉': 'tada' }[emoji] ?? emoji,
        item: { type: 'message', channel: where === 'main' ? 'C100' : 'C200', ts },
        item_user: 'UBOT',
        event_ts: `${Date.now() / 1000}`,
      }),
    sentTexts: () => posts().map((c) => String(c.params.text)),
    close: () => fake.close(),
  };
}

/** WhatsApp has no server to fake: the real adapter on baileys' event buffer (fakes/fake-whatsapp.ts). */
async function whatsapp(): Promise<Platform> {
  const operator = '4915112345678@s.whatsapp.net';
  const authDir = mkdtempSync(join(tmpdir(), 'omniclaw-wa-reactions-'));
  let socket: FakeSocket | undefined;
  const channel = new WhatsAppChannel({
    authDir,
    logger: silentLogger(),
    inboxFor: () => undefined,
    socketFactory: () => (socket = fakeSocket()),
  });
  // The adapter connects once its socket says "open", as baileys' does after the handshake.
  void until(() => socket, 10_000, 'the WhatsApp socket').then((s) =>
    s.emit('connection.update', { connection: 'open' }),
  );
  let reactions = 0;
  const own = () => socket?.sent.filter((m) => m.jid === operator) ?? [];
  const textOf = (m: FakeSocket['sent'][number]) => String((m.content as { text?: string }).text);
  return {
    channels: '',
    channel,
    mainChat: operator,
    hostMessage: (what) => until(() => own().find((m) => textOf(m).includes(what))?.id, 20_000, what),
    react: (id, emoji, where = 'main') => {
      const chat = where === 'main' ? operator : '4915199999999@s.whatsapp.net';
      socket!.emit('messages.upsert', {
        type: 'notify',
        messages: [
          {
            key: { remoteJid: chat, fromMe: false, id: `REACTION${++reactions}` },
            message: { reactionMessage: { key: { remoteJid: chat, fromMe: true, id }, text: emoji } },
            messageTimestamp: Math.floor(Date.now() / 1000),
          },
        ],
      });
    },
    sentTexts: () => own().map(textOf),
    close: async () => rmSync(authDir, { recursive: true, force: true }),
  };
}

let host: TestHost | undefined;
let platform: Platform | undefined;
afterEach(async () => {
  // The host (the clients) first: a fake closing first leaves a client reconnecting.
  await host?.cleanup();
  await platform?.close();
  host = undefined;
  platform = undefined;
});

describe.each([
  ['Telegram', telegram],
  ['Discord', discord],
  ['Slack', slack],
  ['WhatsApp', whatsapp],
])('approval by reaction on %s', (_name, start) => {
  it('👍 on a delegation request approves it; 👎 on a share request denies it; other reactions are ignored', async () => {
    const p = (platform = await start());
    host = await startTestHost(
      `
channels: { ${p.channels} }
agents:
  - { id: main, main: true, sandbox: none }
  - { id: other, name: Other, sandbox: none }
routes:
  - { chat: "${p.mainChat}", agent: main }
  - { chat: "mem:other-chat", agent: other, requiresTrigger: false }
`,
      { moreChannels: p.channel ? [p.channel] : [] },
    );
    const asked = await ask(
      host,
      'mem:other-chat',
      tool('delegate_task', { description: 'Summarise' }),
      toolAnswer,
    );
    const d = /d-[0-9a-f]{6}/.exec(asked)![0];
    const request = await p.hostMessage(`approve ${d}`);

    // Another message, another chat, another emoji: nothing is decided.
    p.react('777777', '👍'); // a message the host never sent
    p.react(request, '👍', 'elsewhere');
    p.react(request, '🎉');
    p.react(request, '👍');
    await p.hostMessage(`Approved ${d}:`);
    await seenIn(host, 'mem:other-chat', new RegExp(`^echo: Result of delegation ${d} from agent "main":`));
    // A reaction on a request already decided is not answered (checked at the end).
    p.react(request, '👍');

    writeIn(host, 'other', 'notes.md', 'notes');
    const shared = await ask(
      host,
      'mem:other-chat',
      tool('share_request', { description: 'notes', files: ['notes.md'] }),
      toolAnswer,
    );
    const s = /s-[0-9a-f]{6}/.exec(shared)![0];
    p.react(await p.hostMessage(`approve ${s}`), '👎');
    await p.hostMessage(`Denied ${s};`);
    await seenIn(host, 'mem:other-chat', `Share ${s} with "main" was denied by the operator`);
    await until(() => host!.app.delegation.status().shares.recent[0]?.status === 'denied', 5_000, 'denied');
    expect(p.sentTexts().filter((t) => t.includes('Approved') || t.includes('No delegation'))).toHaveLength(
      1,
    );
  });
});
