import { describe, expect, it } from 'vitest';
import {
  discordChannelId,
  factsOf,
  normaliseDiscordMessage,
  type DiscordMessageFacts,
} from '../../src/channels/discord/inbound.js';
import { threadName } from '../../src/channels/discord/threads.js';

const BOT = '900';
const base: DiscordMessageFacts = {
  id: '1',
  channelId: '10',
  guildId: '5',
  channelName: 'general',
  content: 'hi',
  createdTimestamp: 1_700_000_000_000,
  author: { id: '42', username: 'ada', globalName: 'Ada', bot: false },
  mentionedUserIds: [],
  attachments: [],
};
const context = { botId: BOT, sentByBot: (id: string) => id === '77', acceptBots: false };
const normalise = (facts: Partial<DiscordMessageFacts>, ctx = context) =>
  normaliseDiscordMessage({ ...base, ...facts }, ctx)?.message;

describe('normaliseDiscordMessage', () => {
  it.each([
    {
      name: 'guild message',
      facts: {},
      expected: {
        chat: 'dc:10',
        isGroup: true,
        text: 'hi',
        senderName: 'Ada',
        mentionsBot: false,
        replyToBot: false,
        chatName: 'general',
      },
    },
    { name: 'DM', facts: { guildId: undefined, channelName: undefined }, expected: { isGroup: false } },
    {
      name: 'member nickname wins',
      facts: { memberDisplayName: 'Countess' },
      expected: { senderName: 'Countess' },
    },
    {
      name: 'username when no global name',
      facts: { author: { id: '42', username: 'ada', globalName: null, bot: false } },
      expected: { senderName: 'ada' },
    },
    {
      name: 'mention via mentions list',
      facts: { content: `<@${BOT}> hi`, mentionedUserIds: [BOT] },
      expected: { mentionsBot: true, text: 'hi' },
    },
    {
      name: 'nickname mention form',
      facts: { content: `hi <@!${BOT}> there` },
      expected: { mentionsBot: true, text: 'hi there' },
    },
    {
      name: 'someone else mentioned',
      facts: { content: '<@123> hi', mentionedUserIds: ['123'] },
      expected: { mentionsBot: false, text: '<@123> hi' },
    },
    {
      name: 'reply resolved by Discord',
      facts: { referenceMessageId: '55', repliedUserId: BOT },
      expected: { replyToBot: true, replyToPlatformId: '55' },
    },
    {
      name: 'reply to a message we sent',
      facts: { referenceMessageId: '77' },
      expected: { replyToBot: true },
    },
    {
      name: 'reply to someone else',
      facts: { referenceMessageId: '56', repliedUserId: '3' },
      expected: { replyToBot: false },
    },
    {
      name: 'thread message belongs to the parent chat',
      facts: { channelId: '11', threadParentId: '10' },
      expected: { chat: 'dc:10', threadId: '11' },
    },
    { name: 'bad timestamp', facts: { createdTimestamp: NaN }, expected: { chat: 'dc:10' } },
  ])('$name', ({ facts, expected }) => {
    expect(normalise(facts)).toMatchObject(expected);
  });

  it.each([
    { name: 'own message', facts: { author: { id: BOT, username: 'omni', bot: true } } },
    { name: 'another bot', facts: { author: { id: '8', username: 'b', bot: true } } },
    { name: 'system message', facts: { system: true } },
  ])('drops $name', ({ facts }) => {
    expect(normalise(facts)).toBeUndefined();
  });

  it('accepts other bots when configured', () => {
    expect(
      normalise({ author: { id: '8', username: 'b', bot: true } }, { ...context, acceptBots: true }),
    ).toBeDefined();
  });
});

describe('factsOf (a gateway message payload)', () => {
  const payload = {
    id: '1',
    channel_id: '11',
    guild_id: '5',
    type: 0,
    content: 'hi',
    timestamp: '2026-12-03T10:00:00.000Z',
    author: { id: '42', username: 'ada', global_name: 'Ada', discriminator: '0', avatar: null },
    member: { nick: 'Countess' },
    mentions: [{ id: BOT, username: 'omni' }],
    attachments: [{ id: '9', filename: 'a.txt', size: 3, url: 'http://x/a', content_type: 'text/plain' }],
  };
  const thread = { name: 'a thread', threadParentId: '10' };

  it('keeps what the normaliser needs, with the channel facts from the cache', () => {
    expect(factsOf(payload as never, thread)).toEqual({
      id: '1',
      channelId: '11',
      threadParentId: '10',
      guildId: '5',
      channelName: 'a thread',
      content: 'hi',
      createdTimestamp: Date.parse('2026-12-03T10:00:00.000Z'),
      author: { id: '42', username: 'ada', globalName: 'Ada', bot: false },
      memberDisplayName: 'Countess',
      mentionedUserIds: [BOT],
      repliedUserId: undefined,
      referenceMessageId: undefined,
      attachments: [{ id: '9', name: 'a.txt', size: 3, url: 'http://x/a', contentType: 'text/plain' }],
      system: false,
    });
  });

  it.each([
    { name: 'a reply', extra: { type: 19 }, expected: { system: false } },
    { name: 'a member joining', extra: { type: 7 }, expected: { system: true } },
    {
      name: 'the replied-to author and message',
      extra: { message_reference: { message_id: '55' }, referenced_message: { author: { id: BOT } } },
      expected: { referenceMessageId: '55', repliedUserId: BOT },
    },
    {
      name: 'a DM has no channel name',
      extra: { guild_id: undefined },
      expected: { channelName: undefined },
    },
  ])('$name', ({ extra, expected }) => {
    expect(factsOf({ ...payload, ...extra } as never, thread)).toMatchObject(expected);
  });

  it.each([
    ['no payload', null],
    ['no author', { id: '1', channel_id: '11' }],
    ['no id', { channel_id: '11', author: { id: '42' } }],
  ])('nothing to answer: %s', (_name, data) => {
    expect(factsOf(data as never, {})).toBeUndefined();
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
