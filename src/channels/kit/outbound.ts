/**
 * The outbound half of every adapter, written once: render the agent's markdown for the
 * platform, split it at the platform's limit, send the parts in order (the first one replies
 * to the trigger, or becomes the final edit of a streamed preview), then the files, and
 * return the id of the first message sent. An adapter supplies the calls that send one part
 * and one file; the order, the reply threading and the "nothing to send" error are here.
 */
import { stat } from 'node:fs/promises';
import type { OutboundMessage, SentMessage } from '../../domain/channel.js';
import { renderMarkdown, type Dialect } from '../markdown.js';
import { splitMessage } from '../split-message.js';

export interface PartSender {
  /** The platform's name in errors ("Telegram"). */
  platform: string;
  /** Longest part, in characters. */
  limit: number;
  /**
   * Rendered before splitting. Without one the markdown is split and `sendText` renders each
   * part (Telegram re-sends a part whose formatting it refused as plain text from its markdown).
   */
  dialect?: Dialect;
  /** Sends one part; returns its platform id. */
  sendText(part: string, replyTo: string | undefined): Promise<string | undefined>;
  /** Turns the streamed preview `previewId` into the first part; returns the id now holding it. */
  editText?(previewId: string, part: string, replyTo: string | undefined): Promise<string>;
  /** Sends one file; `replyTo` is set when no text was sent before it. */
  sendFile(path: string, replyTo: string | undefined): Promise<string | undefined>;
}

export async function sendInParts(
  chat: string,
  message: OutboundMessage,
  sender: PartSender,
): Promise<SentMessage> {
  const text = sender.dialect ? renderMarkdown(message.text, sender.dialect) : message.text;
  let first: string | undefined;
  for (const [index, part] of splitMessage(text, sender.limit).entries()) {
    const replyTo = first ? undefined : message.replyTo;
    const id =
      index === 0 && message.edit && sender.editText
        ? await sender.editText(message.edit, part, replyTo)
        : await sender.sendText(part, replyTo);
    first ??= id;
  }
  for (const path of message.files ?? []) {
    const id = await sender.sendFile(path, first ? undefined : message.replyTo);
    first ??= id;
  }
  if (!first) throw new Error(`${sender.platform}: nothing to send to ${chat} (empty text and no files)`);
  return { platformId: first };
}

/** A file to upload must be a regular file within the platform's limit; the error says which it is not. */
export async function checkUpload(
  platform: string,
  chat: string,
  path: string,
  maxBytes: number,
): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new Error(`${platform}: cannot send ${path} to ${chat}: not a readable file`);
  if (info.size > maxBytes)
    throw new Error(`${platform}: ${path} is ${info.size} bytes, over the ${maxBytes}-byte upload limit`);
}
