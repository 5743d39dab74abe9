/**
 * Turns a Slack `message` / `app_mention` event into an InboundMessage, or says why it is
 * ignored. Pure: no I/O, so every rule (own echoes, mentions, thread replies to the bot,
 * hostile payloads) is tested with a table.
 */
import type { InboundMessage } from '../../domain/channel.js';
import { CHAT_PREFIXES } from '../../domain/chat-id.js';
import { inboundMessage } from '../kit/message.js';
import type { SlackInboundFile } from './files.js';

export interface SlackIdentity {
  /** The bot's user id (auth.test `user_id`): what `<@…>` mentions name. */
  botUserId: string;
  /** The bot's bot id (auth.test `bot_id`): set on messages the bot posted. */
  botId?: string;
}

export type SlackDecision =
  | { kind: 'ignore'; reason: string }
  | { kind: 'message'; message: InboundMessage; files: SlackInboundFile[] };

/** Subtypes that carry a new message from a person; the rest are edits, joins, deletions… */
const MESSAGE_SUBTYPES = new Set([undefined, 'file_share', 'thread_broadcast', 'me_message']);

export const SLACK_CHAT_PREFIX = CHAT_PREFIXES.slack;
/** Slack caps a message at 40,000 characters; anything longer did not come from Slack. */
export const DEFAULT_MAX_INBOUND_TEXT = 40_000;

export function normaliseSlackEvent(
  raw: unknown,
  identity: SlackIdentity,
  maxTextLength = DEFAULT_MAX_INBOUND_TEXT,
): SlackDecision {
  if (typeof raw !== 'object' || raw === null) return ignore('event is not an object');
  const event = raw as Record<string, unknown>;
  const type = str(event.type);
  if (type !== 'message' && type !== 'app_mention') return ignore(`event type ${type ?? '(none)'}`);
  const subtype = str(event.subtype);
  if (!MESSAGE_SUBTYPES.has(subtype)) return ignore(`message subtype ${subtype}`);
  const channel = str(event.channel);
  const ts = str(event.ts);
  if (!channel || !/^[A-Z0-9]{1,40}$/i.test(channel)) return ignore('missing or malformed channel');
  if (!ts || !/^\d{1,12}\.\d{1,9}$/.test(ts)) return ignore('missing or malformed ts');
  const user = str(event.user);
  const botId = str(event.bot_id);
  if (user === identity.botUserId || (botId !== undefined && botId === identity.botId))
    return ignore('own message');
  const senderId = user ?? botId;
  if (!senderId) return ignore('no sender');

  const original = str(event.text) ?? '';
  const mentionPattern = new RegExp(`<@${escapeRegExp(identity.botUserId)}(?:\\|[^>]*)?>`, 'g');
  const mentionsBot = type === 'app_mention' || mentionPattern.test(original);
  const text = decodeEntities(original.replace(mentionPattern, ' '))
    .replace(/[ \t]+/g, ' ')
    .trim();

  const threadTs = str(event.thread_ts);
  const inThread = threadTs !== undefined && threadTs !== ts;
  const channelType = str(event.channel_type);
  const isDirect = channelType === 'im' || (channelType === undefined && channel.startsWith('D'));
  const files = Array.isArray(event.files) ? (event.files as unknown[]).filter(isObject).map(toFile) : [];
  const profile = isObject(event.user_profile) ? event.user_profile : undefined;
  const senderName = str(profile?.display_name) || str(profile?.real_name) || str(event.username) || senderId;

  const message = inboundMessage(
    {
      channel: 'slack',
      chat: SLACK_CHAT_PREFIX + channel,
      platformId: ts,
      senderId,
      senderName,
      text,
      timestamp: Math.round(Number(ts) * 1000),
      mentionsBot,
      replyToBot: inThread && str(event.parent_user_id) === identity.botUserId,
      isGroup: !isDirect,
      threadId: inThread ? threadTs : undefined,
      replyToPlatformId: inThread ? threadTs : undefined,
    },
    maxTextLength,
  );
  return { kind: 'message', message, files };
}

const ignore = (reason: string): SlackDecision => ({ kind: 'ignore', reason });
const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;
const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A file on the event as the kit receives it: its name (or id), announced size and type, and where it is. */
function toFile(file: Record<string, unknown>): SlackInboundFile {
  return {
    name: str(file.name) ?? str(file.id) ?? 'file',
    size: typeof file.size === 'number' ? file.size : undefined,
    mime: str(file.mimetype),
    url: str(file.url_private_download) ?? str(file.url_private),
  };
}

/** Slack escapes exactly these three in message text. */
export const decodeEntities = (text: string): string =>
  text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
