/**
 * Slack on @slack/bolt in Socket Mode. Chat ids are `slack:<channel id>`. Inbound
 * `message` and `app_mention` events become InboundMessages (the same message arriving as
 * both is passed on once); the bot's own posts are dropped. Outbound text is rendered to
 * mrkdwn and split at ~4000 characters. Slack has no typing indicator for bots, so
 * "working" is shown as a reaction (default :eyes:) on the triggering message, removed when
 * the work ends. Thread streaming posts intermediate output, rate-limited, in the thread of
 * the triggering message. 429s are retried after Retry-After by the WebClient.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { App, SocketModeReceiver } from '@slack/bolt';
import type { Logger } from '../observability/logger.js';
import { backoffDelay } from '../protocol/backoff.js';
import { ChannelRejectedError } from '../domain/channel-rejected.js';
import type {
  Channel,
  ChannelCapabilities,
  ChannelSink,
  ChannelState,
  NoticeContext,
  InboundMessage,
  OutboundMessage,
  ReplyPreview,
  SentMessage,
  StreamTarget,
  WorkNotice,
} from '../domain/channel.js';
import { normaliseSlackEvent, SLACK_CHAT_PREFIX, type SlackIdentity } from './slack-inbound.js';
import { downloadSlackFiles } from './slack-files.js';
import { slackLoggerFor } from './slack-logger.js';
import { HeldInbound } from './held-inbound.js';
import { ThrottledPreview } from './reply-preview.js';
import { ProgressThrottle } from './work-feedback.js';
import { renderMarkdown } from './markdown.js';
import { splitMessage } from './split-message.js';
import { slackReactionName } from './slack-reactions.js';

export interface SlackChannelOptions {
  /** Bot token (xoxb-…): Web API calls and file downloads. */
  botToken: string;
  /** App-level token (xapp-…, scope connections:write): opens the Socket Mode connection. */
  appToken: string;
  /** Web API base URL; Bolt/WebClient `slackApiUrl`. Default https://slack.com/api/. */
  apiUrl?: string;
  logger: Logger;
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
  /** WebClient retries for failed calls (network errors, 5xx, 429 after Retry-After); tests set 0. */
  apiRetries?: number;
  socket?: { clientPingTimeoutMs?: number; serverPingTimeoutMs?: number };
  /** First wait before connecting again when Slack was unreachable at start; doubles, max 5 min. */
  retryDelayMs?: number;
}

/** Slack truncates a message's text past 40,000 characters and advises staying under 4,000. */
export const SLACK_MESSAGE_LIMIT = 4000;
const DEFAULT_API_URL = 'https://slack.com/api/';
const SEEN_LIMIT = 2000;

export class SlackChannel implements Channel {
  readonly name = 'slack';
  readonly capabilities: ChannelCapabilities = {
    maxMessageLength: SLACK_MESSAGE_LIMIT,
    threads: true,
    reactions: true,
    edit: true,
    typing: false,
    files: true,
    maxFileBytes: 1024 * 1024 * 1024, // files.uploadV2 limit
  };
  private current: ChannelState = 'disconnected';
  private app: App | undefined;
  private receiver: SocketModeReceiver | undefined;
  private sink: ChannelSink | undefined;
  private readonly held: HeldInbound;
  private identity: SlackIdentity | undefined;
  private readonly seen = new Set<string>();
  private readonly userNames = new Map<string, string>();
  private readonly progress = new Map<string, ProgressThrottle>();
  private readonly reacted = new Map<string, string>();
  /** Inbound events are handled one after another so downloads never reorder a chat. */
  private inboundChain: Promise<void> = Promise.resolve();
  private stopped = false;
  private startAttempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private readonly apiUrl: string;

  constructor(private readonly options: SlackChannelOptions) {
    this.log = options.logger.child({ channel: 'slack' });
    this.held = new HeldInbound({ logger: this.log, store: (m) => this.store(m) });
    this.apiUrl = withSlash(options.apiUrl ?? DEFAULT_API_URL);
  }

  ownsChat(chat: string): boolean {
    return chat.startsWith(SLACK_CHAT_PREFIX);
  }

