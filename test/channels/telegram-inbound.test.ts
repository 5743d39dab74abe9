import { describe, expect, it } from 'vitest';
import type { Update } from 'grammy/types';
import {
  mentionsBot,
  normaliseTelegramReactions,
  normaliseTelegramUpdate,
  telegramChatId,
} from '../../src/channels/telegram/inbound.js';

const bot = { id: 999, username: 'omni_bot' };
const base = {
  message_id: 10,
  date: 1_700_000_000,
  chat: { id: -100, type: 'supergroup', title: 'G' },
  from: { id: 1, is_bot: false, first_name: 'Ada', last_name: 'L' },
};
const update = (message: Record<string, unknown>): Update =>
  ({ update_id: 1, message: { ...base, ...message } }) as unknown as Update;

describe('normaliseTelegramUpdate', () => {
  it.each([
    {
      name: 'plain group text',
      message: { text: 'hi' },
      expected: {
        text: 'hi',
        mentionsBot: false,
        replyToBot: false,
        isGroup: true,
        senderName: 'Ada L',
        timestamp: 1_700_000_000_000,
      },
    },
    { name: 'caption instead of text', message: { caption: 'look' }, expected: { text: 'look' } },
    {
      name: 'mention entity',
      message: { text: '@omni_bot hi', entities: [{ type: 'mention', offset: 0, length: 9 }] },
      expected: { mentionsBot: true },
    },
    {
      name: 'mention in a different case',
      message: { text: 'hi @Omni_Bot', entities: [{ type: 'mention', offset: 3, length: 9 }] },
      expected: { mentionsBot: true },
    },
    {
      name: 'mention of someone else',
      message: { text: '@other hi', entities: [{ type: 'mention', offset: 0, length: 6 }] },
      expected: { mentionsBot: false },
    },
    {
      name: 'command addressed to the bot',
      message: { text: '/start@omni_bot', entities: [{ type: 'bot_command', offset: 0, length: 15 }] },
      expected: { mentionsBot: true },
    },
    {
      name: 'mention after an emoji (UTF-16 offsets)',
      message: { text: '😀 @omni_bot', entities: [{ type: 'mention', offset: 3, length: 9 }] },
      expected: { mentionsBot: true },
    },
    {
      name: 'reply to the bot',
      message: { text: 'yes', reply_to_message: { message_id: 5, from: { id: 999 } } },
      expected: { replyToBot: true, replyToPlatformId: '5' },
    },
    {
      name: 'reply to someone else',
      message: { text: 'yes', reply_to_message: { message_id: 6, from: { id: 2 } } },
      expected: { replyToBot: false, replyToPlatformId: '6' },
    },
    {
      name: 'private chat',
      message: { text: 'x', chat: { id: 1, type: 'private', first_name: 'Ada' } },
      expected: { isGroup: false, chat: 'tg:1' },
    },
    {
      name: 'anonymous admin (sender_chat)',
      message: { text: 'x', from: undefined, sender_chat: { id: -100, type: 'supergroup', title: 'G' } },
      expected: { senderId: '-100', senderName: 'G' },
    },
    {
      name: 'forum topic',
      message: { text: 'x', is_topic_message: true, message_thread_id: 3 },
      expected: { threadId: '3' },
    },
    {
      name: 'entities with missing offsets',
      message: { text: 'x', entities: [{ type: 'mention' }, null] },
      expected: { mentionsBot: false },
    },
  ])('$name', ({ message, expected }) => {
    expect(normaliseTelegramUpdate(update(message), bot)?.message).toMatchObject(expected);
  });

  it.each([
    { name: 'own message', u: update({ from: { id: 999, is_bot: true, first_name: 'Omni' } }) },
    { name: 'no message', u: { update_id: 1 } as Update },
    { name: 'edited message only', u: { update_id: 1, edited_message: base } as unknown as Update },
    { name: 'message id not a number', u: update({ message_id: '1' }) },
    { name: 'chat missing', u: update({ chat: undefined }) },
    { name: 'chat id a string', u: update({ chat: { id: '1', type: 'private' } }) },
  ])('drops $name', ({ u }) => {
    expect(normaliseTelegramUpdate(u, bot)).toBeUndefined();
  });

  it('lists files: the largest photo, documents and voice notes', () => {
    const result = normaliseTelegramUpdate(
      update({
        photo: [
          { file_id: 's', file_size: 1 },
          { file_id: 'l', file_size: 9 },
        ],
        document: { file_id: 'd', file_name: '../x.pdf', file_size: 3, mime_type: 'application/pdf' },
        voice: { file_id: 'v', file_size: 2, mime_type: 'audio/ogg' },
      }),
      bot,
    );
    expect(result?.files).toEqual([
      { fileId: 'l', name: 'photo-10.jpg', size: 9, mime: 'image/jpeg' },
      { fileId: 'd', name: '../x.pdf', size: 3, mime: 'application/pdf' },
      { fileId: 'v', name: 'voice-10.ogg', size: 2, mime: 'audio/ogg' },
    ]);
  });

  it('names a document without a file name, and keeps a message whose file fields are malformed', () => {
    const named = normaliseTelegramUpdate(update({ video: { file_id: 'm', file_size: 4 } }), bot);
    expect(named?.files).toEqual([{ fileId: 'm', name: 'file-10', size: 4, mime: undefined }]);
    const hostile = normaliseTelegramUpdate(
      update({ text: 'still here', photo: [null], document: 'x', voice: { file_size: 2 } }),
      bot,
    );
    expect(hostile?.message.text).toBe('still here');
    expect(hostile?.files).toEqual([]);
  });
});

