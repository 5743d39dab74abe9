/**
 * The Telegram channel: grammY's Api client, long polling (polling.ts), inbound
 * normalisation (inbound.ts) and outbound messages rendered as Telegram HTML, with
 * a plain-text retry when Telegram rejects the entities. Chat ids are `tg:<chat id>`.
 * Thread streaming on Telegram is one status message, edited as progress arrives.
 *
 * grammY's `web` build, not its Node one: the same Api on Node's global fetch, where the Node
 * build loads node-fetch 2 with whatwg-url and tr46's Unicode table (2.6 MB more JS heap,
 * held for the life of the daemon; docs/performance.md).
 */
import { Api } from 'grammy/web';
import { ChannelRejectedError } from '../../domain/channel-rejected.js';
import type { ReactionTypeEmoji, Update } from 'grammy/types';
import type { Logger } from '../../observability/logger.js';
import { DEFAULT_ATTACHMENT_LIMITS, type AttachmentLimits } from '../attachments.js';
import { KitChannel } from '../kit/channel.js';
import type { FileSource } from '../kit/files.js';
import { sendInParts } from '../kit/outbound.js';
import {
  normaliseTelegramReactions,
  normaliseTelegramUpdate,
  telegramChatId,
  TELEGRAM_CHAT_PREFIX,
  type TelegramFileRef,
  type TelegramIdentity,
} from './inbound.js';
import { messageNumber, TelegramOutbound, TELEGRAM_MESSAGE_LIMIT } from './outbound.js';
import { describe, fatalReason } from './errors.js';
import { startPolling } from './polling.js';
import { DEFAULT_RETRY_POLICY, telegramRetry, type RetryPolicy } from './retry.js';
import { statusMessage } from './status.js';
import type { ProgressStream } from '../kit/progress.js';
import type {
  ChannelCapabilities,
  NoticeContext,
  OutboundMessage,
  SentMessage,
  ReplyPreview,
  StreamTarget,
} from '../../domain/channel.js';

export { TELEGRAM_MESSAGE_LIMIT };

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
  /** Bot API upload limit for documents (the cloud API; a self-hosted server allows more). */
  maxUploadBytes: 50 * 1024 * 1024,
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

export class TelegramChannel extends KitChannel {
  readonly name = 'telegram';
  readonly capabilities: ChannelCapabilities;
  private readonly api: Api;
  private readonly apiRoot: string;
  private readonly limits: TelegramLimits;
  private readonly outbound: TelegramOutbound;
  private stopPolling: (() => Promise<void>) | undefined;
  private identity: TelegramIdentity | undefined;

  constructor(private readonly options: TelegramChannelOptions) {
    const limits = { ...DEFAULT_TELEGRAM_LIMITS, ...options.limits };
    super({
      platform: 'Telegram',
      owns: TELEGRAM_CHAT_PREFIX,
      logger: options.logger.child({ channel: 'telegram' }),
      inboxFor: options.inboxFor,
      attachmentLimits: limits.attachment,
      // Telegram keeps an update until the poller confirms it: nothing is held here.
      holdWhileStorageDown: false,
      describe,
      progressIntervalMs: limits.statusEditIntervalMs,
      typing: { intervalMs: limits.typingIntervalMs, maxMs: limits.typingMaxMs },
    });
    this.limits = limits;
    // send_file refuses what the upload would: the limit in effect, not the default.
    this.capabilities = {
      maxMessageLength: TELEGRAM_MESSAGE_LIMIT,
      files: true,
      maxFileBytes: limits.maxUploadBytes,
    };
    this.apiRoot = (options.apiRoot ?? 'https://api.telegram.org').replace(/\/+$/, '');
    // The poll is held open for pollTimeoutSeconds: the client must wait longer than that.
    this.api = new Api(options.token, {
      apiRoot: this.apiRoot,
      timeoutSeconds: this.limits.pollTimeoutSeconds + 30,
    });
    this.api.config.use(telegramRetry(this.limits.retry));
    this.outbound = new TelegramOutbound(this.api, this.logger, this.limits.maxUploadBytes);
  }

