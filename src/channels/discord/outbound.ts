/**
 * Everything the Discord channel sends, through @discordjs/core's channel API on the
 * connection's @discordjs/rest client (which handles Discord's rate limits and 429s itself):
 * messages split at 2000 characters with reply threading on the first part, files, threads on
 * a message, typing, reactions. Agents may ping the users they name, never @everyone, @here
 * or roles.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  AllowedMentionsTypes,
  ThreadAutoArchiveDuration,
  type ChannelsAPI,
  type CreateMessageOptions,
} from '@discordjs/core';
import { checkUpload, type PartSender } from '../kit/outbound.js';
import { describeError } from '../kit/errors.js';

export const DISCORD_MESSAGE_LIMIT = 2000;

/** Agents cannot ping @everyone, @here or roles; users they name are pinged. */
const ALLOWED_MENTIONS = { parse: [AllowedMentionsTypes.User], replied_user: true };

export class DiscordOutbound {
  /**
   * @param channels the connected client's channel API (throws when not connected)
   * @param sent called with the id of every message sent, to recognise replies to the bot later
   */
  constructor(
    private readonly channels: () => ChannelsAPI,
    private readonly maxUploadBytes: number,
    private readonly sent: (id: string) => void,
  ) {}

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
    await this.channels().showTyping(channelId);
  }

  /** `emoji` is a Unicode emoji or a custom one as name:id; the library URL-encodes either. */
  async react(channelId: string, messageId: string, emoji: string, remove: boolean): Promise<void> {
    if (remove) await this.channels().deleteOwnMessageReaction(channelId, messageId, emoji);
    else await this.channels().addMessageReaction(channelId, messageId, emoji);
  }

  /** Replaces a message's text (a streamed reply's edits, then its final text). */
  async editMessage(channelId: string, messageId: string, content: string): Promise<void> {
    try {
      const body = { content, allowed_mentions: ALLOWED_MENTIONS };
      await this.channels().editMessage(channelId, messageId, body);
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
  private async finishPreview(
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

  private async postFile(channelId: string, path: string, replyTo: string | undefined): Promise<string> {
    await checkUpload('Discord', `dc:${channelId}`, path, this.maxUploadBytes);
    const name = basename(path);
    return this.post(channelId, {
      ...reference(replyTo),
      attachments: [{ id: 0, filename: name }],
      files: [{ name, data: await readFile(path) }],
    });
  }

  private async post(channelId: string, message: CreateMessageOptions): Promise<string> {
    try {
      const body = { ...message, allowed_mentions: ALLOWED_MENTIONS };
      const { id } = await this.channels().createMessage(channelId, body);
      this.sent(id);
      return id;
    } catch (error) {
      throw new Error(`Discord: sending to dc:${channelId} failed: ${describeError(error)}`, {
        cause: error,
      });
    }
  }

  async openThread(channelId: string, messageId: string, name: string): Promise<string> {
    try {
      const body = { name, auto_archive_duration: ThreadAutoArchiveDuration.OneHour };
      return (await this.channels().createThread(channelId, body, messageId)).id;
    } catch (error) {
      // 160004: a thread already exists on that message; its id is the message's id.
      if ((error as { code?: number }).code === 160004) return messageId;
      throw error;
    }
  }
}

/** Replies to `replyTo`, and still sends when that message is gone. */
function reference(replyTo: string | undefined): Pick<CreateMessageOptions, 'message_reference'> {
  return replyTo ? { message_reference: { message_id: replyTo, fail_if_not_exists: false } } : {};
}
