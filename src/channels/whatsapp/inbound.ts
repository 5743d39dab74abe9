/**
 * Turns a baileys WAMessage into an InboundMessage or an InboundReaction, or says why it is
 * ignored. No socket:
 * the only outside help is `resolveLid`, which maps a privacy `@lid` id to the phone JID
 * when baileys knows it, so the same person always has the same chat id.
 */
import {
  isJidBroadcast,
  isJidGroup,
  isJidNewsletter,
  isLidUser,
  jidNormalizedUser,
  type WAMessage,
} from 'baileys';
import type { InboundMessage, InboundReaction } from '../../domain/channel.js';
import { MAX_INBOUND_TEXT } from '../../domain/inbound-text.js';
import { inboundMessage } from '../kit/message.js';

export interface WhatsAppIdentity {
  /** The bot's own phone JID (…@s.whatsapp.net), device suffix removed. */
  phoneJid: string;
  /** The bot's own @lid JID, when WhatsApp gave one. */
  lidJid?: string;
}

export type LidResolver = (lid: string) => Promise<string | undefined>;

export interface MediaInfo {
  kind: 'image' | 'video' | 'audio' | 'document' | 'sticker';
  name?: string;
  mime?: string;
  size?: number;
}

export type WhatsAppDecision =
  | { kind: 'ignore'; reason: string }
  | { kind: 'message'; message: InboundMessage; media?: MediaInfo }
  /** An emoji someone added to a message (the host reads 👍 / 👎 on its approval requests). */
  | { kind: 'reaction'; reaction: InboundReaction };

type Content = Record<string, unknown>;

export async function normaliseWhatsAppMessage(
  msg: WAMessage,
  identity: WhatsAppIdentity,
  resolveLid: LidResolver,
  maxTextLength = MAX_INBOUND_TEXT,
): Promise<WhatsAppDecision> {
  const key = msg.key as (typeof msg.key & { remoteJidAlt?: string; participantAlt?: string }) | undefined;
  if (!key || typeof key.remoteJid !== 'string' || !key.remoteJid) return ignore('no remoteJid');
  if (typeof key.id !== 'string' || !key.id || key.id.length > 128) return ignore('missing or malformed id');
  if (key.fromMe) return ignore('own message');
  const remote = key.remoteJid;
  if (isJidBroadcast(remote) || isJidNewsletter(remote)) return ignore('status, broadcast or newsletter');
  const content = unwrap(msg.message as Content | null | undefined);
  if (!content) return ignore('no message content');

  const isGroup = isJidGroup(remote) === true;
  const chat = isGroup ? remote : await toPhoneJid(remote, key.remoteJidAlt, resolveLid);
  const senderRaw = isGroup ? key.participant : remote;
  if (!senderRaw) return ignore('group message without participant');
  const sender = await toPhoneJid(senderRaw, isGroup ? key.participantAlt : key.remoteJidAlt, resolveLid);
  if (isSelf(sender, identity) || isSelf(senderRaw, identity)) return ignore('own message (another device)');
  if (isObject(content.reactionMessage)) return reactionOf(content.reactionMessage, chat, sender);

  const media = mediaOf(content);
  let text = textOf(content);
  if (text === undefined && !media)
    return ignore('no text or media (reaction, protocol or unsupported message)');
  text ??= '';

  const context = contextOf(content);
  const mentioned = Array.isArray(context?.mentionedJid) ? (context.mentionedJid as unknown[]) : [];
  const mentionsBot = mentioned.some((jid) => typeof jid === 'string' && isSelf(jid, identity));
  // The router sees "help", not "@15550001111 help" (as on the other platforms).
  if (mentionsBot) text = stripSelfMentions(text, identity);
  const quotedId = typeof context?.stanzaId === 'string' ? context.stanzaId : undefined;
  const quotedAuthor = typeof context?.participant === 'string' ? context.participant : undefined;
  const replyToBot = quotedId !== undefined && quotedAuthor !== undefined && isSelf(quotedAuthor, identity);

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
  return media ? { kind: 'message', message, media } : { kind: 'message', message };
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

/** Ephemeral, view-once and captioned-document messages wrap the real content. */
function unwrap(content: Content | null | undefined): Content | undefined {
  let current = content ?? undefined;
  for (let depth = 0; depth < 5 && current; depth++) {
    const wrapper = [
      'ephemeralMessage',
      'viewOnceMessage',
      'viewOnceMessageV2',
      'documentWithCaptionMessage',
    ].find((name) => isObject(current![name]) && isObject((current![name] as Content).message));
    if (!wrapper) return current;
    current = (current[wrapper] as Content).message as Content;
  }
  return current;
}

function textOf(content: Content): string | undefined {
  if (typeof content.conversation === 'string' && content.conversation) return content.conversation;
  for (const field of ['extendedTextMessage', 'imageMessage', 'videoMessage', 'documentMessage'] as const) {
    const inner = content[field];
    if (!isObject(inner)) continue;
    const value = field === 'extendedTextMessage' ? inner.text : inner.caption;
    if (typeof value === 'string' && value) return value;
  }
  return undefined;
}

const MEDIA_FIELDS = {
  imageMessage: 'image',
  videoMessage: 'video',
  audioMessage: 'audio',
  documentMessage: 'document',
  stickerMessage: 'sticker',
} as const;

function mediaOf(content: Content): MediaInfo | undefined {
  for (const [field, kind] of Object.entries(MEDIA_FIELDS)) {
    const inner = content[field];
    if (!isObject(inner)) continue;
    return {
      kind,
      name: typeof inner.fileName === 'string' ? inner.fileName : undefined,
      mime: typeof inner.mimetype === 'string' ? inner.mimetype : undefined,
      size: toNumber(inner.fileLength),
    };
  }
  return undefined;
}

function contextOf(content: Content): Content | undefined {
  for (const value of Object.values(content)) {
    if (isObject(value) && isObject(value.contextInfo)) return value.contextInfo;
  }
  return undefined;
}

async function toPhoneJid(jid: string, alt: string | undefined, resolveLid: LidResolver): Promise<string> {
  if (!isLidUser(jid)) return jidNormalizedUser(jid) || jid;
  if (alt && !isLidUser(alt)) return jidNormalizedUser(alt) || jid;
  try {
    const phone = await resolveLid(jid);
    if (phone) return jidNormalizedUser(phone) || jid;
  } catch {
    // An unknown mapping is normal for new contacts: keep the @lid id.
  }
  return jidNormalizedUser(jid) || jid;
}

function isSelf(jid: string, identity: WhatsAppIdentity): boolean {
  const normal = jidNormalizedUser(jid);
  return normal === identity.phoneJid || (identity.lidJid !== undefined && normal === identity.lidJid);
}

function stripSelfMentions(text: string, identity: WhatsAppIdentity): string {
  const users = [identity.phoneJid, identity.lidJid]
    .map((jid) => jid?.split('@')[0])
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

const ignore = (reason: string): WhatsAppDecision => ({ kind: 'ignore', reason });
const isObject = (value: unknown): value is Content => typeof value === 'object' && value !== null;
