/**
 * Slack reactions are named (`eyes`, `+1`), while agents and the core speak Unicode emoji.
 * A small table covers the emoji an assistant uses; `:name:` or a bare name passes through.
 * The same table read backwards turns a `reaction_added` event into the emoji the host
 * reads on its approval requests (👍 / 👎).
 */
import type { InboundReaction } from '../../domain/channel.js';
import { SLACK_CHAT_PREFIX, type SlackIdentity } from './inbound.js';

const NAMES: Record<string, string> = {
  '👍': '+1',
  '👎': '-1',
  '👀': 'eyes',
  '✅': 'white_check_mark',
  '❌': 'x',
  '❤️': 'heart',
  '❤': 'heart',
  '🎉': 'tada',
  '🙏': 'pray',
  '😂': 'joy',
  '🔥': 'fire',
  '🤔': 'thinking_face',
  '⏳': 'hourglass_flowing_sand',
  '⚠️': 'warning',
  '🚀': 'rocket',
  '👌': 'ok_hand',
  '😊': 'blush',
};

export function slackReactionName(emoji: string): string {
  const trimmed = emoji.trim();
  const known = NAMES[trimmed];
  if (known) return known;
  const name = trimmed.replace(/^:|:$/g, '');
  if (!/^[a-z0-9_+'-]{1,100}$/.test(name)) {
    throw new Error(`slack: "${emoji}" is not a reaction Slack knows; use a name such as "eyes" or "+1"`);
  }
  return name;
}

/** Slack's other names for the same emoji (its picker sends `+1`, older clients `thumbsup`). */
const ALIASES: Record<string, string> = { thumbsup: '👍', thumbsdown: '👎' };
const EMOJI_OF = new Map<string, string>([
  ...Object.entries(NAMES)
    .filter(([emoji]) => emoji !== '❤')
    .map(([emoji, name]): [string, string] => [name, emoji]),
  ...Object.entries(ALIASES),
]);

/** The emoji of a reaction name (`+1::skin-tone-3` is 👍); an unknown one stays `:name:`. */
export function emojiOfSlackReaction(name: string): string {
  const bare = name.replace(/::skin-tone-\d$/, '');
  return EMOJI_OF.get(bare) ?? `:${bare}:`;
}

/** A `reaction_added` event on a message, as an InboundReaction; the bot's own are dropped. */
export function normaliseSlackReaction(raw: unknown, identity: SlackIdentity): InboundReaction | undefined {
  const event = raw as {
    user?: unknown;
    reaction?: unknown;
    item?: { type?: unknown; channel?: unknown; ts?: unknown };
  };
  const { user, reaction, item } = event ?? {};
  if (typeof user !== 'string' || typeof reaction !== 'string' || user === identity.botUserId)
    return undefined;
  if (item?.type !== 'message' || typeof item.channel !== 'string' || typeof item.ts !== 'string')
    return undefined;
  return {
    channel: 'slack',
    chat: `${SLACK_CHAT_PREFIX}${item.channel}`,
    platformMessageId: item.ts,
    senderId: user,
    emoji: emojiOfSlackReaction(reaction),
  };
}
