/**
 * Turns a baileys WAMessage into an InboundMessage or an InboundReaction, or says why it is
 * ignored. No socket:
 * the only outside help is `resolveLid`, which maps a privacy `@lid` id to the phone JID
 * when baileys knows it, so the same person always has the same chat id.
 */
import {
  getContentType,
  normalizeMessageContent,
  isJidBroadcast,
  isJidGroup,
  isJidNewsletter,
  isLidUser,
  jidDecode,
  jidNormalizedUser,
  type WAMessage,
  type WAMessageKey,
} from 'baileys';
import type { InboundMessage, InboundReaction } from '../../domain/channel.js';
import { MAX_INBOUND_TEXT } from '../../domain/inbound-text.js';
import type { PlatformFile } from '../kit/files.js';
import { inboundMessage } from '../kit/message.js';

/** The bot's own account as baileys reports it (socket.user): its phone JID and @lid JID, with device suffixes. */
export interface OwnAccount {
  id?: string;
  lid?: string;
}

export type LidResolver = (lid: string) => Promise<string | undefined>;

export type WhatsAppDecision =
  | { kind: 'ignore'; reason: string }
  /** `file`: the message's image, video, audio, document or sticker, named even when the sender gave no name. */
  | { kind: 'message'; message: InboundMessage; file?: PlatformFile }
  /** An emoji someone added to a message (the host reads 👍 / 👎 on its approval requests). */
  | { kind: 'reaction'; reaction: InboundReaction };

type Content = Record<string, unknown>;

export async function normaliseWhatsAppMessage(
  msg: WAMessage,
  own: OwnAccount,
  resolveLid: LidResolver,
  maxTextLength = MAX_INBOUND_TEXT,
): Promise<WhatsAppDecision> {
  const key: WAMessageKey | undefined = msg.key;
  if (!key || typeof key.remoteJid !== 'string' || !key.remoteJid) return ignore('no remoteJid');
  if (typeof key.id !== 'string' || !key.id || key.id.length > 128) return ignore('missing or malformed id');
  if (key.fromMe) return ignore('own message');
  const remote = key.remoteJid;
  if (isJidBroadcast(remote) || isJidNewsletter(remote)) return ignore('status, broadcast or newsletter');
  // A status shared into a group is not someone writing to the chat.
  if (msg.message?.groupStatusMessage || msg.message?.groupStatusMessageV2) return ignore('group status');
  // Ephemeral, view-once and captioned-document messages wrap the real content.
  const content = normalizeMessageContent(msg.message);
  const type = getContentType(content);
  if (!content || !type) return ignore('no message content');
  const inner = content[type];
  const body: Content = isObject(inner) ? inner : {};

  const isGroup = isJidGroup(remote) === true;
  const chat = isGroup ? remote : await toPhoneJid(remote, key.remoteJidAlt, resolveLid);
  const senderRaw = isGroup ? key.participant : remote;
  if (!senderRaw) return ignore('group message without participant');
  const sender = await toPhoneJid(senderRaw, isGroup ? key.participantAlt : key.remoteJidAlt, resolveLid);
  if (isSelf(sender, own) || isSelf(senderRaw, own)) return ignore('own message (another device)');
  if (type === 'reactionMessage') return reactionOf(body, chat, sender);

  const mediaKind = MEDIA_KINDS[type];
  const mime = typeof body.mimetype === 'string' ? body.mimetype : undefined;
  const file: PlatformFile | undefined = mediaKind
    ? {
        name: nonEmpty(body.fileName) ?? `${mediaKind}-${key.id}${extensionFor(mime)}`,
        mime,
        size: toNumber(body.fileLength),
      }
    : undefined;
  let text = nonEmpty(type === 'conversation' ? inner : (body.text ?? body.caption));
  if (text === undefined && !file)
    return ignore('no text or media (reaction, protocol or unsupported message)');
  text ??= '';

  const context = isObject(body.contextInfo) ? body.contextInfo : undefined;
  const mentioned = Array.isArray(context?.mentionedJid) ? (context.mentionedJid as unknown[]) : [];
  const mentionsBot = mentioned.some((jid) => typeof jid === 'string' && isSelf(jid, own));
  // The router sees "help", not "@15550001111 help" (as on the other platforms).
  if (mentionsBot) text = stripSelfMentions(text, own);
  const quotedId = typeof context?.stanzaId === 'string' ? context.stanzaId : undefined;
  const quotedAuthor = typeof context?.participant === 'string' ? context.participant : undefined;
  const replyToBot = quotedId !== undefined && quotedAuthor !== undefined && isSelf(quotedAuthor, own);

  const message = inboundMessage(
    {
      channel: 'whatsapp',
      chat,
      platformId: key.id,
      senderId: sender,
      senderName: cleanName(msg.pushName) ?? sender.split('@')[0] ?? sender,
      text,
      timestamp: toMillis(msg.messageTimestamp),
      mentionsBot,
      replyToBot,
      isGroup,
      replyToPlatformId: quotedId,
    },
    maxTextLength,
  );
  return file ? { kind: 'message', message, file } : { kind: 'message', message };
}

