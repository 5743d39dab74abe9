/**
 * Everything the Discord channel sends, through @discordjs/rest (which handles
 * Discord's rate limits and 429s itself): messages split at 2000 characters with reply
 * threading on the first part, files, threads on a message, typing, reactions. Agents may
 * ping the users they name, never @everyone, @here or roles.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Routes } from '@discordjs/core';
import type { REST } from '@discordjs/rest';
import { splitMessage } from '../split-message.js';

export const DISCORD_MESSAGE_LIMIT = 2000;

export interface DiscordOutboundOptions {
  rest: () => REST;
  maxUploadBytes: number;
  /** Called with the id of every message sent, to recognise replies to the bot later. */
  sent: (id: string) => void;
}

export class DiscordOutbound {
  constructor(private readonly options: DiscordOutboundOptions) {}

  async typing(channelId: string): Promise<void> {
    await this.options.rest().post(Routes.channelTyping(channelId));
  }

  async react(channelId: string, messageId: string, emoji: string, remove: boolean): Promise<void> {
    // Custom emoji are name:id; unicode emoji are URL-encoded.
    const encoded = /^\w+:\d+$/.test(emoji) ? emoji : encodeURIComponent(emoji);
    const route = Routes.channelMessageOwnReaction(channelId, messageId, encoded);
    await (remove ? this.options.rest().delete(route) : this.options.rest().put(route));
  }

  async postChunks(channelId: string, text: string, replyTo: string | undefined): Promise<string[]> {
    const ids: string[] = [];
    for (const chunk of splitMessage(text, DISCORD_MESSAGE_LIMIT)) {
      const reference =
        ids.length === 0 && replyTo
          ? { message_reference: { message_id: replyTo, fail_if_not_exists: false } }
          : {};
      ids.push(await this.post(channelId, { content: chunk, ...reference }));
    }
    return ids;
  }

  /** Replaces a message's text (a streamed reply's edits, then its final text). */
  async editMessage(channelId: string, messageId: string, content: string): Promise<void> {
    try {
      await this.options.rest().patch(Routes.channelMessage(channelId, messageId), {
        body: { content, allowed_mentions: { parse: ['users'], replied_user: true } },
      });
    } catch (error) {
      throw new Error(`Discord: editing ${messageId} in dc:${channelId} failed: ${describe(error)}`, {
        cause: error,
      });
    }
  }

  /**
   * The final text of a streamed reply: the preview is edited to the first chunk, the rest is
   * posted after it. A preview that is gone (deleted) is replaced by new messages.
   */
  async finishChunks(
    channelId: string,
    messageId: string,
    text: string,
    replyTo: string | undefined,
  ): Promise<string[]> {
    const [first = '', ...rest] = splitMessage(text, DISCORD_MESSAGE_LIMIT);
    try {
      await this.editMessage(channelId, messageId, first);
    } catch (error) {
      if ((error as { cause?: { status?: number } }).cause?.status !== 404) throw error;
      return this.postChunks(channelId, text, replyTo);
    }
    const ids = [messageId];
    for (const chunk of rest) ids.push(await this.post(channelId, { content: chunk }));
    return ids;
  }

  async postFile(channelId: string, path: string, replyTo: string | undefined): Promise<string> {
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile())
      throw new Error(`Discord: cannot send ${path} to dc:${channelId}: not a readable file`);
    if (info.size > this.options.maxUploadBytes) {
      throw new Error(
        `Discord: ${path} is ${info.size} bytes, over the ${this.options.maxUploadBytes}-byte upload limit`,
      );
    }
    const reference = replyTo
      ? { message_reference: { message_id: replyTo, fail_if_not_exists: false } }
      : {};
    const name = basename(path);
    return this.post(channelId, { ...reference, attachments: [{ id: 0, filename: name }] }, [
      { name, data: await readFile(path) },
    ]);
  }

  async post(
    channelId: string,
    body: Record<string, unknown>,
    files?: { name: string; data: Buffer }[],
  ): Promise<string> {
    try {
      const result = (await this.options.rest().post(Routes.channelMessages(channelId), {
        // Agents cannot ping @everyone, @here or roles; users they name are pinged.
        body: { ...body, allowed_mentions: { parse: ['users'], replied_user: true } },
        files,
      })) as { id: string };
      this.options.sent(result.id);
      return result.id;
    } catch (error) {
      throw new Error(`Discord: sending to dc:${channelId} failed: ${describe(error)}`, { cause: error });
    }
  }

  async openThread(channelId: string, messageId: string, name: string): Promise<string> {
    try {
      const thread = (await this.options.rest().post(Routes.threads(channelId, messageId), {
        body: { name, auto_archive_duration: 60 },
      })) as { id: string };
      return thread.id;
    } catch (error) {
      // 160004: a thread already exists on that message; its id is the message's id.
      if ((error as { code?: number }).code === 160004) return messageId;
      throw error;
    }
  }
}

/** Error text without URLs (@discordjs/rest errors can carry request URLs), with its code. */
export function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return [
    error.message.replace(/https?:\/\/\S+/g, '[url]'),
    typeof code === 'string' || typeof code === 'number' ? String(code) : undefined,
  ]
    .filter(Boolean)
    .join(' ');
}
