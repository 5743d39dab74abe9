/** The pure parts of the Slack channel: event normalisation, reaction names, file URL policy, . */
import { describe, expect, it } from 'vitest';
import { normaliseSlackEvent } from '../../src/channels/slack/inbound.js';
import { emojiOfSlackReaction, slackReactionName } from '../../src/channels/slack/reactions.js';
import { isAllowedUrl } from '../../src/channels/slack/files.js';

const me = { botUserId: 'UBOT', botId: 'BBOT' };
const base = {
  type: 'message',
  channel: 'C1',
  channel_type: 'channel',
  user: 'U1',
  text: 'hi',
  ts: '10.000001',
};

describe('normaliseSlackEvent', () => {
  it.each([
    ['not an object', 'x', 'event is not an object'],
    ['null', null, 'event is not an object'],
    ['reaction event', { ...base, type: 'reaction_added' }, 'event type reaction_added'],
    ['edit', { ...base, subtype: 'message_changed' }, 'message subtype message_changed'],
    ['deletion', { ...base, subtype: 'message_deleted' }, 'message subtype message_deleted'],
    ['no channel', { ...base, channel: undefined }, 'missing or malformed channel'],
    ['traversal channel', { ...base, channel: '../C1' }, 'missing or malformed channel'],
    ['no ts', { ...base, ts: undefined }, 'missing or malformed ts'],
    ['ts not numeric', { ...base, ts: '1e5' }, 'missing or malformed ts'],
    ['own user', { ...base, user: 'UBOT' }, 'own message'],
    ['own bot id', { ...base, user: undefined, bot_id: 'BBOT' }, 'own message'],
    ['no sender', { ...base, user: undefined }, 'no sender'],
  ])('ignores %s', (_name, event, reason) => {
    expect(normaliseSlackEvent(event, me)).toEqual({ kind: 'ignore', reason });
  });

  it.each([
    ['plain channel message', {}, { mentionsBot: false, replyToBot: false, isGroup: true, text: 'hi' }],
    ['DM', { channel: 'D1', channel_type: 'im' }, { isGroup: false, chat: 'slack:D1' }],
    [
      'app_mention in a DM-looking channel',
      { type: 'app_mention', channel: 'D9', channel_type: undefined },
      { isGroup: false, mentionsBot: true },
    ],
    ['mention with label', { text: 'hey <@UBOT|omni> go' }, { mentionsBot: true, text: 'hey go' }],
    ['mention of someone else', { text: '<@U2> hi' }, { mentionsBot: false, text: '<@U2> hi' }],
    [
      'thread reply to bot',
      { ts: '11.1', thread_ts: '10.5', parent_user_id: 'UBOT' },
      { replyToBot: true, threadId: '10.5' },
    ],
    [
      'thread reply to someone',
      { ts: '11.1', thread_ts: '10.5', parent_user_id: 'U7' },
      { replyToBot: false, threadId: '10.5' },
    ],
    ['thread parent', { ts: '10.5', thread_ts: '10.5' }, { replyToBot: false }],
    ['entities', { text: 'a &lt;b&gt; &amp;amp;' }, { text: 'a <b> &amp;' }],
    ['other bot', { user: undefined, bot_id: 'B2', username: 'ci' }, { senderId: 'B2', senderName: 'ci' }],
    ['profile name', { user_profile: { display_name: 'Ann' } }, { senderName: 'Ann' }],
  ])('normalises a %s', (_name, fields, expected) => {
    const decision = normaliseSlackEvent({ ...base, ...fields }, me);
    expect(decision.kind).toBe('message');
    if (decision.kind === 'message') expect(decision.message).toMatchObject(expected);
  });

  it('truncates text beyond the limit and keeps non-object files out', () => {
    const decision = normaliseSlackEvent(
      { ...base, text: 'y'.repeat(100), files: [null, 3, { name: 'a' }] },
      me,
      10,
    );
    expect(decision.kind === 'message' && decision.message.text).toBe(
      'yyyyyyyyyy\n[… 90 more characters cut]',
    );
    expect(decision.kind === 'message' && decision.files).toEqual([expect.objectContaining({ name: 'a' })]);
  });
});

describe('Slack helpers', () => {
  it.each([
    ['👍', '+1'],
    [':eyes:', 'eyes'],
    ['white_check_mark', 'white_check_mark'],
  ])('names reaction %s as %s', (emoji, name) => expect(slackReactionName(emoji)).toBe(name));

  it.each([
    ['+1', '👍'],
    ['thumbsup', '👍'],
    ['-1::skin-tone-5', '👎'],
    ['white_check_mark', '✅'],
    ['heart', '❤️'],
    ['partyparrot', ':partyparrot:'],
  ])('reads reaction %s as %s', (name, emoji) => expect(emojiOfSlackReaction(name)).toBe(emoji));

  it('refuses reactions that are not names', () =>
    expect(() => slackReactionName('a b')).toThrow(/not a reaction/));

  it.each([
    ['https://files.slack.com/x', true],
    ['http://files.slack.com/x', false],
    ['https://files.slack.com.evil.org/x', false],
    ['https://user:pw@files.slack.com/x', false],
    ['not a url', false],
    ['http://127.0.0.1:9/x', true],
  ])('allows the bot token to go to %s: %s', (url, allowed) =>
    expect(isAllowedUrl(url, new Set(['files.slack.com', '127.0.0.1:9']))).toBe(allowed),
  );
});
