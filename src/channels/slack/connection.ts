/**
 * The two official Slack clients the adapter needs, without Bolt's app framework (which
 * also loads express and the OAuth installer: 6–8 MB more RSS on import, none of it used):
 * a WebClient with the bot token for the Web API, and a SocketModeClient with the
 * app-level token for events. Every envelope is acked the moment it arrives, as Bolt does for Events API
 * envelopes; from then on the message is ours to keep (HeldInbound), and an envelope whose
 * ack did not go out is left for Slack to deliver again.
 */
import { SocketModeClient } from '@slack/socket-mode';
import { ErrorCode, WebClient, type WebClientOptions } from '@slack/web-api';
import type { ChannelState } from '../../domain/channel.js';
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
  state(state: ChannelState, detail?: string): void;
}

export type SlackEvent = { type: string } & Record<string, unknown>;

/** What SocketModeClient emits as `slack_event` for every envelope but hello/disconnect. */
interface SocketEnvelope {
  ack: () => Promise<void>;
  type: string;
  body?: { event?: { type?: unknown } };
}

const NO_USER_ID = 'auth.test returned no user_id';

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

  constructor(options: SlackConnectionOptions, handlers: SlackConnectionHandlers) {
    this.log = options.logger;
    const logger = slackLoggerFor(options.logger);
    const retryConfig = { retries: options.apiRetries ?? 10, factor: 1.6, maxTimeout: 30_000 };
    const clientOptions: WebClientOptions = { slackApiUrl: options.apiUrl, retryConfig };
    this.web = new WebClient(options.botToken, { ...clientOptions, logger });
    this.socket = new SocketModeClient({
      appToken: options.appToken,
      logger,
      // Unset: the SDK's own (5 s for a pong, 30 s between Slack's pings).
      clientPingTimeout: options.socket?.clientPingTimeoutMs,
      serverPingTimeout: options.socket?.serverPingTimeoutMs,
      clientOptions,
    });
    this.socket.on('connected', () => handlers.state('connected'));
    this.socket.on('reconnecting', () =>
      handlers.state('connecting', 'Socket Mode connection dropped; reconnecting'),
    );
    this.socket.on('disconnected', () => handlers.state('disconnected'));
    this.socket.on('slack_event', (envelope: SocketEnvelope) => void this.receive(envelope, handlers));
  }

  /** auth.test with the bot token (who we are), then the Socket Mode connection; rejects as the SDK does. */
  async open(): Promise<SlackIdentity> {
    const auth = await this.web.auth.test();
    if (!auth.user_id) throw new Error(NO_USER_ID);
    this.identity = { botUserId: auth.user_id, botId: auth.bot_id };
    if (this.closed) throw new Error('the connection was closed while it was opening');
    await this.socket.start();
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

/** Slack answered and said no (bad token, app uninstalled): unlike a network error, final. */
export function isRefusal(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === ErrorCode.PlatformError || (err as Error).message === NO_USER_ID;
}
