/**
 * The two official Slack clients the adapter needs, without Bolt's app framework (which
 * also loads express and the OAuth installer: 6–8 MB more RSS on import, none of it used):
 * a WebClient with the bot token for the Web API, and a SocketModeClient with the
 * app-level token for events. Every envelope is acked the moment it arrives, as Bolt does for Events API
 * envelopes; from then on the message is ours to keep (HeldInbound), and an envelope whose
 * ack did not go out is left for Slack to deliver again.
 *
 * The SDK's own reconnect is off: it calls apps.connections.open from a timer whose promise
 * nobody awaits, so a revoked app token (or a 5xx, or the network being down) became an
 * unhandled rejection and the socket never came back, while the channel still said
 * 'connecting'. A drop is reported instead (`dropped`), and the channel opens the socket
 * again through open(), whose errors it handles: a refused token is final, the rest retried.
 */
import { SocketModeClient } from '@slack/socket-mode';
import { WebAPIPlatformError, WebClient, type WebClientOptions } from '@slack/web-api';
import type { Logger } from '../../observability/logger.js';
import type { SlackIdentity } from './inbound.js';
import { slackLoggerFor } from './logger.js';

export interface SlackConnectionOptions {
  /** Bot token (xoxb-…): Web API calls and file downloads. */
  botToken: string;
  /** App-level token (xapp-…, scope connections:write): opens the Socket Mode connection. */
  appToken: string;
  /** Web API base URL; WebClient `slackApiUrl`. Default https://slack.com/api/. */
  apiUrl?: string;
  logger: Logger;
  /** WebClient retries for failed calls (network errors, 5xx, 429 after Retry-After); tests set 0. */
  apiRetries?: number;
  socket?: { clientPingTimeoutMs?: number; serverPingTimeoutMs?: number };
}

export interface SlackConnectionHandlers {
  /** An Events API event (`message`, `app_mention`, `reaction_added`…), already acked, and who the bot is on this connection. */
  event(event: SlackEvent, identity: SlackIdentity): void;
  /** Slack said hello: the socket is up (after open(), or again after a drop). */
  connected(): void;
  /** The socket closed after Slack's hello, not by close(): network, a missed ping, Slack's `disconnect`. */
  dropped(): void;
}

export type SlackEvent = { type: string } & Record<string, unknown>;

/** What SocketModeClient emits as `slack_event` for every envelope but hello/disconnect. */
interface SocketEnvelope {
  ack: () => Promise<void>;
  type: string;
  body?: { event?: { type?: unknown } };
}

/** Which token a refusal is about, and how to get one Slack accepts. */
const REMEDY = {
  bot: 'reinstall the app to the workspace and put its bot token (xoxb-…) in channels.slack.botToken (SLACK_BOT_TOKEN)',
  app: 'create a new app-level token (xapp-…, scope connections:write, Socket Mode on) and put it in channels.slack.appToken (SLACK_APP_TOKEN)',
};

/** Slack's own trouble, not the token's: retried like a network error or a 5xx. */
const TRANSIENT_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'ratelimited',
]);

/** Slack answered and refused a token (wrong, revoked, app uninstalled): unlike a network error, final. */
export class SlackRefusal extends Error {
  constructor(token: keyof typeof REMEDY, reason: string, options?: ErrorOptions) {
    super(`Slack rejected the ${token} token (${reason}); ${REMEDY[token]}`, options);
    this.name = 'SlackRefusal';
  }
}

/** A refusal of `token` when Slack answered no for a reason of the token's; any other error as it is. */
const refusalOf =
  (token: keyof typeof REMEDY) =>
  (err: unknown): never => {
    if (err instanceof WebAPIPlatformError && !TRANSIENT_ERRORS.has(err.data.error))
      throw new SlackRefusal(token, err.data.error, { cause: err });
    throw err;
  };

export class SlackConnection {
  readonly web: WebClient;
  private readonly socket: SocketModeClient;
  private readonly log: Logger;
  /** Known before the socket opens, so the first event already knows its own echoes. */
  private identity: SlackIdentity | undefined;
  /**
   * Set by close(). A disconnect can come while open() waits on auth.test (retries after a
   * 429 or 5xx last seconds): the socket must not open after it, and an envelope on a closed
   * connection is not acked, so Slack delivers it again to the live one.
   */
  private closed = false;
  /** Between Slack's hello and the socket closing: only then is a close a drop. */
  private socketUp = false;

  constructor(options: SlackConnectionOptions, handlers: SlackConnectionHandlers) {
    this.log = options.logger;
    const logger = slackLoggerFor(options.logger);
    const retryConfig = { retries: options.apiRetries ?? 10, factor: 1.6, maxTimeout: 30_000 };
    const clientOptions: WebClientOptions = { slackApiUrl: options.apiUrl, retryConfig };
    this.web = new WebClient(options.botToken, { ...clientOptions, logger });
    this.socket = new SocketModeClient({
      appToken: options.appToken,
      logger,
      autoReconnectEnabled: false,
      // Unset: the SDK's own (5 s for a pong, 30 s between Slack's pings).
      clientPingTimeout: options.socket?.clientPingTimeoutMs,
      serverPingTimeout: options.socket?.serverPingTimeoutMs,
      clientOptions,
    });
    this.socket.on('connected', () => {
      this.socketUp = true;
      handlers.connected();
    });
    // Also emitted when start() fails before the hello (start() rejects then) and after close().
    this.socket.on('disconnected', () => {
      if (!this.socketUp || this.closed) return;
      this.socketUp = false;
      handlers.dropped();
    });
    this.socket.on('slack_event', (envelope: SocketEnvelope) => void this.receive(envelope, handlers));
  }

  /**
   * auth.test with the bot token (who we are), then the Socket Mode connection; again after a
   * drop, so a bot token revoked meanwhile is found too. Rejects with a SlackRefusal when Slack
   * refuses a token, else with the SDK's error (network, HTTP status, rate limit).
   */
  async open(): Promise<SlackIdentity> {
    const auth = await this.web.auth.test().catch(refusalOf('bot'));
    if (!auth.user_id) throw new SlackRefusal('bot', 'auth.test returned no user_id');
    this.identity = { botUserId: auth.user_id, botId: auth.bot_id };
    if (this.closed) throw new Error('the connection was closed while it was opening');
    // start() rejects with nothing when the websocket closes before Slack's hello.
    await this.socket
      .start()
      .catch((err: unknown) =>
        refusalOf('app')(err ?? new Error('the Socket Mode websocket closed before Slack said hello')),
      );
    return this.identity;
  }

  async close(): Promise<void> {
    this.closed = true;
    try {
      await this.socket.disconnect();
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'slack disconnect');
    }
  }

  private async receive(envelope: SocketEnvelope, handlers: SlackConnectionHandlers): Promise<void> {
    if (this.closed) return;
    try {
      await envelope.ack();
    } catch (err) {
      this.log.warn(
        { type: envelope.type, err: (err as Error).message },
        'slack envelope not acked; Slack delivers it again',
      );
      return;
    }
    const event = envelope.body?.event;
    if (envelope.type === 'events_api' && typeof event?.type === 'string' && this.identity)
      handlers.event(event as SlackEvent, this.identity);
  }
}
