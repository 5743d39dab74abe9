/**
 * What the Telegram channel sends, through grammY's Api: message parts rendered as Telegram
 * HTML with a plain-text retry when Telegram rejects the entities, the final edit of a
 * streamed preview, documents, and plain status text. Errors are typed for the outbox
 * (ChannelSendError: retry after a 429's retry_after, retry 5xx and network errors).
 */
import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { GrammyError, InputFile, type Api } from 'grammy/web';
import type { ReplyParameters } from 'grammy/types';
import type { Logger } from '../../observability/logger.js';
import { markdownToPlainText, renderMarkdown } from '../markdown.js';
import { checkUpload, type PartSender } from '../kit/outbound.js';
import { describe, isEntityError, sendError } from './errors.js';
import { telegramChatId } from './inbound.js';

export const TELEGRAM_MESSAGE_LIMIT = 4096;

/** Where a message goes (placement()). */
type Placement = { reply_parameters?: ReplyParameters; message_thread_id?: number };
/** How a text is sent: as Telegram HTML, or (no parse_mode) as it is. */
type Format = { parse_mode?: 'HTML' };

export class TelegramOutbound {
  constructor(
    private readonly api: Api,
    private readonly logger: Logger,
    private readonly maxUploadBytes: number,
  ) {}

  /** The calls sendInParts makes for one message to `chat` (in a forum topic when `thread` is set). */
  sender(chat: string, thread: string | undefined): PartSender {
    const chatId = telegramChatId(chat);
    return {
      platform: 'Telegram',
      limit: TELEGRAM_MESSAGE_LIMIT,
      sendText: (part, replyTo) => this.sendPart(chatId, part, placement(replyTo, thread)),
      editText: (previewId, part, replyTo) =>
        this.finalEdit(chatId, previewId, part, placement(replyTo, thread)),
      sendFile: (path, replyTo) => this.sendFile(chatId, path, placement(replyTo, thread)),
    };
  }

  /** Plain text (status messages, previews); returns its message id. */
  async postPlain(chat: string, text: string, replyTo: string | undefined, thread?: string): Promise<string> {
    const sent = await this.api.sendMessage(telegramChatId(chat), text, placement(replyTo, thread));
    return String(sent.message_id);
  }

  async editPlain(chat: string, messageId: string, text: string): Promise<void> {
    await this.edit(telegramChatId(chat), messageId, text, {});
  }

  /** An edit that changes nothing ("message is not modified") is done, not an error. */
  private async edit(chatId: string, messageId: string, text: string, format: Format): Promise<void> {
    try {
      await this.api.editMessageText(chatId, messageNumber(messageId, 'message'), text, format);
    } catch (error) {
      if (!(error instanceof GrammyError && /not modified/i.test(error.description))) throw error;
    }
  }

  /** `deliver` with the markdown as Telegram HTML; when Telegram rejects its entities, as plain text. */
  private async formatted<T>(
    chatId: string,
    markdown: string,
    deliver: (text: string, format: Format) => Promise<T>,
  ): Promise<T> {
    try {
      return await deliver(renderMarkdown(markdown, 'telegram-html'), { parse_mode: 'HTML' });
    } catch (error) {
      if (!isEntityError(error)) throw error;
      this.logger.warn(
        { chat: `tg:${chatId}`, err: describe(error) },
        'Telegram rejected the formatting; sending plain text',
      );
      return deliver(markdownToPlainText(markdown), {});
    }
  }

  private async sendPart(chatId: string, markdown: string, placed: Placement): Promise<string> {
    try {
      const sent = await this.formatted(chatId, markdown, (text, format) =>
        this.api.sendMessage(chatId, text, { ...format, ...placed }),
      );
      return String(sent.message_id);
    } catch (error) {
      throw sendError(chatId, error);
    }
  }

  /**
   * The streamed preview becomes the reply: edited to the rendered text (plain when Telegram
   * rejects the entities). A preview that is gone (deleted, too old to edit: a 400 to either
   * edit) is replaced by a new message, so the reply still arrives once.
   */
  private async finalEdit(
    chatId: string,
    messageId: string,
    markdown: string,
    placed: Placement,
  ): Promise<string> {
    try {
      await this.formatted(chatId, markdown, (text, format) => this.edit(chatId, messageId, text, format));
      return messageId;
    } catch (error) {
      if (!(error instanceof GrammyError) || error.error_code !== 400) throw sendError(chatId, error);
      this.logger.warn(
        { chat: `tg:${chatId}`, err: describe(error) },
        'Telegram could not edit the streamed reply; sending it as a new message',
      );
      return this.sendPart(chatId, markdown, placed);
    }
  }

  private async sendFile(chatId: string, path: string, placed: Placement): Promise<string> {
    await checkUpload('Telegram', `tg:${chatId}`, path, this.maxUploadBytes);
    try {
      const document = new InputFile(await fileFromDisk(path), basename(path));
      const sent = await this.api.sendDocument(chatId, document, placed);
      return String(sent.message_id);
    } catch (error) {
      throw sendError(chatId, error);
    }
  }
}

/**
 * A file to upload, read from disk as it is sent (and again after a 429), never held whole in
 * memory. grammY's web build takes a Blob (it sends `blob.stream()`); its typings are the Node
 * build's, which list no Blob.
 */
async function fileFromDisk(path: string): Promise<ConstructorParameters<typeof InputFile>[0]> {
  return (await openAsBlob(path)) as unknown as ConstructorParameters<typeof InputFile>[0];
}

/** Telegram ids are integers; anything else is a caller's mistake, reported as such. */
export function messageNumber(id: string, what: string): number {
  if (!/^\d{1,15}$/.test(id)) throw new Error(`Telegram: "${id}" is not a ${what} id (expected a number)`);
  return Number(id);
}

/**
 * Where a message goes: in reply to `replyTo`, surviving a deleted original
 * (allow_sending_without_reply), and in the forum topic `thread`. grammY drops unset fields.
 */
function placement(replyTo: string | undefined, thread: string | undefined): Placement {
  return {
    reply_parameters: replyTo
      ? { message_id: messageNumber(replyTo, 'message'), allow_sending_without_reply: true }
      : undefined,
    message_thread_id: thread ? messageNumber(thread, 'thread') : undefined,
  };
}
