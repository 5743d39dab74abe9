/**
 * What the agent reads and what the chat sees: the XML catch-up of a chat's messages, and
 * replies with their <internal> notes removed.
 */
import { posix } from 'node:path';
import { formatBytes } from '../domain/file-size.js';
import type { Attachment } from '../domain/channel.js';
import { SANDBOX_PATHS } from '../sandbox/spec.js';
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

export interface FormatOptions {
  /** Where the runner finds received files (the workspace's inboxDir). */
  inboxDir?: string;
}

/** How the agent learns of a file: its path, or why it did not arrive (so it can tell the sender). */
function describeAttachment(a: Attachment, inboxDir: string): string {
  const path = a.file !== undefined ? posix.join(inboxDir, a.file) : a.path;
  if (path !== undefined) return `\n<attachment path="${escapeXml(path)}" name="${escapeXml(a.name)}"/>`;
  if (a.notReceived === undefined) return '';
  const size = a.size !== undefined ? ` (${formatBytes(a.size)})` : '';
  return escapeXml(`\n[file ${a.name}${size} not received: ${a.notReceived}]`);
}

export function formatMessages(messages: StoredMessage[], options: FormatOptions = {}): string {
  const inboxDir = options.inboxDir ?? SANDBOX_PATHS.inbox;
  const participants = [...new Set(messages.map((m) => m.senderName))];
  const lines = messages.map((m) => {
    const attachments = (m.attachments ?? []).map((a) => describeAttachment(a, inboxDir)).join('');
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
