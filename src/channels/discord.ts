/**
 * The Discord channel on discord.js v14: the Client receives messages over the gateway
 * (reconnect and resume are discord.js's job; we report its state), and everything we send
 * goes through the client's REST manager, which already honours Discord's rate limits.
 * Chat ids are `dc:<channel id>`; a message in a thread belongs to its parent channel's
 * chat with `threadId` set. Thread streaming: a thread on the triggering message.
 */
import { Client, Events, GatewayIntentBits, Partials, type Message } from 'discord.js';
import type { Logger } from '../observability/logger.js';
import { ChannelRejectedError } from '../domain/channel-rejected.js';
import {
  DEFAULT_ATTACHMENT_LIMITS,
  downloadToInbox,
  notReceived,
  type AttachmentLimits,
} from './attachments.js';
import {
  discordChannelId,
  normaliseDiscordMessage,
  DISCORD_CHAT_PREFIX,
  type DiscordMessageFacts,
} from './discord-inbound.js';
import { DiscordThreadStreams } from './discord-threads.js';
import { renderMarkdown } from './markdown.js';
import { DiscordBackfill } from './discord-backfill.js';
import { DiscordOutbound, DISCORD_MESSAGE_LIMIT, describe } from './discord-outbound.js';
import type {
  Attachment,
  Channel,
  ChannelCapabilities,
  ChannelSink,
  ChannelState,
  InboundMessage,
  NoticeContext,
  OutboundMessage,
  ReplyPreview,
  SentMessage,
  StreamTarget,
  WorkNotice,
} from '../domain/channel.js';
import { HeldInbound } from './held-inbound.js';
import { ThrottledPreview } from './reply-preview.js';
import { showWorkNotice, TypingLoops } from './work-feedback.js';

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
  /** REST retries for 5xx and timeouts (discord.js default 3). */
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

export { DISCORD_MESSAGE_LIMIT };

export function createDiscordChannel(options: DiscordChannelOptions): DiscordChannel {
  return new DiscordChannel(options);
}

const SENT_MEMORY = 2_000;

export class DiscordChannel implements Channel {
  readonly name = 'discord';
  readonly capabilities: ChannelCapabilities = {
    maxMessageLength: DISCORD_MESSAGE_LIMIT,
    threads: true,
    reactions: true,
    edit: true,
    typing: true,
    files: true,
    maxFileBytes: 10 * 1024 * 1024, // the default upload limit of a server without boosts
  };
  private readonly api: string;
  private readonly limits: DiscordLimits;
  private readonly logger: Logger;
  private readonly typing = new TypingLoops();
  private readonly threads: DiscordThreadStreams;
  private readonly outbound: DiscordOutbound;
  private readonly backfill: DiscordBackfill;
  /** Ids of recent messages the bot sent, to recognise replies to it. */
  private readonly sent = new Set<string>();
  /** Channels seen to be DMs, where threads cannot be opened. */
  private readonly dmChannels = new Set<string>();
  private client: Client | undefined;
  private sink: ChannelSink | undefined;
  private readonly held: HeldInbound;
  private current: ChannelState = 'disconnected';

  constructor(private readonly options: DiscordChannelOptions) {
    this.api = (options.api ?? 'https://discord.com/api').replace(/\/+$/, '');
    this.limits = { ...DEFAULT_DISCORD_LIMITS, ...options.limits };
    this.logger = options.logger.child({ channel: 'discord' });
    this.held = new HeldInbound({ logger: this.logger, store: (m) => this.store(m) });
    this.backfill = new DiscordBackfill(this.logger);
    this.outbound = new DiscordOutbound({
      rest: () => this.rest(),
      maxUploadBytes: this.limits.maxUploadBytes,
      sent: (id) => this.remember(id),
    });
    this.threads = new DiscordThreadStreams({
      intervalMs: this.limits.threadPostIntervalMs,
      logger: this.logger,
      openThread: (channelId, messageId, name) => this.outbound.openThread(channelId, messageId, name),
      post: (channelId, text) => this.outbound.postChunks(channelId, text, undefined).then(() => undefined),
    });
  }

  ownsChat(chat: string): boolean {
    return chat.startsWith(DISCORD_CHAT_PREFIX);
  }

  state(): ChannelState {
    return this.current;
  }

  /** The bot's user id, known after connect(). */
  botId(): string | undefined {
    return this.client?.user?.id;
  }

