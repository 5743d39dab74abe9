/**
 * Turns a Discord message payload (the gateway's, or one fetched over REST after a gap) into
 * OmniClaw's InboundMessage. Pure: the rules — own and bot messages, mentions (stripped from
 * the text), replies to the bot, threads, DMs — are rows in a test table of payloads.
 */
import { MessageType, type APIMessage, type GatewayMessageReactionAddDispatchData } from '@discordjs/core';
import type { InboundMessage, InboundReaction } from '../../domain/channel.js';
import { CHAT_PREFIXES } from '../../domain/chat-id.js';
import { inboundMessage } from '../kit/message.js';
import type { PlatformFile } from '../kit/files.js';
import type { ChannelInfo } from './channel-cache.js';

export const DISCORD_CHAT_PREFIX = CHAT_PREFIXES.discord;

/** A message payload with the two fields only gateway payloads carry. */
export type DiscordMessage = Partial<APIMessage> & {
  guild_id?: string;
  member?: { nick?: string | null };
};

/** A Discord attachment: its URL is public (signed), fetched without credentials. */
export type DiscordFile = PlatformFile & { url: string };

export interface NormaliseContext {
  botId: string;
  /** Whether a message id is one the bot sent (for replies Discord did not resolve). */
  sentByBot: (messageId: string) => boolean;
  /** Messages from other bots are dropped unless allowed: two bots can answer each other forever. */
  acceptBots: boolean;
}

/** What people write; every other message type (joins, pins, boosts…) is a system message. */
const NON_SYSTEM_TYPES: ReadonlySet<number> = new Set([
  MessageType.Default,
  MessageType.Reply,
  MessageType.ChatInputCommand,
  MessageType.ContextMenuCommand,
]);

/** A payload with an id, a channel and an author: something that can be answered. */
export function isAnswerable(
  data: DiscordMessage | null | undefined,
): data is DiscordMessage & Pick<APIMessage, 'id' | 'channel_id' | 'author'> {
  return Boolean(data?.id && data.channel_id && typeof data.author?.id === 'string');
}

/** The channel id in a chat id, or of the thread named instead (a message in a thread). */
export function discordChannelId(chat: string, thread?: string): string {
  if (thread) return discordChannelId(`${DISCORD_CHAT_PREFIX}${thread}`);
  const id = chat.slice(DISCORD_CHAT_PREFIX.length);
  if (!chat.startsWith(DISCORD_CHAT_PREFIX) || !/^\d{1,25}$/.test(id)) {
    throw new Error(
      `Discord: "${chat}" is not a Discord chat id (expected dc:<channel id>, e.g. dc:123456789012345678)`,
    );
  }
  return id;
}

/** The message for the intake, with its files; undefined for a message that is not input. */
export function normaliseDiscordMessage(
  data: DiscordMessage & Pick<APIMessage, 'id' | 'channel_id' | 'author'>,
  channel: ChannelInfo,
  context: NormaliseContext,
): { message: InboundMessage; files: DiscordFile[] } | undefined {
  const { author } = data;
  if (data.type !== undefined && !NON_SYSTEM_TYPES.has(data.type)) return undefined;
  if (author.id === context.botId || (author.bot && !context.acceptBots)) return undefined;
  const content = typeof data.content === 'string' ? data.content : '';
  const mentionPattern = new RegExp(`<@!?${context.botId}>`, 'g');
  const mentionsBot =
    (data.mentions ?? []).some((user) => user.id === context.botId) || mentionPattern.test(content);
  const referenceId = data.message_reference?.message_id;
  const replyToBot =
    data.referenced_message?.author?.id === context.botId ||
    (referenceId !== undefined && context.sentByBot(referenceId));
  const timestamp = Date.parse(data.timestamp ?? '');
  const message = inboundMessage({
    channel: 'discord',
    chat: `${DISCORD_CHAT_PREFIX}${channel.threadParentId ?? data.channel_id}`,
    platformId: data.id,
    senderId: author.id,
    senderName: data.member?.nick || author.global_name || String(author.username ?? ''),
    text: content
      .replace(mentionPattern, ' ')
      .replace(/[ \t]{2,}/g, ' ')
      .trim(),
    timestamp: Number.isFinite(timestamp) ? timestamp : Date.now(),
    isGroup: data.guild_id !== undefined,
    mentionsBot,
    replyToBot,
    threadId: channel.threadParentId ? data.channel_id : undefined,
    chatName: data.guild_id ? channel.name : undefined,
    replyToPlatformId: referenceId,
  });
  const files = (data.attachments ?? []).map((a) => ({
    name: a.filename,
    size: a.size,
    mime: a.content_type,
    url: a.url,
  }));
  return { message, files };
}

/**
 * A MESSAGE_REACTION_ADD as the host's InboundReaction: a Unicode emoji a person added. The
 * bot's own reactions (an agent's `react`) are dropped, and so are other bots', even with
 * `acceptBots` (an auto-react bot would approve every request); a custom server emoji (it
 * has an id) names no verb. The chat is the channel the message is in (a thread's own id).
 */
export function normaliseDiscordReaction(
  data: Pick<
    GatewayMessageReactionAddDispatchData,
    'user_id' | 'channel_id' | 'message_id' | 'emoji' | 'member'
  >,
  botId: string,
): InboundReaction | undefined {
  if (!data.user_id || !data.channel_id || !data.message_id) return undefined;
  if (data.user_id === botId || data.member?.user?.bot) return undefined;
  if (data.emoji?.id || !data.emoji?.name) return undefined;
  return {
    channel: 'discord',
    chat: `${DISCORD_CHAT_PREFIX}${data.channel_id}`,
    platformMessageId: data.message_id,
    senderId: data.user_id,
    emoji: data.emoji.name,
  };
}
