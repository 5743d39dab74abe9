/**
 * What the agent reads and what the chat sees: the XML catch-up of a chat's messages, and
 * replies with their <internal> notes removed.
 */
import type { StoredMessage } from '../store/messages.js';

const escapeXml = (s: string): string =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // Control characters other than tab/newline are not valid XML 1.0.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');

export function formatMessages(messages: StoredMessage[]): string {
  const participants = [...new Set(messages.map((m) => m.senderName))];
  const lines = messages.map((m) => {
    const attachments = (m.attachments ?? [])
      .filter((a) => a.path)
      .map((a) => `\n<attachment path="${escapeXml(a.path!)}" name="${escapeXml(a.name)}"/>`)
      .join('');
    return (
      `<message id="${m.id}" sender="${escapeXml(m.senderName)}" time="${new Date(m.timestamp).toISOString()}">` +
      `${escapeXml(m.text)}${attachments}</message>`
    );
  });
  return `<messages participants="${escapeXml(participants.join(', '))}">\n${lines.join('\n')}\n</messages>`;
}

/** Removes <internal>…</internal> (the agent's notes to itself) and trims. */
export function stripInternal(text: string): string {
  return text
    .replace(/<internal>[\s\S]*?<\/internal>/gi, '')
    .replace(/<internal>[\s\S]*$/i, '')
    .trim();
}