  async connect(sink: ChannelSink): Promise<void> {
    this.sink = sink;
    this.setState('connecting');
    const client = new Client({
      intents: [
        GatewayIntentBits.Guilds,
        GatewayIntentBits.GuildMessages,
        GatewayIntentBits.DirectMessages,
        GatewayIntentBits.MessageContent,
      ],
      // DMs arrive on channels discord.js has not cached: without this partial they are dropped.
      partials: [Partials.Channel],
      rest: { api: this.api, retries: this.limits.restRetries },
      failIfNotExists: false,
    });
    this.client = client;
    this.attachEvents(client);
    const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no READY within ${this.limits.connectTimeoutMs} ms`)),
        this.limits.connectTimeoutMs,
      );
    });
    try {
      await Promise.race([Promise.all([client.login(this.options.token), ready]), timeout]);
    } catch (error) {
      const reason = describe(error);
      this.setState('failed', reason);
      this.client = undefined;
      await client.destroy().catch(() => undefined);
      if (tokenRejected(error))
        throw new ChannelRejectedError(
          `Discord rejected the bot token (${reason}); reset it in the Developer Portal and update channels.discord.token`,
        );
      throw new Error(
        `Discord: cannot connect to ${this.api} (${reason}); check channels.discord.token and api, and the network`,
      );
    } finally {
      clearTimeout(timer);
    }
    this.logger.info({ bot: client.user?.tag }, 'Discord connected');
    this.setState('connected');
  }

  async disconnect(): Promise<void> {
    this.held.stop();
    this.typing.stopAll();
    await this.threads.closeAll();
    const client = this.client;
    this.client = undefined;
    await client?.destroy();
    this.setState('disconnected');
  }

  async send(chat: string, message: OutboundMessage): Promise<SentMessage> {
    const target = message.thread
      ? discordChannelId(`${DISCORD_CHAT_PREFIX}${message.thread}`)
      : discordChannelId(chat);
    const text = renderMarkdown(message.text, 'discord');
    const ids = message.edit
      ? await this.outbound.finishChunks(target, message.edit, text, message.replyTo)
      : await this.outbound.postChunks(target, text, message.replyTo);
    for (const path of message.files ?? [])
      ids.push(await this.outbound.postFile(target, path, ids.length ? undefined : message.replyTo));
    const first = ids[0];
    if (!first) throw new Error(`Discord: nothing to send to ${chat} (empty text and no files)`);
    return { platformId: first };
  }

  /** The reply as it is written, edited at most once per streamEditIntervalMs (Discord allows 5 edits / 5 s). */
  stream(chat: string, target: StreamTarget): ReplyPreview {
    const channelId = target.thread
      ? discordChannelId(`${DISCORD_CHAT_PREFIX}${target.thread}`)
      : discordChannelId(chat);
    const reference = target.replyTo
      ? { message_reference: { message_id: target.replyTo, fail_if_not_exists: false } }
      : {};
    return new ThrottledPreview({
      intervalMs: this.limits.streamEditIntervalMs,
      maxLength: DISCORD_MESSAGE_LIMIT,
      post: (text) => this.outbound.post(channelId, { content: text, ...reference }),
      edit: (messageId, text) => this.outbound.editMessage(channelId, messageId, text),
      onError: (error) =>
        this.logger.warn(
          { chat, err: describe(error) },
          'Discord reply preview stopped; the reply is still sent',
        ),
    });
  }

  notify(chat: string, notice: WorkNotice, context: NoticeContext): Promise<void> {
    const channelId = discordChannelId(chat);
    return showWorkNotice(this.typing, chat, notice, context, {
      typing: {
        send: () => this.outbound.typing(channelId),
        intervalMs: this.limits.typingIntervalMs,
        maxMs: this.limits.typingMaxMs,
        onError: (error) =>
          this.logger.debug({ chat, err: describe(error) }, 'Discord typing indicator failed'),
      },
      progress: (key, text) => {
        // No threads in DMs (typing only), and a thread needs the message it hangs off.
        if (!context.triggerPlatformId || this.dmChannels.has(channelId)) return;
        this.threads.push(key, channelId, context.triggerPlatformId, text);
      },
      close: (key) => this.threads.close(key),
    });
  }

  async react(chat: string, platformMessageId: string, emoji: string, remove: boolean): Promise<void> {
    if (!/^\d{1,25}$/.test(platformMessageId))
      throw new Error(`Discord: "${platformMessageId}" is not a message id`);
    try {
      await this.outbound.react(discordChannelId(chat), platformMessageId, emoji, remove);
    } catch (error) {
      throw new Error(
        `Discord: could not ${remove ? 'remove' : 'add'} reaction ${emoji} on ${chat}/${platformMessageId}: ${describe(error)}`,
      );
    }
  }

  formatMention(userIdOrName: string): string {
    return /^\d+$/.test(userIdOrName) ? `<@${userIdOrName}>` : `@${userIdOrName.replace(/^@/, '')}`;
  }

  private rest(): Client['rest'] {
    if (!this.client) throw new Error('Discord: not connected; call connect() first');
    return this.client.rest;
  }

  private store(message: InboundMessage): void {
    if (!this.sink) return;
    // An unrouted chat is logged once by the intake, not here.
    this.sink.inbound(message);
  }

  private setState(state: ChannelState, detail?: string): void {
    if (state === this.current && !detail) return;
    this.current = state;
    this.sink?.state(state, detail);
  }

  private attachEvents(client: Client): void {
    client.on(Events.MessageCreate, (message) => {
      this.handleMessage(client, message).catch((error: unknown) =>
        this.logger.error(
          { err: describe(error), message: message.id },
          'Discord message could not be handled',
        ),
      );
    });
    // Without an 'error' listener an EventEmitter error would crash the host.
    client.on(Events.Error, (error) => this.logger.warn({ err: describe(error) }, 'Discord client error'));
    client.on(Events.ShardError, (error) =>
      this.logger.warn({ err: describe(error) }, 'Discord gateway error'),
    );
    client.on(Events.ShardReconnecting, () => {
      if (this.client === client && this.current === 'connected')
        this.setState('disconnected', 'gateway connection lost; reconnecting');
    });
    client.on(Events.ShardResume, () => this.client === client && this.setState('connected'));
    client.on(Events.ShardReady, () => {
      if (this.client !== client || this.current === 'connecting') return;
      // A fresh session after the first: the gap was not replayed, so fetch it.
      this.setState('connected');
      void this.backfill.run(client, (message) => this.handleMessage(client, message));
    });
    client.on(Events.ShardDisconnect, (event) => {
      if (this.client === client)
        this.setState('failed', `gateway closed with code ${event.code}; not reconnecting`);
    });
    client.on(
      Events.Invalidated,
      () => this.client === client && this.setState('failed', 'session invalidated'),
    );
  }

  private async handleMessage(client: Client, message: Message): Promise<void> {
    const botId = client.user?.id;
    if (!botId || !this.sink) return;
    const facts = factsOf(message);
    this.backfill.seen(facts.channelId, facts.id);
    if (!facts.guildId) this.dmChannels.add(facts.channelId);
    const normalised = normaliseDiscordMessage(facts, {
      botId,
      sentByBot: (id) => this.sent.has(id),
      acceptBots: this.options.acceptBots ?? false,
    });
    if (!normalised) return;
    const inbound = normalised.message;
    const inbox = normalised.attachments.length ? this.options.inboxFor?.(inbound.chat) : undefined;
    if (inbox) {
      const saved: Attachment[] = [];
      for (const file of normalised.attachments) {
        try {
          saved.push(
            await downloadToInbox({
              inbox,
              name: file.name,
              url: file.url,
              label: `Discord attachment ${file.name} in ${inbound.chat}`,
              announcedSize: file.size,
              mime: file.contentType,
              limits: this.limits.attachment,
            }),
          );
        } catch (error) {
          this.logger.warn(
            { chat: inbound.chat, file: file.name, err: describe(error) },
            'Discord attachment not downloaded',
          );
          saved.push(notReceived(file.name, error, file.size));
        }
      }
      inbound.attachments = saved;
    }
    this.held.offer(inbound);
  }

  private remember(id: string): void {
    this.sent.add(id);
    if (this.sent.size > SENT_MEMORY) this.sent.delete(this.sent.values().next().value as string);
  }
}

/** The facts of a discord.js Message that the pure normaliser needs. */
function factsOf(message: Message): DiscordMessageFacts {
  const channel = message.channel as
    (Message['channel'] & { name?: string; parentId?: string | null }) | null;
  const isThread = typeof channel?.isThread === 'function' && channel.isThread();
  return {
    id: message.id,
    channelId: message.channelId,
    threadParentId: isThread ? (channel?.parentId ?? undefined) : undefined,
    guildId: message.guildId ?? undefined,
    channelName: typeof channel?.name === 'string' ? channel.name : undefined,
    content: message.content ?? '',
    createdTimestamp: message.createdTimestamp,
    author: {
      id: message.author.id,
      username: message.author.username,
      globalName: message.author.globalName,
      bot: message.author.bot,
    },
    memberDisplayName: message.member?.displayName,
    mentionedUserIds: [...message.mentions.users.keys()],
    repliedUserId: message.mentions.repliedUser?.id,
    referenceMessageId: message.reference?.messageId,
    attachments: [...message.attachments.values()].map((a) => ({
      id: a.id,
      name: a.name,
      size: a.size,
      url: a.url,
      contentType: a.contentType ?? undefined,
    })),
    system: message.system,
  };
}

/** discord.js turns a 401 from /gateway/bot into TokenInvalid; the gateway closes with 4004. */
function tokenRejected(error: unknown): boolean {
  const { code, status } = error as { code?: unknown; status?: unknown };
  return code === 'TokenInvalid' || code === 4004 || status === 401;
}