  state(): ChannelState {
    return this.current;
  }

  /**
   * Resolves when connected, or when Slack is unreachable (the channel then keeps retrying
   * with backoff in the background, state 'connecting'). Rejects when Slack refuses the
   * tokens: retrying cannot fix that.
   */
  async connect(sink: ChannelSink): Promise<void> {
    this.sink = sink;
    this.stopped = false;
    await this.start();
  }

  private async start(): Promise<void> {
    this.setState('connecting');
    const logger = slackLoggerFor(this.log);
    const retryConfig = { retries: this.options.apiRetries ?? 10, factor: 1.6, maxTimeout: 30_000 };
    const clientOptions = { slackApiUrl: this.apiUrl, retryConfig };
    const receiver = new SocketModeReceiver({
      appToken: this.options.appToken,
      logger,
      clientPingTimeout: this.options.socket?.clientPingTimeoutMs ?? 5_000,
      serverPingTimeout: this.options.socket?.serverPingTimeoutMs ?? 30_000,
      installerOptions: { clientOptions },
    });
    const app = new App({
      token: this.options.botToken,
      receiver,
      logger,
      clientOptions,
      deferInitialization: true,
    });
    this.receiver = receiver;
    this.app = app;
    const client = receiver.client;
    client.on('connected', () => this.setState('connected'));
    client.on('reconnecting', () =>
      this.setState('connecting', 'Socket Mode connection dropped; reconnecting'),
    );
    client.on('disconnected', () => this.current !== 'failed' && this.setState('disconnected'));
    app.event('message', async ({ event }) => this.enqueue(event));
    app.event('app_mention', async ({ event }) => this.enqueue(event));
    app.error(async (err) => {
      this.log.error({ err: err.message }, 'slack event handler failed');
    });
    try {
      await app.init();
      const auth = await app.client.auth.test();
      if (!auth.user_id) throw new Error('auth.test returned no user_id');
      this.identity = { botUserId: auth.user_id, botId: auth.bot_id };
      await app.start();
    } catch (err) {
      await this.stopQuietly();
      if (isRefusal(err)) {
        const detail = `Slack did not connect: ${(err as Error).message}. Check SLACK_BOT_TOKEN (xoxb-…), SLACK_APP_TOKEN (xapp-…, connections:write) and that Socket Mode is on for the app.`;
        this.setState('failed', detail);
        throw new ChannelRejectedError(detail, { cause: err });
      }
      this.scheduleRetry(err);
      return;
    }
    this.startAttempt = 0;
    this.setState('connected');
    this.log.info({ botUserId: this.identity.botUserId }, 'slack connected');
  }

  async send(chat: string, message: OutboundMessage): Promise<SentMessage> {
    const client = this.requireApp(chat).client;
    const channel = this.channelOf(chat);
    const chunks = splitMessage(renderMarkdown(message.text, 'slack'), SLACK_MESSAGE_LIMIT);
    let first: string | undefined;
    if (message.edit && chunks.length) {
      // A streamed reply: its preview becomes the first chunk (chat.update), the rest follows.
      await client.chat.update({ channel, ts: message.edit, text: chunks.shift()! });
      first = message.edit;
    }
    for (const text of chunks) {
      const result = await client.chat.postMessage({
        channel,
        text,
        thread_ts: message.thread,
        mrkdwn: true,
      });
      first ??= result.ts;
    }
    for (const path of message.files ?? []) {
      const file = { file: await readFile(path), filename: basename(path) };
      const upload = message.thread
        ? await client.filesUploadV2({ ...file, channel_id: channel, thread_ts: message.thread })
        : await client.filesUploadV2({ ...file, channel_id: channel });
      first ??= upload.files?.[0]?.files?.[0]?.id;
    }
    if (!first) throw new Error(`slack: nothing to send to ${chat} (empty text and no files)`);
    return { platformId: first };
  }

  /** Replaces the text of a message the bot posted (chat.update). */
  async edit(chat: string, platformMessageId: string, text: string): Promise<void> {
    const client = this.requireApp(chat).client;
    const [first] = splitMessage(renderMarkdown(text, 'slack'), SLACK_MESSAGE_LIMIT);
    await client.chat.update({ channel: this.channelOf(chat), ts: platformMessageId, text: first ?? '' });
  }

