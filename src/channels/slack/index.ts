/**
 * Slack in Socket Mode, on the official @slack/socket-mode and @slack/web-api clients
 * (connection.ts). Chat ids are `slack:<channel id>`. Inbound `message` and `app_mention`
 * events become InboundMessages (intake.ts: the same post arriving as both is passed on
 * once; the bot's own posts are dropped). Outbound text is rendered to mrkdwn and split at
 * ~4000 characters (outbound.ts). Slack has no typing indicator for bots, so "working" is
 * shown as a reaction (default :eyes:) on the triggering message, removed when the work
 * ends. A `reaction_added` event is passed to the host as its emoji (reactions.ts), which
 * reads 👍 / 👎 on its approval requests. Thread streaming posts intermediate output,
 * rate-limited, in the thread of the triggering message.
 */
import type { WebClient } from '@slack/web-api';
import { ChannelRejectedError } from '../../domain/channel-rejected.js';
import type {
  ChannelCapabilities,
  NoticeContext,
  OutboundMessage,
  ReplyPreview,
  SentMessage,
  StreamTarget,
} from '../../domain/channel.js';
import { backoffDelay } from '../../protocol/backoff.js';
import { SlackConnection, SlackRefusal, type SlackConnectionOptions } from './connection.js';
import { SLACK_CHAT_PREFIX } from './inbound.js';
import { KitChannel } from '../kit/channel.js';
import type { ProgressStream } from '../kit/progress.js';
import { slackFileSource } from './files.js';
import { SlackReceiver } from './intake.js';
import { SLACK_MESSAGE_LIMIT, SlackOutbound } from './outbound.js';
import { slackReactionName } from './reactions.js';

export interface SlackChannelOptions extends SlackConnectionOptions {
  /** Absolute inbox folder for a chat's attachments, or undefined (not routed: no download). */
  inboxFor(chat: string): string | undefined;
  limits?: {
    maxFileBytes?: number;
    maxFilesPerMessage?: number;
    maxInboundText?: number;
    /** Minimum time between two progress posts in one thread. */
    progressIntervalMs?: number;
    /** Least time between two edits of a streamed reply. */
    streamEditIntervalMs?: number;
  };
  /** Reaction shown on the triggering message while an agent works; '' disables it. */
  workingReaction?: string;
  /** Hosts the bot token may be sent to for downloads; defaults to files.slack.com and the API host. */
  fileHosts?: string[];
  /** First wait before connecting again when Slack is unreachable or the socket dropped; doubles, max 5 min. */
  retryDelayMs?: number;
}

