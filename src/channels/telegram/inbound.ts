/**
 * Turns a Telegram update into OmniClaw's InboundMessage. Pure: no I/O, so every rule
 * (own messages, mentions, replies to the bot, captions, files, missing fields) is a row in
 * a test table. Updates come from a server we do not control: every field is checked.
 */
import type { Message, MessageEntity, Update } from 'grammy/types';
import type { InboundMessage, InboundReaction } from '../../domain/channel.js';
import { CHAT_PREFIXES } from '../../domain/chat-id.js';
import { inboundMessage } from '../kit/message.js';

export const TELEGRAM_CHAT_PREFIX = CHAT_PREFIXES.telegram;

export interface TelegramIdentity {
  id: number;
  username: string;
}

/** A file on the message, to be fetched with getFile and downloaded into the inbox. */
export interface TelegramFileRef {
  fileId: string;
  name: string;
  size?: number;
  mime?: string;
}

export interface NormalisedUpdate {
  message: InboundMessage;
  files: TelegramFileRef[];
}

export function telegramChatId(chat: string): string {
  const id = chat.slice(TELEGRAM_CHAT_PREFIX.length);
  if (!chat.startsWith(TELEGRAM_CHAT_PREFIX) || !/^-?\d{1,20}$/.test(id)) {
    throw new Error(
      `Telegram: "${chat}" is not a Telegram chat id (expected tg:<number>, e.g. tg:-1001234567890)`,
    );
  }
  return id;
}

/** The emojis a user added in a message_reaction update (removals and custom emojis are not reported). */
export function normaliseTelegramReactions(update: Update, bot: TelegramIdentity): InboundReaction[] {
  const r = update.message_reaction;
  if (!r || r.user?.id === bot.id) return [];
  const before = new Set(r.old_reaction.flatMap((x) => (x.type === 'emoji' ? [x.emoji] : [])));
  return r.new_reaction.flatMap((x) =>
    x.type === 'emoji' && !before.has(x.emoji)
      ? [
          {
            channel: 'telegram',
            chat: `${TELEGRAM_CHAT_PREFIX}${r.chat.id}`,
            platformMessageId: String(r.message_id),
            senderId: r.user ? String(r.user.id) : undefined,
            emoji: x.emoji,
          },
        ]
      : [],
  );
}

export function normaliseTelegramUpdate(update: Update, bot: TelegramIdentity): NormalisedUpdate | undefined {
  const msg = update.message as Message | undefined;
  if (!isUsableMessage(msg)) return undefined;
  if (msg.from?.id === bot.id) return undefined;
  const text = msg.text ?? msg.caption ?? '';
  const entities = msg.entities ?? msg.caption_entities ?? [];
  const reply = msg.reply_to_message;
  const message = inboundMessage({
    channel: 'telegram',
    chat: `${TELEGRAM_CHAT_PREFIX}${msg.chat.id}`,
    platformId: String(msg.message_id),
    senderId: String(msg.from?.id ?? msg.sender_chat?.id ?? 'unknown'),
    senderName: senderName(msg),
    text,
    timestamp: typeof msg.date === 'number' ? msg.date * 1000 : Date.now(),
    isGroup: msg.chat.type !== 'private',
    mentionsBot: mentionsBot(text, entities, bot),
    replyToBot: reply?.from?.id === bot.id,
    chatName: msg.chat.type === 'private' ? undefined : msg.chat.title,
    replyToPlatformId: typeof reply?.message_id === 'number' ? String(reply.message_id) : undefined,
    threadId:
      msg.is_topic_message && typeof msg.message_thread_id === 'number'
        ? String(msg.message_thread_id)
        : undefined,
  });
  return { message, files: filesOf(msg) };
}

function isUsableMessage(msg: Message | undefined): msg is Message {
  return (
    typeof msg === 'object' &&
    msg !== null &&
    typeof msg.message_id === 'number' &&
    typeof msg.chat === 'object' &&
    msg.chat !== null &&
    typeof msg.chat.id === 'number'
  );
}

function senderName(msg: Message): string {
  const from = msg.from;
  if (from) {
    const full = [from.first_name, from.last_name].filter((p) => typeof p === 'string' && p).join(' ');
    return full || from.username || String(from.id);
  }
  const chat = msg.sender_chat;
  return (chat && 'title' in chat && chat.title) || 'unknown';
}

/** An @username entity for the bot, a text_mention of the bot, or a /command@bot. */
export function mentionsBot(text: string, entities: MessageEntity[], bot: TelegramIdentity): boolean {
  const handle = `@${bot.username}`.toLowerCase();
  for (const entity of entities) {
    if (typeof entity?.offset !== 'number' || typeof entity.length !== 'number') continue;
    // Offsets are in UTF-16 code units: exactly JavaScript's string indexing.
    const slice = text.slice(entity.offset, entity.offset + entity.length).toLowerCase();
    if (entity.type === 'mention' && slice === handle) return true;
    if (entity.type === 'bot_command' && slice.endsWith(handle)) return true;
    if (entity.type === 'text_mention' && entity.user?.id === bot.id) return true;
  }
  return false;
}

/** The largest size of a photo, a document (or video, audio, animation), a voice note. */
function filesOf(msg: Message): TelegramFileRef[] {
  const id = msg.message_id;
  const photo = Array.isArray(msg.photo) ? msg.photo.at(-1) : undefined;
  const doc = msg.document ?? msg.video ?? msg.audio ?? msg.animation;
  // file_id first: a hostile payload's field may be anything, and `in` throws on a non-object.
  const found = [
    photo?.file_id && { file: photo, name: `photo-${id}.jpg`, mime: 'image/jpeg' },
    doc?.file_id && {
      file: doc,
      name: ('file_name' in doc && doc.file_name) || `file-${id}`,
      mime: doc.mime_type,
    },
    msg.voice?.file_id && { file: msg.voice, name: `voice-${id}.ogg`, mime: msg.voice.mime_type },
  ];
  return found.flatMap((f) =>
    f ? [{ fileId: f.file.file_id, name: f.name, size: f.file.file_size, mime: f.mime }] : [],
  );
}