  /** The reply as it is written, in the thread it answers; chat.update at most once per second (tier 3). */
  stream(chat: string, target: StreamTarget): ReplyPreview {
    const channel = this.channelOf(chat);
    return new ThrottledPreview({
      intervalMs: this.options.limits?.streamEditIntervalMs ?? 1_000,
      maxLength: SLACK_MESSAGE_LIMIT,
      post: async (text) => {
        const result = await this.requireApp(chat).client.chat.postMessage({
          channel,
          text,
          thread_ts: target.thread,
        });
        if (!result.ts) throw new Error(`slack: chat.postMessage to ${chat} returned no ts`);
        return result.ts;
      },
      edit: async (ts, text) => {
        await this.requireApp(chat).client.chat.update({ channel, ts, text });
      },
      onError: (error) =>
        this.log.warn(
          { chat, err: (error as Error).message },
          'slack reply preview stopped; the reply is still sent',
        ),
    });
  }

  async notify(chat: string, notice: WorkNotice, context: NoticeContext): Promise<void> {
    const trigger = context.triggerPlatformId;
    if (!trigger) return;
    const key = `${chat}|${trigger}`;
    switch (notice.kind) {
      case 'working':
        if (this.options.workingReaction !== '' && !this.reacted.has(key)) {
          const name = this.options.workingReaction ?? 'eyes';
          this.reacted.set(key, name);
          await this.react(chat, trigger, name, false);
        }
        return;
      case 'progress':
        if (context.streamThread) this.progressFor(chat, trigger, key).push(notice.text);
        return;
      case 'idle':
      case 'failed': {
        const throttle = this.progress.get(key);
        this.progress.delete(key);
        await throttle?.close();
        const name = this.reacted.get(key);
        this.reacted.delete(key);
        if (name) await this.react(chat, trigger, name, true);
        return;
      }
    }
  }

