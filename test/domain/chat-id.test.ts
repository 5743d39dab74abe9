import { describe, expect, it } from 'vitest';
import { channelOfChat } from '../../src/domain/chat-id.js';

describe('the channel a chat id belongs to', () => {
  it.each([
    ['local:default', 'local'],
    ['tg:-1001234567890', 'telegram'],
    ['dc:123456789012345678', 'discord'],
    ['slack:C0123ABC', 'slack'],
    ['4915112345678@s.whatsapp.net', 'whatsapp'],
    ['120363336345536173@g.us', 'whatsapp'],
  ])('%s belongs to %s', (chat, channel) => {
    expect(channelOfChat(chat)).toBe(channel);
  });

  it.each(['foo:bar', 'tg:', 'telegram:123', '', 'local', 'someone@example.com'])(
    '%j belongs to no channel',
    (chat) => {
      expect(channelOfChat(chat)).toBeUndefined();
    },
  );
});
