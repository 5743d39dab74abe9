/**
 * The Telegram channel: grammY's Api client, long polling (telegram-polling.ts), inbound
 * normalisation (telegram-inbound.ts) and outbound messages rendered as Telegram HTML, with
 * a plain-text retry when Telegram rejects the entities. Chat ids are `tg:<chat id>`.
 * Thread streaming on Telegram is one status message, edited as progress arrives.
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Api, GrammyError, HttpError, InputFile } from 'grammy';
import { ChannelSendError, kindForStatus } from '../domain/send-error.js';
import { ChannelRejectedError } from '../domain/channel-rejected.js';
import type { ReactionTypeEmoji, Update } from 'grammy/types';
import type { Logger } from '../observability/logger.js';
import {
  checkAnnouncedSize,
  DEFAULT_ATTACHMENT_LIMITS,
  downloadToInbox,
  notReceived,
  type AttachmentLimits,
} from './attachments.js';
import { markdownToPlainText, renderMarkdown } from './markdown.js';
import { splitMessage } from './split-message.js';
import { ThrottledPreview } from './reply-preview.js';
import {
  normaliseTelegramReactions,
  normaliseTelegramUpdate,
  telegramChatId,
  TELEGRAM_CHAT_PREFIX,
  type TelegramIdentity,
} from './telegram-inbound.js';
import { describe, TelegramPoller } from './telegram-polling.js';
import { DEFAULT_RETRY_POLICY, telegramRetry, type RetryPolicy } from './telegram-retry.js';
import { TelegramStatusMessages } from './telegram-status.js';
import type {
  Attachment,
  Channel,
  ChannelCapabilities,
  ChannelSink,
  ChannelState,
  NoticeContext,
  OutboundMessage,
  SentMessage,
  WorkNotice,
  ReplyPreview,
  StreamTarget,
} from '../domain/channel.js';
import { showWorkNotice, TypingLoops } from './work-feedback.js';

export const TELEGRAM_MESSAGE_LIMIT = 4096;
/** Bot API upload limit for documents (the cloud API; a self-hosted server allows more). */
const DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024;

export interface TelegramLimits {
  attachment: AttachmentLimits;
  maxUploadBytes: number;
  pollTimeoutSeconds: number;
  typingIntervalMs: number;
  typingMaxMs: number;
  statusEditIntervalMs: number;
  backoff: { initialMs: number; maxMs: number };
  retry: RetryPolicy;
}

export const DEFAULT_TELEGRAM_LIMITS: TelegramLimits = {
  attachment: DEFAULT_ATTACHMENT_LIMITS,
  maxUploadBytes: DEFAULT_MAX_UPLOAD_BYTES,
  pollTimeoutSeconds: 30,
  typingIntervalMs: 4_000,
  typingMaxMs: 30 * 60_000,
  statusEditIntervalMs: 1_000,
  backoff: { initialMs: 1_000, maxMs: 60_000 },
  retry: DEFAULT_RETRY_POLICY,
};

export interface TelegramChannelOptions {
  token: string;
  /** Bot API root without a trailing slash; default https://api.telegram.org. */
  apiRoot?: string;
  logger: Logger;
  /** Absolute folder to download a chat's attachments into; undefined: do not download. */
  inboxFor?: (chat: string) => string | undefined;
  limits?: Partial<TelegramLimits>;
}

export function createTelegramChannel(options: TelegramChannelOptions): TelegramChannel {
  return new TelegramChannel(options);
}

export class TelegramChannel implements Channel {
  readonly name = 'telegram';
  readonly capabilities: ChannelCapabilities = {
    maxMessageLength: TELEGRAM_MESSAGE_LIMIT,
    threads: true,
    reactions: true,
    edit: true,
    typing: true,
    files: true,
    maxFileBytes: 50 * 1024 * 1024, // Bot API upload limit
  };
  private readonly api: Api;
  private readonly apiRoot: string;
  private readonly limits: TelegramLimits;
  private readonly logger: Logger;
  private readonly typing = new TypingLoops();
  private readonly status: TelegramStatusMessages;
  private poller: TelegramPoller | undefined;
  private sink: ChannelSink | undefined;
  private identity: TelegramIdentity | undefined;
  private current: ChannelState = 'disconnected';

  constructor(private readonly options: TelegramChannelOptions) {
    this.apiRoot = (options.apiRoot ?? 'https://api.telegram.org').replace(/\/+$/, '');
    this.limits = { ...DEFAULT_TELEGRAM_LIMITS, ...options.limits };
    this.logger = options.logger.child({ channel: 'telegram' });
    // The poll is held open for pollTimeoutSeconds: the client must wait longer than that.
    this.api = new Api(options.token, {
      apiRoot: this.apiRoot,
      timeoutSeconds: this.limits.pollTimeoutSeconds + 30,
    });
    this.api.config.use(telegramRetry(this.limits.retry));
    this.status = new TelegramStatusMessages({
      intervalMs: this.limits.statusEditIntervalMs,
      logger: this.logger,
      post: (chat, text, replyTo) => this.postPlain(chat, text, replyTo),
      edit: (chat, messageId, text) => this.editPlain(chat, messageId, text),
    });
  }