/** A reaction names the message it is on by its key; an empty text is a reaction taken back. */
function reactionOf(reaction: Content, chat: string, sender: string): WhatsAppDecision {
  const target = isObject(reaction.key) ? reaction.key.id : undefined;
  const emoji = reaction.text;
  if (typeof target !== 'string' || !target || target.length > 128)
    return ignore('reaction without a message id');
  if (typeof emoji !== 'string' || !emoji) return ignore('reaction removed');
  return {
    kind: 'reaction',
    reaction: {
      channel: 'whatsapp',
      chat,
      platformMessageId: target,
      senderId: sender,
      emoji: emoji.slice(0, 32),
    },
  };
}

/** The message types whose file is offered to the agent, by baileys' content type. */
const MEDIA_KINDS: Partial<Record<string, string>> = {
  imageMessage: 'image',
  videoMessage: 'video',
  audioMessage: 'audio',
  documentMessage: 'document',
  stickerMessage: 'sticker',
};

/** ".jpg" for image/jpeg; nothing for a type that does not look like one. */
function extensionFor(mime: string | undefined): string {
  const sub = mime?.split(';')[0]?.split('/')[1];
  return sub && /^[a-z0-9.+-]{1,10}$/.test(sub) ? `.${sub.replace('jpeg', 'jpg')}` : '';
}

/** An @lid id becomes the phone JID the message names beside it, or the one baileys has stored. */
async function toPhoneJid(jid: string, alt: string | undefined, resolveLid: LidResolver): Promise<string> {
  let phone: string | undefined = jid;
  if (isLidUser(jid)) {
    // An unknown mapping is normal for new contacts: the @lid id is kept.
    phone = alt && !isLidUser(alt) ? alt : await resolveLid(jid).catch(() => undefined);
  }
  return jidNormalizedUser(phone ?? jid) || jid;
}

function isSelf(jid: string, own: OwnAccount): boolean {
  const normal = jidNormalizedUser(jid);
  return !!normal && [own.id, own.lid].some((ownJid) => ownJid && jidNormalizedUser(ownJid) === normal);
}

function stripSelfMentions(text: string, own: OwnAccount): string {
  const users = [own.id, own.lid]
    .map((jid) => jidDecode(jid)?.user)
    .filter((user): user is string => !!user && /^\d+$/.test(user));
  if (!users.length) return text;
  const pattern = new RegExp(`(^|\\s)@(?:${users.join('|')})\\b`, 'g');
  return text
    .replace(pattern, '$1')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}

/** Push names are chosen by the sender: no control or bidi characters, bounded. */
function cleanName(name: string | null | undefined): string | undefined {
  if (typeof name !== 'string') return undefined;
  const cleaned = name
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .trim();
  return cleaned ? cleaned.slice(0, 100) : undefined;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (isObject(value) && typeof value.toNumber === 'function') return (value.toNumber as () => number)();
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

const toMillis = (seconds: unknown): number => {
  const n = toNumber(seconds);
  return n !== undefined && n > 0 ? n * 1000 : Date.now();
};

const nonEmpty = (value: unknown): string | undefined =>
  typeof value === 'string' && value ? value : undefined;
const ignore = (reason: string): WhatsAppDecision => ({ kind: 'ignore', reason });
const isObject = (value: unknown): value is Content => typeof value === 'object' && value !== null;
