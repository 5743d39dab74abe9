/**
 * The Discord channel on @discordjs/core, @discordjs/ws and @discordjs/rest (gateway.ts):
 * the gateway delivers messages (reconnect and resume are @discordjs/ws's job; we report its
 * state and fetch what a fresh session missed), and everything we send goes through the REST
 * client, which honours Discord's rate limits. Chat ids are `dc:<channel id>`; a message in a
 * thread belongs to its parent channel's chat with `threadId` set. Thread streaming: a
 * thread on the triggering message.
 *
 * A message on its way in, live from the gateway or fetched after a gap: the channel's facts
 * from the cache, the pure normaliser (inbound.ts), then the kit's intake (files into the
 * routed agent's inbox, dedupe, held while the database cannot store it). Every message goes
 * through the intake's queue, so one waiting for a file or a channel lookup is never
 * overtaken by a later one.
 */
import { GatewayDispatchEvents, type GatewayReadyDispatchData } from '@discordjs/core';
import { WebSocketShardEvents } from '@discordjs/ws';
import type { Logger } from '../../observability/logger.js';
import { ChannelRejectedError } from '../../domain/channel-rejected.js';
import { DEFAULT_ATTACHMENT_LIMITS, type AttachmentLimits } from '../attachments.js';
import { KitChannel } from '../kit/channel.js';
import { sendInParts } from '../kit/outbound.js';
import type { ProgressStream } from '../kit/progress.js';
import { Recent } from '../kit/recent.js';
import {
  discordChannelId,
  DISCORD_CHAT_PREFIX,
  isAnswerable,
  normaliseDiscordMessage,
  normaliseDiscordReaction,
  type DiscordMessage,
} from './inbound.js';
import { threadStream } from './threads.js';
import { DiscordBackfill } from './backfill.js';
import { DiscordChannelCache } from './channel-cache.js';
import {
  closeDiscord,
  connectWithin,
  FATAL_CLOSE_CODES,
  openDiscord,
  tokenRejected,
  type DiscordConnection,
} from './gateway.js';
import { DiscordOutbound, DISCORD_MESSAGE_LIMIT } from './outbound.js';
import type {
  ChannelCapabilities,
  ChannelState,
  NoticeContext,
  OutboundMessage,
  ReplyPreview,
  SentMessage,
  StreamTarget,
} from '../../domain/channel.js';

export interface DiscordLimits {
  attachment: AttachmentLimits;
  /** Discord's upload limit for bots without server boosts. */
  maxUploadBytes: number;
  typingIntervalMs: number;
  typingMaxMs: number;
  threadPostIntervalMs: number;
  /** Least time between two edits of a streamed reply. */
  streamEditIntervalMs: number;
  connectTimeoutMs: number;
  /** REST retries for 5xx and timeouts (@discordjs/rest's default 3). */
  restRetries: number;
}

export const DEFAULT_DISCORD_LIMITS: DiscordLimits = {
  attachment: DEFAULT_ATTACHMENT_LIMITS,
  maxUploadBytes: 10 * 1024 * 1024,
  typingIntervalMs: 8_000,
  typingMaxMs: 30 * 60_000,
  threadPostIntervalMs: 1_500,
  streamEditIntervalMs: 1_000,
  connectTimeoutMs: 30_000,
  restRetries: 3,
};

export interface DiscordChannelOptions {
  token: string;
  /** REST API base, default https://discord.com/api; the gateway URL comes from GET /gateway/bot. */
  api?: string;
  logger: Logger;
  inboxFor?: (chat: string) => string | undefined;
  limits?: Partial<DiscordLimits>;
  /** Answer other bots' messages (off: two bots can talk to each other forever). */
  acceptBots?: boolean;
}

/** Ids of the bot's own recent messages kept, to recognise replies Discord did not resolve. */
const SENT_MEMORY = 2_000;

export function createDiscordChannel(options: DiscordChannelOptions): DiscordChannel {
  return new DiscordChannel(options);
}

