import { describe, expect, it } from 'vitest';
import {
  discordChannelId,
  isAnswerable,
  normaliseDiscordMessage,
  type DiscordMessage,
} from '../../src/channels/discord/inbound.js';
import type { ChannelInfo } from '../../src/channels/discord/channel-cache.js';
import { threadName } from '../../src/channels/discord/threads.js';

const BOT = '900';
/** A gateway MESSAGE_CREATE payload, as @discordjs/core hands it over. */
const base = {
  id: '1',
  channel_id: '10',
  guild_id: '5',
  type: 0,
  content: 'hi',
  timestamp: '2023-11-14T22:13:20.000Z',
  author: { id: '42', username: 'ada', global_name: 'Ada' as string | null, bot: false },
  mentions: [] as { id: string }[],
  attachments: [],
};
const general: ChannelInfo = { name: 'general' };
const context = { botId: BOT, sentByBot: (id: string) => id === '77', acceptBots: false };
const normalise = (extra: Partial<typeof base> & DiscordMessage, channel = general, ctx = context) =>
  normaliseDiscordMessage({ ...base, ...extra } as never, channel, ctx)?.message;

describe('normaliseDiscordMessage', () => {
  it.each([
    {
      name: 'guild message',
      extra: {},
      expected: {
        chat: 'dc:10',
        platformId: '1',
        senderId: '42',
        isGroup: true,
        text: 'hi',
        senderName: 'Ada',
        mentionsBot: false,
        replyToBot: false,
        chatName: 'general',
        timestamp: 1_700_000_000_000,
      },
    },
    { name: 'DM', extra: { guild_id: undefined }, expected: { isGroup: false } },
    {
      name: 'member nickname wins',
      extra: { member: { nick: 'Countess' } },
      expected: { senderName: 'Countess' },
    },
    {
      name: 'username when no global name',
      extra: { author: { id: '42', username: 'ada', global_name: null, bot: false } },
      expected: { senderName: 'ada' },
    },
    {
      name: 'mention via mentions list',
      extra: { content: `<@${BOT}> hi`, mentions: [{ id: BOT }] },
      expected: { mentionsBot: true, text: 'hi' },
    },
    {
      name: 'nickname mention form',
      extra: { content: `hi <@!${BOT}> there` },
      expected: { mentionsBot: true, text: 'hi there' },
    },
    {
      name: 'someone else mentioned',
      extra: { content: '<@123> hi', mentions: [{ id: '123' }] },
      expected: { mentionsBot: false, text: '<@123> hi' },
    },
    {
      name: 'reply resolved by Discord',
      extra: {
        type: 19,
        message_reference: { message_id: '55' },
        referenced_message: { author: { id: BOT } },
      },
      expected: { replyToBot: true, replyToPlatformId: '55' },
    },
    {
      name: 'reply to a message we sent',
      extra: { message_reference: { message_id: '77' } },
      expected: { replyToBot: true },
    },
    {
      name: 'reply to someone else',
      extra: { message_reference: { message_id: '56' }, referenced_message: { author: { id: '3' } } },
      expected: { replyToBot: false },
    },
    { name: 'bad timestamp', extra: { timestamp: 'never' }, expected: { chat: 'dc:10' } },
  ])('$name', ({ extra, expected }) => {
    expect(normalise(extra as never)).toMatchObject(expected);
  });

  it('gives a DM no chat name', () => {
    expect(normalise({ guild_id: undefined })?.chatName).toBeUndefined();
  });

  it('puts a thread message in its parent chat, named after the thread', () => {
    const thread = { name: 'a thread', threadParentId: '10' };
    expect(normalise({ channel_id: '11' }, thread)).toMatchObject({
      chat: 'dc:10',
      threadId: '11',
      chatName: 'a thread',
    });
  });

  it('hands over the files the message carries', () => {
    const attachments = [
      { id: '9', filename: 'a.txt', size: 3, url: 'http://x/a', content_type: 'text/plain' },
    ];
    const normalised = normaliseDiscordMessage({ ...base, attachments } as never, general, context);
    expect(normalised?.files).toEqual([{ name: 'a.txt', size: 3, mime: 'text/plain', url: 'http://x/a' }]);
  });

  it.each([
    { name: 'own message', extra: { author: { id: BOT, username: 'omni', bot: true } } },
    { name: 'another bot', extra: { author: { id: '8', username: 'b', bot: true } } },
    { name: 'a member joining (a system message)', extra: { type: 7 } },
  ])('drops $name', ({ extra }) => {
    expect(normalise(extra as never)).toBeUndefined();
  });

  it('accepts other bots when configured', () => {
    const author = { id: '8', username: 'b', global_name: null, bot: true };
    expect(normalise({ author } as never, general, { ...context, acceptBots: true })).toBeDefined();
  });
});

describe('isAnswerable', () => {
  it('takes a payload with an id, a channel and an author', () =>
    expect(isAnswerable(base as never)).toBe(true));
  it.each([
    ['no payload', null],
    ['no author', { id: '1', channel_id: '11' }],
    ['no id', { channel_id: '11', author: { id: '42' } }],
  ])('nothing to answer: %s', (_name, data) => {
    expect(isAnswerable(data as never)).toBe(false);
  });
});

describe('discordChannelId', () => {
  it('accepts dc:<snowflake>', () =>
    expect(discordChannelId('dc:123456789012345678')).toBe('123456789012345678'));
  it.each(['dc:', 'dc:abc', 'tg:1', 'dc:1/2', 'dc:../1'])('rejects %s', (chat) => {
    expect(() => discordChannelId(chat)).toThrow(/not a Discord chat id/);
  });
});

describe('threadName', () => {
  it.each([
    ['Reading **files**', 'Reading files'],
    ['\n\n  first line\nsecond', 'first line'],
    ['', 'Working'],
    ['```', 'Working'],
    ['x'.repeat(200), `${'x'.repeat(89)}…`],
  ])('%j → %j', (input, expected) => expect(threadName(input)).toBe(expected));
});
