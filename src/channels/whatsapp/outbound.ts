/** Outgoing WhatsApp content: real mentions from "@<number>" text, files as image or document. */
import { basename, extname } from 'node:path';
import type { AnyMessageContent } from 'baileys';

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
