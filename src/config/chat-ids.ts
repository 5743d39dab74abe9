/**
 * The chat ids a route may name: `<prefix>:<id>` for the built-in channels, or a WhatsApp
 * JID. A typo (`foo:bar`, `telegram:42`) would otherwise route nothing, silently.
 */
export const CHAT_PREFIXES = ['local:', 'tg:', 'dc:', 'slack:'] as const;
const WHATSAPP_JID = /^[^@\s]+@(s\.whatsapp\.net|g\.us|lid)$/;

/** Why `chat` is not a chat id any channel handles, or undefined when it is one. */
export function chatIdProblem(chat: string, prefixes: readonly string[] = CHAT_PREFIXES): string | undefined {
  if (WHATSAPP_JID.test(chat)) return undefined;
  const prefix = prefixes.find((p) => chat.startsWith(p));
  if (prefix && chat.length > prefix.length && !/\s/.test(chat)) return undefined;
  return (
    `"${chat}" is not a chat id: use ${prefixes.map((p) => `${p}<id>`).join(', ')} or a WhatsApp JID ` +
    '(<number>@s.whatsapp.net, <id>@g.us); the log names the chat id of every message that has no route'
  );
}