export class DiscordChannel extends KitChannel {
  readonly name = 'discord';
  readonly capabilities: ChannelCapabilities;
  private readonly api: string;
  private readonly limits: DiscordLimits;
  private readonly outbound: DiscordOutbound;
  private readonly backfill = new DiscordBackfill(this.logger);
  private readonly cache = new DiscordChannelCache((id) => this.client().api.channels.get(id));
  private readonly sentIds = new Recent(SENT_MEMORY);
  /** Channels seen to be DMs, where threads cannot be opened (bounded, like every memory here). */
  private readonly dmChannels = new Recent(SENT_MEMORY);
  private connection: DiscordConnection | undefined;
  private bot: GatewayReadyDispatchData['user'] | undefined;

  constructor(private readonly options: DiscordChannelOptions) {
    const limits = { ...DEFAULT_DISCORD_LIMITS, ...options.limits };
    super({
      platform: 'Discord',
      owns: DISCORD_CHAT_PREFIX,
      logger: options.logger.child({ channel: 'discord' }),
      inboxFor: options.inboxFor,
      attachmentLimits: limits.attachment,
      // Discord hands each message over once (the gateway does not redeliver after we read it).
      holdWhileStorageDown: true,
      // A resumed session's replay and a backfill's overlap can repeat a message.
      dedupe: 2_000,
      progressIntervalMs: limits.threadPostIntervalMs,
      typing: { intervalMs: limits.typingIntervalMs, maxMs: limits.typingMaxMs },
    });
    this.limits = limits;
    // send_file refuses what the upload would: the limit in effect, not the default.
    this.capabilities = {
      maxMessageLength: DISCORD_MESSAGE_LIMIT,
      files: true,
      maxFileBytes: limits.maxUploadBytes,
    };
    this.api = (options.api ?? 'https://discord.com/api').replace(/\/+$/, '');
    this.outbound = new DiscordOutbound(
      () => this.client().api.channels,
      limits.maxUploadBytes,
      (id) => this.sentIds.remember(id),
    );
  }

  /** The bot's user id, known after connect(). */
  botId(): string | undefined {
    return this.bot?.id;
  }

  protected async open(): Promise<void> {
    this.setState('connecting');
    const connection = this.openGateway();
    this.connection = connection;
    try {
      await connectWithin(connection, this.limits.connectTimeoutMs);
      if (!this.bot) throw new Error('READY without the bot user');
    } catch (error) {
      const reason = this.describe(error);
      this.setState('failed', reason);
      this.connection = undefined;
      await closeDiscord(connection).catch(() => undefined);
      if (tokenRejected(error))
        throw new ChannelRejectedError(
          `Discord rejected the bot token (${reason}); reset it in the Developer Portal and update channels.discord.token`,
        );
      throw new Error(
        `Discord: cannot connect to ${this.api} (${reason}); check channels.discord.token and api, and the network`,
      );
    }
    this.logger.info({ bot: this.bot.username }, 'Discord connected');
    this.setState('connected');
  }