  ownsChat(chat: string): boolean {
    return chat.startsWith(TELEGRAM_CHAT_PREFIX);
  }

  state(): ChannelState {
    return this.current;
  }

  /** The bot's id and username, known after connect(). */
  bot(): TelegramIdentity | undefined {
    return this.identity;
  }

  async connect(sink: ChannelSink): Promise<void> {
    this.sink = sink;
    this.setState('connecting');
    try {
      const me = await this.api.getMe();
      this.identity = { id: me.id, username: me.username };
      // getUpdates fails while a webhook is set; pending updates are kept, not dropped.
      await this.api.deleteWebhook({ drop_pending_updates: false });
    } catch (error) {
      const reason = describe(error);
      this.setState('failed', reason);
      if (error instanceof GrammyError && (error.error_code === 401 || error.error_code === 404))
        throw new ChannelRejectedError(
          `Telegram rejected the bot token (${reason}); check channels.telegram.token with @BotFather`,
        );
      throw new Error(
        `Telegram: cannot connect to ${this.apiRoot} (${reason}); check channels.telegram.token and apiRoot, and the network`,
      );
    }
    this.logger.info({ bot: this.identity.username }, 'Telegram connected');
    this.poller = new TelegramPoller({
      api: this.api,
      logger: this.logger,
      pollTimeoutSeconds: this.limits.pollTimeoutSeconds,
      backoff: this.limits.backoff,
      handle: (update) => this.handleUpdate(update),
      state: (state, detail) => this.setState(state, detail),
    });
    this.poller.start();
    this.setState('connected');
  }

  async disconnect(): Promise<void> {
    this.typing.stopAll();
    await this.status.closeAll();
    await this.poller?.stop();
    this.poller = undefined;
    this.setState('disconnected');
  }

  async send(chat: string, message: OutboundMessage): Promise<SentMessage> {
    const chatId = telegramChatId(chat);
    const thread = message.thread ? { message_thread_id: messageNumber(message.thread, 'thread') } : {};
    let first: string | undefined;
    for (const [index, chunk] of splitMessage(message.text, TELEGRAM_MESSAGE_LIMIT).entries()) {
      const replyTo = index === 0 ? message.replyTo : undefined;
      const id =
        index === 0 && message.edit
          ? await this.finalEdit(chatId, message.edit, chunk, replyTo, thread)
          : await this.sendChunk(chatId, chunk, replyTo, thread);
      first ??= id;
    }
    for (const path of message.files ?? []) {
      const id = await this.sendFile(chatId, path, first ? undefined : message.replyTo, thread);
      first ??= id;
    }
    if (!first) throw new Error(`Telegram: nothing to send to ${chat} (empty text and no files)`);
    // Sending a message ends Telegram's typing indicator; keep ours in step.
    return { platformId: first };
  }

  /** The reply as it is written: plain text, edited at most once per statusEditIntervalMs. */
  stream(chat: string, target: StreamTarget): ReplyPreview {
    const chatId = telegramChatId(chat);
    const thread = target.thread ? { message_thread_id: messageNumber(target.thread, 'thread') } : {};
    return new ThrottledPreview({
      intervalMs: this.limits.statusEditIntervalMs,
      maxLength: TELEGRAM_MESSAGE_LIMIT,
      post: async (text) => {
        const sent = await this.api.sendMessage(chatId, text, {
          ...replyParameters(target.replyTo),
          ...thread,
        });
        return String(sent.message_id);
      },
      edit: (messageId, text) => this.editPlain(chat, messageId, text),
      onError: (error) =>
        this.logger.warn(
          { chat, err: describe(error) },
          'Telegram reply preview stopped; the reply is still sent',
        ),
    });
  }

  notify(chat: string, notice: WorkNotice, context: NoticeContext): Promise<void> {
    return showWorkNotice(this.typing, chat, notice, context, {
      typing: {
        send: () => this.api.sendChatAction(telegramChatId(chat), 'typing').then(() => undefined),
        intervalMs: this.limits.typingIntervalMs,
        maxMs: this.limits.typingMaxMs,
        onError: (error) =>
          this.logger.debug({ chat, err: describe(error) }, 'Telegram typing indicator failed'),
      },
      progress: (key, text) => this.status.push(key, chat, text, context.triggerPlatformId),
      close: (key) => this.status.close(key),
    });
  }

  async react(chat: string, platformMessageId: string, emoji: string, remove: boolean): Promise<void> {
    const reaction = remove ? [] : [{ type: 'emoji', emoji } as ReactionTypeEmoji];
    try {
      await this.api.setMessageReaction(
        telegramChatId(chat),
        messageNumber(platformMessageId, 'message'),
        reaction,
      );
    } catch (error) {
      throw new Error(
        `Telegram: could not ${remove ? 'remove' : 'add'} reaction ${emoji} on ${chat}/${platformMessageId}: ${describe(error)}`,
      );
    }
  }

