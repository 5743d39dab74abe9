/**
 * What the Telegram channel sends, through grammY's Api: message parts rendered as Telegram
 * HTML with a plain-text retry when Telegram rejects the entities, the final edit of a
 * streamed preview, documents, and plain status text. Errors are typed for the outbox
 * (ChannelSendError: retry after a 429's retry_after, retry 5xx and network errors).
 */
import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { GrammyError, HttpError, InputFile, type Api } from 'grammy/web';
import type { Logger } from '../../observability/logger.js';
import { ChannelSendError, kindForStatus } from '../../domain/send-error.js';
import { markdownToPlainText, renderMarkdown } from '../markdown.js';
import { checkUpload, type PartSender } from '../kit/outbound.js';
import { telegramChatId } from './inbound.js';
import { describe } from './polling.js';

export const TELEGRAM_MESSAGE_LIMIT = 4096;

export interface TelegramOutboundOptions {
  api: Api;
  logger: Logger;
  maxUploadBytes: number;
}

export class TelegramOutbound {
  constructor(private readonly options: TelegramOutboundOptions) {}

  /** The calls sendInParts makes for one message to `chat` (in a forum topic when `thread` is set). */
  sender(chat: string, thread: string | undefined): PartSender {
    const chatId = telegramChatId(chat);
    const extra = threadParameters(thread);
    return {
      platform: 'Telegram',
      limit: TELEGRAM_MESSAGE_LIMIT,
      sendText: (part, replyTo) => this.sendPart(chatId, part, replyTo, extra),
      editText: (previewId, part, replyTo) => this.finalEdit(chatId, previewId, part, replyTo, extra),
      sendFile: (path, replyTo) => this.sendFile(chatId, path, replyTo, extra),
    };
  }

  /** Plain text (status messages, previews); returns its message id. */
  async postPlain(chat: string, text: string, replyTo: string | undefined, thread?: string): Promise<string> {
    const { api } = this.options;
    const sent = await api.sendMessage(telegramChatId(chat), text, {
      ...replyParameters(replyTo),
      ...threadParameters(thread),
    });
    return String(sent.message_id);
  }

  async editPlain(chat: string, messageId: string, text: string): Promise<void> {
    try {
      await this.options.api.editMessageText(telegramChatId(chat), Number(messageId), text);
    } catch (error) {
      if (error instanceof GrammyError && /not modified/i.test(error.description)) return;
      throw error;
    }
  }

  private async sendPart(
    chatId: string,
    markdown: string,
    replyTo: string | undefined,
    extra: object,
  ): Promise<string> {
    const { api, logger } = this.options;
    const reply = replyParameters(replyTo);
    try {
      const sent = await api.sendMessage(chatId, renderMarkdown(markdown, 'telegram-html'), {
        parse_mode: 'HTML',
        ...reply,
        ...extra,
      });
      return String(sent.message_id);
    } catch (error) {
      if (!isEntityError(error)) throw sendError(chatId, error);
      logger.warn(
        { chat: `tg:${chatId}`, err: describe(error) },
        'Telegram rejected the formatting; sending plain text',
      );
      try {
        const sent = await api.sendMessage(chatId, markdownToPlainText(markdown), { ...reply, ...extra });
        return String(sent.message_id);
      } catch (plainError) {
        throw sendError(chatId, plainError);
      }
    }
  }

  /**
   * The streamed preview becomes the reply: edited to the rendered text. A preview that is
   * gone (deleted, too old to edit) is replaced by a new message, so the reply still arrives once.
   */
  private async finalEdit(
    chatId: string,
    messageId: string,
    markdown: string,
    replyTo: string | undefined,
    extra: object,
  ): Promise<string> {
    const id = messageNumber(messageId, 'message');
    try {
      await this.options.api.editMessageText(chatId, id, renderMarkdown(markdown, 'telegram-html'), {
        parse_mode: 'HTML',
      });
      return messageId;
    } catch (error) {
      if (error instanceof GrammyError && /not modified/i.test(error.description)) return messageId;
      if (isEntityError(error)) {
        await this.editPlain(`tg:${chatId}`, messageId, markdownToPlainText(markdown)).catch(
          (plainError: unknown) => {
            throw sendError(chatId, plainError);
          },
        );
        return messageId;
      }
      if (!(error instanceof GrammyError) || error.error_code !== 400) throw sendError(chatId, error);
      this.options.logger.warn(
        { chat: `tg:${chatId}`, err: describe(error) },
        'Telegram could not edit the streamed reply; sending it as a new message',
      );
      return this.sendPart(chatId, markdown, replyTo, extra);
    }
  }

  private async sendFile(
    chatId: string,
    path: string,
    replyTo: string | undefined,
    extra: object,
  ): Promise<string> {
    await checkUpload('Telegram', `tg:${chatId}`, path, this.options.maxUploadBytes);
    try {
      const sent = await this.options.api.sendDocument(
        chatId,
        new InputFile(await fileFromDisk(path), basename(path)),
        {
          ...replyParameters(replyTo),
          ...extra,
        },
      );
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

/** Replies survive a deleted original (allow_sending_without_reply). */
function replyParameters(replyTo: string | undefined): object {
  if (!replyTo) return {};
  return {
    reply_parameters: { message_id: messageNumber(replyTo, 'message'), allow_sending_without_reply: true },
  };
}

function threadParameters(thread: string | undefined): object {
  return thread ? { message_thread_id: messageNumber(thread, 'thread') } : {};
}

function isEntityError(error: unknown): boolean {
  return (
    error instanceof GrammyError && error.error_code === 400 && /entit|parse|tag/i.test(error.description)
  );
}

/** Typed for the outbox: a 429 says how long to wait, 5xx and network errors are retried, the rest not. */
function sendError(chatId: string, error: unknown): Error {
  const message = `Telegram: sending to tg:${chatId} failed: ${describe(error)}`;
  if (error instanceof GrammyError) {
    const retryAfter = error.parameters.retry_after;
    return new ChannelSendError(
      message,
      kindForStatus(error.error_code),
      typeof retryAfter === 'number' ? retryAfter * 1000 : undefined,
    );
  }
  if (error instanceof HttpError) return new ChannelSendError(message, 'unavailable');
  return new Error(message, { cause: error });
}
