/**
 * Chat ids: one normalised string per conversation, prefixed by the channel that owns it.
 * Adapters make them, config routes name them, the store keys on them; this is the one
 * table of prefixes they all share.
 */

/** The prefix of each channel's chat ids. WhatsApp uses bare JIDs instead (see below). */
export const CHAT_PREFIXES = {
  local: 'local:',
  telegram: 'tg:',
  discord: 'dc:',
  slack: 'slack:',
} as const;

/** WhatsApp chat ids are the platform's JIDs: people …@s.whatsapp.net, groups …@g.us (…@lid before mapping). */
export const WHATSAPP_JID = /@(s\.whatsapp\.net|g\.us|lid)$/;

/** The channel a chat id belongs to, or undefined for an id no channel makes. */
export function channelOfChat(chat: string): string | undefined {
  for (const [channel, prefix] of Object.entries(CHAT_PREFIXES)) {
    if (chat.startsWith(prefix) && chat.length > prefix.length) return channel;
  }
  return WHATSAPP_JID.test(chat) ? 'whatsapp' : undefined;
}