  /** A numeric user id becomes a link that notifies the user; a username becomes @username. */
  formatMention(userIdOrName: string): string {
    if (/^\d+$/.test(userIdOrName)) return `[${userIdOrName}](tg://user?id=${userIdOrName})`;
    return `@${userIdOrName.replace(/^@/, '')}`;
  }

  private setState(state: ChannelState, detail?: string): void {
    this.current = state;
    this.sink?.state(state, detail);
  }

  private async handleUpdate(update: Update): Promise<void> {
    if (!this.identity || !this.sink) return;
    for (const reaction of normaliseTelegramReactions(update, this.identity)) this.sink.reaction?.(reaction);
    const normalised = normaliseTelegramUpdate(update, this.identity);
    if (!normalised) return;
    const { message, files } = normalised;
    const inbox = files.length ? this.options.inboxFor?.(message.chat) : undefined;
    if (inbox) {
      const attachments: Attachment[] = [];
      for (const file of files) attachments.push(await this.download(inbox, file, message.chat));
      message.attachments = attachments;
    }
    // An unrouted chat is logged once by the intake, not here.
    this.sink.inbound(message);
  }

  private async download(
    inbox: string,
    file: { fileId: string; name: string; size?: number; mime?: string },
    chat: string,
  ): Promise<Attachment> {
    const label = `Telegram file ${file.name} in ${chat}`;
    try {
      checkAnnouncedSize(label, file.size, this.limits.attachment.maxBytes);
      const info = await this.api.getFile(file.fileId);
      if (!info.file_path) throw new Error('Telegram returned no file_path');
      const path = info.file_path.split('/').map(encodeURIComponent).join('/');
      return await downloadToInbox({
        inbox,
        name: file.name,
        // Contains the bot token: passed to fetch only, never logged or put in an error.
        url: `${this.apiRoot}/file/bot${this.options.token}/${path}`,
        label,
        announcedSize: info.file_size ?? file.size,
        mime: file.mime,
        limits: this.limits.attachment,
      });
    } catch (error) {
      this.logger.warn({ chat, file: file.name, err: describe(error) }, 'Telegram attachment not downloaded');
      return notReceived(file.name, error, file.size);
    }
  }

  private async sendChunk(
    chatId: string,
    markdown: string,
    replyTo: string | undefined,
    extra: object,
  ): Promise<string> {
    const reply = replyParameters(replyTo);
    try {
      const sent = await this.api.sendMessage(chatId, renderMarkdown(markdown, 'telegram-html'), {
        parse_mode: 'HTML',
        ...reply,
        ...extra,
      });
      return String(sent.message_id);
    } catch (error) {
      if (!isEntityError(error)) throw sendError(chatId, error);
      this.logger.warn(
        { chat: `tg:${chatId}`, err: describe(error) },
        'Telegram rejected the formatting; sending plain text',
      );
      try {
        const sent = await this.api.sendMessage(chatId, markdownToPlainText(markdown), {
          ...reply,
          ...extra,
        });
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
      await this.api.editMessageText(chatId, id, renderMarkdown(markdown, 'telegram-html'), {
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
      this.logger.warn(
        { chat: `tg:${chatId}`, err: describe(error) },
        'Telegram could not edit the streamed reply; sending it as a new message',
      );
      return this.sendChunk(chatId, markdown, replyTo, extra);
    }
  }

  private async sendFile(
    chatId: string,
    path: string,
    replyTo: string | undefined,
    extra: object,
  ): Promise<string> {
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile())
      throw new Error(`Telegram: cannot send ${path} to tg:${chatId}: not a readable file`);
    if (info.size > this.limits.maxUploadBytes) {
      throw new Error(
        `Telegram: ${path} is ${info.size} bytes, over the ${this.limits.maxUploadBytes}-byte upload limit`,
      );
    }
    const reply = replyParameters(replyTo);
    try {
      const sent = await this.api.sendDocument(chatId, new InputFile(path, basename(path)), {
        ...reply,
        ...extra,
      });
      return String(sent.message_id);
    } catch (error) {
      throw sendError(chatId, error);
    }
  }

  private async postPlain(chat: string, text: string, replyTo: string | undefined): Promise<string> {
    const reply = replyParameters(replyTo);
    const sent = await this.api.sendMessage(telegramChatId(chat), text, reply);
    return String(sent.message_id);
  }

  private async editPlain(chat: string, messageId: string, text: string): Promise<void> {
    try {
      await this.api.editMessageText(telegramChatId(chat), Number(messageId), text);
    } catch (error) {
      if (error instanceof GrammyError && /not modified/i.test(error.description)) return;
      throw error;
    }
  }
}

/** Telegram ids are integers; anything else is a caller's mistake, reported as such. */
function messageNumber(id: string, what: string): number {
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