  async react(chat: string, platformMessageId: string, emoji: string, remove: boolean): Promise<void> {
    const client = this.requireApp(chat).client;
    const args = {
      channel: this.channelOf(chat),
      timestamp: platformMessageId,
      name: slackReactionName(emoji),
    };
    try {
      if (remove) await client.reactions.remove(args);
      else await client.reactions.add(args);
    } catch (err) {
      const code = (err as { data?: { error?: string } }).data?.error;
      // Reacting twice (or removing what is gone) is not worth failing a run over.
      if (code === 'already_reacted' || code === 'no_reaction') return;
      throw new Error(
        `slack: reaction ${args.name} on ${chat}/${platformMessageId} failed: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }

  formatMention(userId: string): string {
    return `<@${userId}>`;
  }

  async disconnect(): Promise<void> {
    this.stopped = true;
    this.held.stop();
    clearTimeout(this.retryTimer);
    for (const throttle of this.progress.values()) await throttle.close();
    this.progress.clear();
    await this.stopQuietly();
    this.setState('disconnected');
  }

  /** Slack unreachable (network, 5xx): try again later rather than give up for good. */
  private scheduleRetry(err: unknown): void {
    if (this.stopped) return;
    const initial = this.options.retryDelayMs ?? 2_000;
    const delay = backoffDelay(++this.startAttempt, { baseMs: initial, maxMs: 5 * 60_000 });
    const detail = `Slack unreachable (${(err as Error).message}); retrying in ${delay} ms`;
    this.log.warn(detail);
    this.setState('connecting', detail);
    this.retryTimer = setTimeout(() => {
      this.start().catch((error: unknown) =>
        this.log.error({ err: (error as Error).message }, 'slack gave up'),
      );
    }, delay);
  }

  private enqueue(event: unknown): void {
    this.inboundChain = this.inboundChain
      .then(() => this.handleEvent(event))
      .catch((err: unknown) =>
        this.log.error({ err: (err as Error).message }, 'slack inbound message dropped'),
      );
  }

  private async handleEvent(event: unknown): Promise<void> {
    if (!this.identity || !this.sink) return;
    const decision = normaliseSlackEvent(event, this.identity, this.options.limits?.maxInboundText);
    if (decision.kind === 'ignore') {
      this.log.trace({ reason: decision.reason }, 'slack event ignored');
      return;
    }
    const { message, files } = decision;
    // message and app_mention deliver the same post; Socket Mode may redeliver after a drop.
    const seenKey = `${message.chat}|${message.platformId}`;
    if (this.seen.has(seenKey)) return;
    this.remember(seenKey);
    if (message.senderName === message.senderId) message.senderName = await this.userName(message.senderId);
    const inbox = files.length ? this.options.inboxFor(message.chat) : undefined;
    if (inbox) {
      const outcome = await downloadSlackFiles(files, {
        botToken: this.options.botToken,
        inbox,
        allowedHosts: this.fileHosts(),
        maxFileBytes: this.options.limits?.maxFileBytes ?? 20 * 1024 * 1024,
        maxFiles: this.options.limits?.maxFilesPerMessage ?? 10,
      });
      if (outcome.attachments.length) message.attachments = outcome.attachments;
      for (const skipped of outcome.skipped) {
        this.log.warn(
          { chat: message.chat, file: skipped.name, reason: skipped.reason },
          'slack file not downloaded',
        );
      }
    }
    this.held.offer(message);
  }

  private store(message: InboundMessage): void {
    if (!this.sink) return;
    // An unrouted chat is logged once by the intake, not here.
    this.sink.inbound(message);
  }

  private remember(key: string): void {
    this.seen.add(key);
    if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.values().next().value as string);
  }

  /** Display name from users.info (needs users:read); the id when that is not granted. */
  private async userName(userId: string): Promise<string> {
    const cached = this.userNames.get(userId);
    if (cached) return cached;
    let name = userId;
    try {
      const info = await this.app!.client.users.info({ user: userId });
      name = info.user?.profile?.display_name || info.user?.real_name || info.user?.name || userId;
    } catch (err) {
      this.log.debug({ user: userId, err: (err as Error).message }, 'slack users.info failed; using the id');
    }
    if (this.userNames.size > SEEN_LIMIT) this.userNames.clear();
    this.userNames.set(userId, name);
    return name;
  }

  /** Intermediate output for one trigger, posted in its thread at a bounded rate. */
  private progressFor(chat: string, trigger: string, key: string): ProgressThrottle {
    let throttle = this.progress.get(key);
    if (!throttle) {
      throttle = new ProgressThrottle(
        async (batch) => {
          await this.send(chat, { text: batch.join('\n\n'), thread: trigger });
        },
        this.options.limits?.progressIntervalMs ?? 1_500,
        (err) => this.log.warn({ chat, err: (err as Error).message }, 'slack thread progress post failed'),
      );
      this.progress.set(key, throttle);
    }
    return throttle;
  }

  private fileHosts(): Set<string> {
    return new Set(this.options.fileHosts ?? ['files.slack.com', new URL(this.apiUrl).host]);
  }

  private channelOf(chat: string): string {
    if (!this.ownsChat(chat))
      throw new Error(`slack: ${chat} is not a Slack chat id (expected slack:<channel id>)`);
    return chat.slice(SLACK_CHAT_PREFIX.length);
  }

  private requireApp(chat: string): App {
    if (!this.app || !this.identity) throw new Error(`slack: not connected; cannot act on ${chat}`);
    return this.app;
  }

  private setState(state: ChannelState, detail?: string): void {
    this.current = state;
    this.sink?.state(state, detail);
  }

  private async stopQuietly(): Promise<void> {
    const receiver = this.receiver;
    this.app = undefined;
    this.receiver = undefined;
    if (!receiver) return;
    try {
      await receiver.client.disconnect();
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'slack disconnect');
    }
  }
}

export const createSlackChannel = (options: SlackChannelOptions): SlackChannel => new SlackChannel(options);

/** Slack answered and said no (bad token, app uninstalled): unlike a network error, final. */
function isRefusal(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'slack_webapi_platform_error' || (err as Error).message === 'auth.test returned no user_id';
}

const withSlash = (url: string): string => (url.endsWith('/') ? url : `${url}/`);