  protected async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    if (connection) await closeDiscord(connection);
  }

  async send(chat: string, message: OutboundMessage): Promise<SentMessage> {
    return sendInParts(chat, message, this.outbound.sender(discordChannelId(chat, message.thread)));
  }

  /** The reply as it is written, edited at most once per streamEditIntervalMs (Discord allows 5 edits / 5 s). */
  stream(chat: string, target: StreamTarget): ReplyPreview {
    const channelId = discordChannelId(chat, target.thread);
    return this.preview(chat, {
      intervalMs: this.limits.streamEditIntervalMs,
      post: (text) => this.outbound.postText(channelId, text, target.replyTo),
      edit: (messageId, text) => this.outbound.editMessage(channelId, messageId, text),
    });
  }

  protected override sendTyping(chat: string): Promise<void> {
    return this.outbound.typing(discordChannelId(chat));
  }

  /** Progress in a thread on the trigger; none in DMs (typing only), nor without a trigger to hang it off. */
  protected override progressStream(chat: string, context: NoticeContext): ProgressStream | undefined {
    const channelId = discordChannelId(chat);
    const trigger = context.triggerPlatformId;
    if (!trigger || this.dmChannels.has(channelId)) return undefined;
    return threadStream(channelId, trigger, this.outbound, (thread, text) =>
      this.send(chat, { text, thread }),
    );
  }

  async react(chat: string, platformMessageId: string, emoji: string, remove: boolean): Promise<void> {
    if (!/^\d{1,25}$/.test(platformMessageId))
      throw new Error(`Discord: "${platformMessageId}" is not a message id`);
    await this.reacting(chat, platformMessageId, emoji, remove, () =>
      this.outbound.react(discordChannelId(chat), platformMessageId, emoji, remove),
    );
  }

  formatMention(userIdOrName: string): string {
    return /^\d+$/.test(userIdOrName) ? `<@${userIdOrName}>` : `@${userIdOrName.replace(/^@/, '')}`;
  }

  private client(): DiscordConnection['client'] {
    if (!this.connection) throw new Error('Discord: not connected; call connect() first');
    return this.connection.client;
  }

  /** The gateway repeats itself (READY, RESUMED after connected): the same state is said once. */
  protected override setState(state: ChannelState, detail?: string): void {
    if (state !== this.state() || detail) super.setState(state, detail);
  }

  /** The connection, with its events wired to this channel's state and inbound path. */
  private openGateway(): DiscordConnection {
    const connection = openDiscord({
      token: this.options.token,
      api: this.api,
      restRetries: this.limits.restRetries,
      logger: this.logger,
    });
    const { client, gateway } = connection;
    const live = (): boolean => this.connection === connection;
    let sessions = 0;
    gateway.on(WebSocketShardEvents.Ready, (data) => {
      this.bot = data.user;
      // The first READY is the session open() waits for; a later one is a fresh session after a
      // gap, which Discord did not replay: fetch it.
      if (sessions++ === 0 || !live()) return;
      this.setState('connected');
      void this.backfill.run(client.api.channels, (message) => this.handle(message));
    });
    gateway.on(WebSocketShardEvents.Resumed, () => live() && this.setState('connected'));
    gateway.on(WebSocketShardEvents.Closed, (code) => {
      if (!live()) return;
      if (FATAL_CLOSE_CODES.has(code))
        this.setState('failed', `gateway closed with code ${code}; not reconnecting`);
      else if (this.intake.state() === 'connected')
        this.setState('disconnected', 'gateway connection lost; reconnecting');
    });
    this.cache.listen(client);
    client.on(GatewayDispatchEvents.MessageCreate, ({ data }) => {
      if (live()) void this.handle(data);
    });
    client.on(GatewayDispatchEvents.MessageReactionAdd, ({ data }) => {
      const botId = this.bot?.id;
      if (!live() || !botId || !this.intake.connected) return;
      const reaction = normaliseDiscordReaction(data, botId);
      if (reaction) this.intake.reaction(reaction);
    });
    return connection;
  }

  /** Queues a message; resolves once it is handed over (or dropped, logged). */
  private handle(data: DiscordMessage | null | undefined): Promise<void> {
    const botId = this.bot?.id;
    if (!botId || !this.intake.connected) return Promise.resolve();
    return new Promise((resolve) => this.intake.queue(() => this.receive(data, botId).finally(resolve)));
  }

  /** Typed loosely: a payload is checked here, not trusted to match its type. */
  private async receive(data: DiscordMessage | null | undefined, botId: string): Promise<void> {
    if (!isAnswerable(data)) {
      this.logger.debug({ message: data?.id }, 'Discord message without id, channel or author ignored');
      return;
    }
    const guildId = data.guild_id;
    const channel = guildId ? await this.cache.get(data.channel_id) : {};
    this.backfill.seen(data.channel_id, data.id, guildId);
    if (!guildId) this.dmChannels.remember(data.channel_id);
    const normalised = normaliseDiscordMessage(data, channel, {
      botId,
      sentByBot: (id) => this.sentIds.has(id),
      acceptBots: this.options.acceptBots ?? false,
    });
    if (!normalised) return;
    await this.intake.deliver(normalised.message, normalised.files, async (file) => ({ url: file.url }));
  }
}