describe('telegramChatId', () => {
  it.each([
    ['tg:42', '42'],
    ['tg:-1001234567890', '-1001234567890'],
  ])('%s → %s', (chat, id) => expect(telegramChatId(chat)).toBe(id));
  it.each(['tg:', 'tg:abc', 'dc:1', 'tg:1/../2', 'tg:1 2'])('rejects %s', (chat) => {
    expect(() => telegramChatId(chat)).toThrow(/not a Telegram chat id/);
  });
});

describe('mentionsBot', () => {
  it('sees a text_mention of the bot user', () => {
    expect(
      mentionsBot(
        'Omni',
        [{ type: 'text_mention', offset: 0, length: 4, user: { id: 999, is_bot: true, first_name: 'Omni' } }],
        bot,
      ),
    ).toBe(true);
  });
});

describe('normaliseTelegramReactions', () => {
  const reaction = (extra: Record<string, unknown>): Update =>
    ({
      update_id: 1,
      message_reaction: {
        chat: { id: 42, type: 'private', first_name: 'A' },
        message_id: 7,
        user: { id: 42, is_bot: false, first_name: 'A' },
        date: 1,
        old_reaction: [],
        new_reaction: [{ type: 'emoji', emoji: '👍' }],
        ...extra,
      },
    }) as unknown as Update;

  it('reports the emojis a user added, with the chat and message they are on', () => {
    expect(normaliseTelegramReactions(reaction({}), bot)).toEqual([
      { channel: 'telegram', chat: 'tg:42', platformMessageId: '7', senderId: '42', emoji: '👍' },
    ]);
  });

  it('leaves out emojis that were already there, custom emojis, removals and the bot itself', () => {
    const kept = { old_reaction: [{ type: 'emoji', emoji: '👍' }] };
    expect(normaliseTelegramReactions(reaction(kept), bot)).toEqual([]);
    const custom = { new_reaction: [{ type: 'custom_emoji', custom_emoji_id: '5' }] };
    expect(normaliseTelegramReactions(reaction(custom), bot)).toEqual([]);
    expect(normaliseTelegramReactions(reaction({ ...kept, new_reaction: [] }), bot)).toEqual([]);
    expect(
      normaliseTelegramReactions(reaction({ user: { id: 999, is_bot: true, first_name: 'B' } }), bot),
    ).toEqual([]);
    expect(normaliseTelegramReactions({ update_id: 2 } as Update, bot)).toEqual([]);
  });
});
