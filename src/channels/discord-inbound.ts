/**
 * Turns a Discord message into OmniClaw's InboundMessage. Pure: discord.js objects are first
 * reduced to the plain DiscordMessageFacts below (discord.ts), so the rules — own and bot
 * messages, mentions (stripped from the text), replies to the bot, threads, DMs — are rows
 * in a test table.
 */
import { cleanInboundText } from '../domain/inbound-text.js';
import type { InboundMessage } from '../domain/channel.js';
import { CHAT_PREFIXES } from '../domain/chat-id.js';

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

export function discordChannelId(chat: string): string {
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
  const text = cleanInboundText(
    facts.content
      .replace(mentionPattern, ' ')
      .replace(/[ \t]{2,}/g, ' ')
      .trim(),
  );
  const channel = facts.threadParentId ?? facts.channelId;
  const message: InboundMessage = {
    channel: 'discord',
    chat: `${DISCORD_CHAT_PREFIX}${channel}`,
    platformId: facts.id,
    senderId: facts.author.id,
    senderName: cleanInboundText(
      facts.memberDisplayName || facts.author.globalName || facts.author.username,
      256,
    ),
    text,
    timestamp: Number.isFinite(facts.createdTimestamp) ? facts.createdTimestamp : Date.now(),
    isGroup: facts.guildId !== undefined,
    mentionsBot,
    replyToBot,
  };
  if (facts.threadParentId) message.threadId = facts.channelId;
  if (facts.channelName) message.chatName = cleanInboundText(facts.channelName, 256);
  if (facts.referenceMessageId) message.replyToPlatformId = facts.referenceMessageId;
  return { message, attachments: facts.attachments };
}
