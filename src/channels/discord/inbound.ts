/**
 * Turns a Discord message into OmniClaw's InboundMessage. Pure: the gateway's message payload
 * is first reduced to the plain DiscordMessageFacts below (factsOf), so the rules — own and
 * bot messages, mentions (stripped from the text), replies to the bot, threads, DMs — are
 * rows in a test table.
 */
import { MessageType, type APIMessage, type GatewayMessageReactionAddDispatchData } from '@discordjs/core';
import type { InboundMessage, InboundReaction } from '../../domain/channel.js';
import { CHAT_PREFIXES } from '../../domain/chat-id.js';
import { inboundMessage } from '../kit/message.js';
import type { ChannelInfo } from './channel-cache.js';

export const DISCORD_CHAT_PREFIX = CHAT_PREFIXES.discord;

export interface DiscordAttachmentFacts {
  id: string;
  name: string;
  size: number;
  url: string;
  contentType?: string;
}

export interface DiscordMessageFacts {
  id: string;
  channelId: string;
  /** Set when the message was posted in a thread: the channel the thread hangs off. */
  threadParentId?: string;
  guildId?: string;
  channelName?: string;
  content: string;
  createdTimestamp: number;
  author: { id: string; username: string; globalName?: string | null; bot: boolean };
  memberDisplayName?: string;
  mentionedUserIds: string[];
  repliedUserId?: string;
  referenceMessageId?: string;
  attachments: DiscordAttachmentFacts[];
  system?: boolean;
}

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

/**
 * The facts of a gateway (or REST) message payload, with what the channel cache knows of its
 * channel. Undefined for a payload without an id, channel or author (nothing to answer).
 */
export function factsOf(
  data: Partial<APIMessage> | null | undefined,
  channel: ChannelInfo,
): DiscordMessageFacts | undefined {
  const author = data?.author;
  if (!data?.id || !data.channel_id || typeof author?.id !== 'string') return undefined;
  const guildId = (data as { guild_id?: string }).guild_id;
  const member = (data as { member?: { nick?: string | null } }).member;
  return {
    id: data.id,
    channelId: data.channel_id,
    threadParentId: channel.threadParentId,
    guildId: guildId ?? undefined,
    channelName: guildId ? channel.name : undefined,
    content: typeof data.content === 'string' ? data.content : '',
    createdTimestamp: Date.parse(data.timestamp ?? ''),
    author: {
      id: author.id,
      username: String(author.username ?? ''),
      globalName: author.global_name,
      bot: author.bot === true,
    },
    memberDisplayName: member?.nick ?? undefined,
    mentionedUserIds: (data.mentions ?? []).map((user) => user.id),
    repliedUserId: data.referenced_message?.author?.id,
    referenceMessageId: data.message_reference?.message_id,
    attachments: (data.attachments ?? []).map((a) => ({
      id: a.id,
      name: a.filename,
      size: a.size,
      url: a.url,
      contentType: a.content_type,
    })),
    system: data.type !== undefined && !NON_SYSTEM_TYPES.has(data.type),
  };
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

export function normaliseDiscordMessage(
  facts: DiscordMessageFacts,
  context: NormaliseContext,
): { message: InboundMessage; attachments: DiscordAttachmentFacts[] } | undefined {
  if (facts.system || facts.author.id === context.botId) return undefined;
  if (facts.author.bot && !context.acceptBots) return undefined;
  const mentionPattern = new RegExp(`<@!?${context.botId}>`, 'g');
  const mentionsBot = facts.mentionedUserIds.includes(context.botId) || mentionPattern.test(facts.content);
  const replyToBot =
    facts.repliedUserId === context.botId ||
    (facts.referenceMessageId !== undefined && context.sentByBot(facts.referenceMessageId));
  const channel = facts.threadParentId ?? facts.channelId;
  const message = inboundMessage({
    channel: 'discord',
    chat: `${DISCORD_CHAT_PREFIX}${channel}`,
    platformId: facts.id,
    senderId: facts.author.id,
    senderName: facts.memberDisplayName || facts.author.globalName || facts.author.username,
    text: facts.content
      .replace(mentionPattern, ' ')
      .replace(/[ \t]{2,}/g, ' ')
      .trim(),
    timestamp: Number.isFinite(facts.createdTimestamp) ? facts.createdTimestamp : Date.now(),
    isGroup: facts.guildId !== undefined,
    mentionsBot,
    replyToBot,
    threadId: facts.threadParentId ? facts.channelId : undefined,
    chatName: facts.channelName,
    replyToPlatformId: facts.referenceMessageId,
  });
  return { message, attachments: facts.attachments };
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
