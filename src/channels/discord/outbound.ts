/**
 * Everything the Discord channel sends, through @discordjs/rest (which handles
 * Discord's rate limits and 429s itself): messages split at 2000 characters with reply
 * threading on the first part, files, threads on a message, typing, reactions. Agents may
 * ping the users they name, never @everyone, @here or roles.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Routes } from '@discordjs/core';
import type { REST } from '@discordjs/rest';
import { checkUpload, type PartSender } from '../kit/outbound.js';
import { describeError } from '../kit/errors.js';
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

  /** The kit's part sender (sendInParts) for one target channel. */
  sender(channelId: string): PartSender {
    return {
      platform: 'Discord',
      limit: DISCORD_MESSAGE_LIMIT,
      dialect: 'discord',
      sendText: (part, replyTo) => this.postText(channelId, part, replyTo),
      editText: (previewId, part, replyTo) => this.finishPreview(channelId, previewId, part, replyTo),
      sendFile: (path, replyTo) => this.postFile(channelId, path, replyTo),
    };
  }

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
    for (const chunk of splitMessage(text, DISCORD_MESSAGE_LIMIT))
      ids.push(await this.postText(channelId, chunk, ids.length === 0 ? replyTo : undefined));
    return ids;
  }

  /** Replaces a message's text (a streamed reply's edits, then its final text). */
  async editMessage(channelId: string, messageId: string, content: string): Promise<void> {
    try {
      await this.options.rest().patch(Routes.channelMessage(channelId, messageId), {
        body: { content, allowed_mentions: { parse: ['users'], replied_user: true } },
      });
    } catch (error) {
      throw new Error(`Discord: editing ${messageId} in dc:${channelId} failed: ${describeError(error)}`, {
        cause: error,
      });
    }
  }

  /** One part of a reply; the first replies to the trigger. */
  postText(channelId: string, text: string, replyTo: string | undefined): Promise<string> {
    return this.post(channelId, { content: text, ...reference(replyTo) });
  }

  /**
   * The first part of a streamed reply's final text, as an edit of its preview. A preview
   * that is gone (deleted) is replaced by a new message; the id returned is the one holding it.
   */
  async finishPreview(
    channelId: string,
    messageId: string,
    text: string,
    replyTo: string | undefined,
  ): Promise<string> {
    try {
      await this.editMessage(channelId, messageId, text);
      return messageId;
    } catch (error) {
      if ((error as { cause?: { status?: number } }).cause?.status !== 404) throw error;
      return this.postText(channelId, text, replyTo);
    }
  }

  async postFile(channelId: string, path: string, replyTo: string | undefined): Promise<string> {
    await checkUpload('Discord', `dc:${channelId}`, path, this.options.maxUploadBytes);
    const name = basename(path);
    return this.post(channelId, { ...reference(replyTo), attachments: [{ id: 0, filename: name }] }, [
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
      throw new Error(`Discord: sending to dc:${channelId} failed: ${describeError(error)}`, {
        cause: error,
      });
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

/** Replies to `replyTo`, and still sends when that message is gone. */
export function reference(replyTo: string | undefined): Record<string, unknown> {
  return replyTo ? { message_reference: { message_id: replyTo, fail_if_not_exists: false } } : {};
}