export class SlackChannel extends KitChannel {
  readonly name = 'slack';
  readonly capabilities: ChannelCapabilities = {
    maxMessageLength: SLACK_MESSAGE_LIMIT,
    files: true,
    maxFileBytes: 1024 * 1024 * 1024, // files.uploadV2 limit
  };
  private connection: SlackConnection | undefined;
  private connected = false;
  private readonly receiver: SlackReceiver;
  private readonly outbound: SlackOutbound;
  /** The working reaction shown on each trigger, to take off when its work ends. */
  private readonly reacted = new Map<string, string>();
  private startAttempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SlackChannelOptions) {
    super({
      platform: 'Slack',
      owns: SLACK_CHAT_PREFIX,
      logger: options.logger.child({ channel: 'slack' }),
      inboxFor: options.inboxFor,
      // The kit's default (20 MB) unless the options set one.
      ...(options.limits?.maxFileBytes !== undefined && {
        attachmentLimits: { maxBytes: options.limits.maxFileBytes },
      }),
      maxFilesPerMessage: options.limits?.maxFilesPerMessage ?? 10,
      // Acked events are not delivered again: hold a message the store refused.
      holdWhileStorageDown: true,
      // The same post as `message` and `app_mention`, and redeliveries after a drop.
      dedupe: 2_000,
      progressIntervalMs: options.limits?.progressIntervalMs,
    });
    const apiHost = new URL(options.apiUrl ?? 'https://slack.com/api/').host;
    const fileHosts = new Set(options.fileHosts ?? ['files.slack.com', apiHost]);
    this.receiver = new SlackReceiver({
      intake: this.intake,
      logger: this.logger,
      fileSource: slackFileSource(options.botToken, fileHosts),
      maxInboundText: options.limits?.maxInboundText,
    });
    this.outbound = new SlackOutbound((chat) => this.client(chat));
  }

  protected async open(): Promise<void> {
    this.setState('connecting');
    const connection: SlackConnection = new SlackConnection(
      { ...this.options, logger: this.logger },
      {
        event: (event, identity) => this.receiver.receive(event, identity, connection.web),
        // A connection replaced or closed by disconnect() no longer speaks for the channel; the
        // live one reports 'connected' (Slack's hello) before its open() resolves.
        connected: () => {
          if (this.connection === connection) this.setState('connected');
        },
        // Web API calls keep working meanwhile (`connected` stays true): only events wait.
        dropped: () => {
          if (this.connection === connection)
            this.scheduleRetry(connection, 'Socket Mode connection dropped');
        },
      },
    );
    this.connection = connection;
    await this.attach(connection);
  }

  /**
   * Opens the connection, at start and again after a drop. Resolves when connected, or when
   * Slack is unreachable (the channel then keeps retrying with backoff in the background,
   * state 'connecting'). Rejects when Slack refuses a token, and the channel is 'failed':
   * retrying cannot fix that.
   */
  private async attach(connection: SlackConnection): Promise<void> {
    const live = (): boolean => this.connection === connection;
    let botUserId: string;
    try {
      ({ botUserId } = await connection.open());
    } catch (err) {
      // disconnect() came while it was opening: it has closed the connection already.
      if (!live()) return;
      if (err instanceof SlackRefusal) {
        await this.stopQuietly();
        this.setState('failed', err.message);
        throw new ChannelRejectedError(err.message, { cause: err });
      }
      this.scheduleRetry(connection, `Slack unreachable (${(err as Error).message})`);
      return;
    }
    if (!live()) {
      // disconnect() came while the socket was opening: close what opened after all.
      await connection.close();
      return;
    }
    this.connected = true;
    this.startAttempt = 0;
    this.logger.info({ botUserId }, 'slack connected');
  }

  send(chat: string, message: OutboundMessage): Promise<SentMessage> {
    return this.outbound.send(chat, message);
  }

  edit(chat: string, platformMessageId: string, text: string): Promise<void> {
    return this.outbound.edit(chat, platformMessageId, text);
  }

  /** The reply as it is written, in the thread it answers; chat.update at most once per second (tier 3). */
  stream(chat: string, target: StreamTarget): ReplyPreview {
    return this.preview(chat, {
      intervalMs: this.options.limits?.streamEditIntervalMs ?? 1_000,
      post: (text) => this.outbound.post(chat, text, target.thread),
      edit: (ts, text) => this.outbound.update(chat, ts, text),
    });
  }

  async react(chat: string, platformMessageId: string, emoji: string, remove: boolean): Promise<void> {
    const name = slackReactionName(emoji);
    await this.reacting(chat, platformMessageId, name, remove, () =>
      this.outbound.react(chat, platformMessageId, name, remove),
    );
  }

  /** Slack has no typing indicator for bots: "working" is a reaction on the trigger, once per piece of work. */
  protected override async workStarted(chat: string, key: string, context: NoticeContext): Promise<void> {
    const trigger = context.triggerPlatformId;
    const name = this.options.workingReaction ?? 'eyes';
    if (!trigger || !name || this.reacted.has(key)) return;
    this.reacted.set(key, name);
    await this.react(chat, trigger, name, false);
  }

  protected override async workEnded(chat: string, key: string, context: NoticeContext): Promise<void> {
    const name = this.reacted.get(key);
    this.reacted.delete(key);
    if (name && context.triggerPlatformId) await this.react(chat, context.triggerPlatformId, name, true);
  }

  /** Progress is posted in the trigger's thread (none without a trigger). */
  protected override progressStream(chat: string, context: NoticeContext): ProgressStream | undefined {
    const thread = context.triggerPlatformId;
    if (!thread) return undefined;
    return async (batch) => {
      await this.send(chat, { text: batch.join('\n\n'), thread });
    };
  }

  formatMention(userId: string): string {
    return `<@${userId}>`;
  }

  protected async close(): Promise<void> {
    clearTimeout(this.retryTimer);
    await this.stopQuietly();
  }

  /** Slack unreachable (network, 5xx) or the socket dropped: open again later rather than give up for good. */
  private scheduleRetry(connection: SlackConnection, reason: string): void {
    const initial = this.options.retryDelayMs ?? 2_000;
    const delay = backoffDelay(++this.startAttempt, { baseMs: initial, maxMs: 5 * 60_000 });
    const detail = `${reason}; retrying in ${delay} ms`;
    this.logger.warn(detail);
    this.setState('connecting', detail);
    clearTimeout(this.retryTimer);
    // A refusal is already reported as 'failed' by attach(); nothing is left to retry.
    this.retryTimer = setTimeout(() => {
      this.attach(connection).catch((error: unknown) =>
        this.logger.error({ err: (error as Error).message }, 'slack gave up'),
      );
    }, delay);
  }

  private client(chat: string): WebClient {
    if (!this.connection || !this.connected) throw new Error(`slack: not connected; cannot act on ${chat}`);
    return this.connection.web;
  }

  private async stopQuietly(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    this.connected = false;
    await connection?.close();
  }
}

export const createSlackChannel = (options: SlackChannelOptions): SlackChannel => new SlackChannel(options);