  /** The bot's id and username, known after connect(). */
  bot(): TelegramIdentity | undefined {
    return this.identity;
  }

  protected async open(): Promise<void> {
    this.setState('connecting');
    try {
      const me = await this.api.getMe();
      this.identity = { id: me.id, username: me.username };
      // getUpdates fails while a webhook is set; pending updates are kept, not dropped.
      await this.api.deleteWebhook({ drop_pending_updates: false });
    } catch (error) {
      const reason = describe(error);
      this.setState('failed', reason);
      const fatal = fatalReason(error);
      if (fatal) throw new ChannelRejectedError(fatal);
      throw new Error(
        `Telegram: cannot connect to ${this.apiRoot} (${reason}); check channels.telegram.token and apiRoot, and the network`,
      );
    }
    this.logger.info({ bot: this.identity.username }, 'Telegram connected');
    this.stopPolling = startPolling({
      api: this.api,
      logger: this.logger,
      pollTimeoutSeconds: this.limits.pollTimeoutSeconds,
      backoff: this.limits.backoff,
      handle: (update) => this.handleUpdate(update),
      state: (state, detail) => this.setState(state, detail),
    });
    this.setState('connected');
  }

  protected async close(): Promise<void> {
    await this.stopPolling?.();
    this.stopPolling = undefined;
  }

  async send(chat: string, message: OutboundMessage): Promise<SentMessage> {
    return sendInParts(chat, message, this.outbound.sender(chat, message.thread));
  }

  /** The reply as it is written: plain text, edited at most once per statusEditIntervalMs. */
  stream(chat: string, target: StreamTarget): ReplyPreview {
    return this.preview(chat, {
      intervalMs: this.limits.statusEditIntervalMs,
      post: (text) => this.outbound.postPlain(chat, text, target.replyTo, target.thread),
      edit: (messageId, text) => this.outbound.editPlain(chat, messageId, text),
    });
  }

  protected override async sendTyping(chat: string): Promise<void> {
    await this.api.sendChatAction(telegramChatId(chat), 'typing');
  }

  /** Progress while an agent works: one status message per piece of work (status.ts). */
  protected override progressStream(chat: string, context: NoticeContext): ProgressStream {
    return statusMessage(this.outbound, chat, context.triggerPlatformId);
  }

  async react(chat: string, platformMessageId: string, emoji: string, remove: boolean): Promise<void> {
    const reaction = remove ? [] : [{ type: 'emoji', emoji } as ReactionTypeEmoji];
    await this.reacting(chat, platformMessageId, emoji, remove, () =>
      this.api.setMessageReaction(
        telegramChatId(chat),
        messageNumber(platformMessageId, 'message'),
        reaction,
      ),
    );
  }

  /** A numeric user id becomes a link that notifies the user; a username becomes @username. */
  formatMention(userIdOrName: string): string {
    if (/^\d+$/.test(userIdOrName)) return `[${userIdOrName}](tg://user?id=${userIdOrName})`;
    return `@${userIdOrName.replace(/^@/, '')}`;
  }

  private async handleUpdate(update: Update): Promise<void> {
    if (!this.identity || !this.intake.connected) return;
    for (const reaction of normaliseTelegramReactions(update, this.identity)) this.intake.reaction(reaction);
    const normalised = normaliseTelegramUpdate(update, this.identity);
    if (normalised) await this.intake.deliver(normalised.message, normalised.files, (f) => this.locate(f));
  }

  /** getFile gives the file's path on the Bot API server. */
  private async locate(file: TelegramFileRef): Promise<FileSource> {
    const info = await this.api.getFile(file.fileId);
    if (!info.file_path) throw new Error('Telegram returned no file_path');
    const path = info.file_path.split('/').map(encodeURIComponent).join('/');
    // Contains the bot token: passed to fetch only, never logged or put in an error.
    return { url: `${this.apiRoot}/file/bot${this.options.token}/${path}`, size: info.file_size };
  }
}
