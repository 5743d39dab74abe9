/** Outgoing WhatsApp content: real mentions from "@<number>" text, files as image or document. */
import { basename, extname } from 'node:path';
import { DisconnectReason, type AnyMessageContent } from 'baileys';
import { ChannelSendError } from '../../domain/send-error.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.gif', '.webp']);

/** A text message, with the mentions WhatsApp needs to render "@4915…" as a real mention. */
export function textContent(text: string): AnyMessageContent {
  const mentions = mentionedJids(text);
  return mentions.length ? { text, mentions } : { text };
}

/** Images are sent as images (shown inline), everything else as a document with its name. */
export function fileContent(path: string, data: Buffer): AnyMessageContent {
  const name = basename(path);
  return IMAGE_EXTENSIONS.has(extname(name).toLowerCase())
    ? { image: data }
    : { document: data, fileName: name, mimetype: 'application/octet-stream' };
}

/** "@15551234567" in outgoing text → the JIDs WhatsApp needs to render real mentions. */
export function mentionedJids(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(/(?:^|[^\w@])@(\d{6,15})\b/g)) found.add(`${match[1]}@s.whatsapp.net`);
  return [...found];
}

/** baileys' codes that say the connection, not the message, failed: the outbox tries again later. */
const CONNECTION_TROUBLE: ReadonlySet<number> = new Set([
  DisconnectReason.connectionClosed,
  DisconnectReason.connectionLost,
  DisconnectReason.restartRequired,
  DisconnectReason.unavailableService,
]);

/**
 * A failed send as the outbox reads it. baileys fails with Boom errors whose codes are its own
 * (428: connection closed), not HTTP statuses the outbox could read; a send cut off by a
 * dropped connection is retried like any outage, the rest stay as they are (attempts counted).
 */
export function sendFailure(chat: string, error: unknown): unknown {
  const boom = error as { isBoom?: unknown; output?: { statusCode?: unknown }; message?: unknown };
  const status = boom?.isBoom === true ? boom.output?.statusCode : undefined;
  if (typeof status !== 'number') return error;
  const kind = status === 429 ? 'rate-limited' : CONNECTION_TROUBLE.has(status) ? 'unavailable' : undefined;
  if (!kind) return error;
  const sendError = new ChannelSendError(
    `whatsapp: sending to ${chat} failed: ${String(boom.message)}`,
    kind,
  );
  sendError.cause = error;
  return sendError;
}
