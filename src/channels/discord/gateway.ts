/**
 * The Discord connection on the discord.js team's split packages: @discordjs/rest (rate
 * limits, 429s, retries), @discordjs/ws (the gateway session: heartbeats, reconnect, resume)
 * and @discordjs/core's Client on top of both (typed dispatch events, the REST API wrapper).
 * Unlike discord.js they keep no cache of guilds, users or messages: the few channel facts
 * we need are kept by channel-cache.ts. This file builds the three (the channel listens to
 * their events), connects, and tells a fatal close and a rejected token from the others.
 */
import { Client, GatewayCloseCodes, GatewayIntentBits } from '@discordjs/core';
import { REST, type RESTOptions } from '@discordjs/rest';
import { WebSocketManager, WebSocketShardEvents, type SessionInfo } from '@discordjs/ws';
import type { Logger } from '../../observability/logger.js';
import { describeError } from '../kit/errors.js';

type MakeRequest = NonNullable<RESTOptions['makeRequest']>;

/**
 * The REST client's `makeRequest`: Node's fetch (only the typings differ, Node's bundled
 * undici-types against the undici package's). A network failure comes out of it as
 * TypeError('fetch failed') with the reason as its cause; the reason is what is thrown on, so
 * @discordjs/rest still retries an ECONNRESET (it reads the error's code and message) and the
 * errors we log say ECONNREFUSED or ENOTFOUND, not "fetch failed".
 */
export const discordFetch: MakeRequest = async (url, init) => {
  try {
    return (await fetch(url, init as RequestInit)) as unknown as Awaited<ReturnType<MakeRequest>>;
  } catch (error) {
    if (error instanceof TypeError && error.cause instanceof Error) throw error.cause;
    throw error;
  }
};

// Reactions: 👍 / 👎 on the host's approval requests (issue 11); neither is privileged.
const INTENTS =
  GatewayIntentBits.Guilds |
  GatewayIntentBits.GuildMessages |
  GatewayIntentBits.GuildMessageReactions |
  GatewayIntentBits.DirectMessages |
  GatewayIntentBits.DirectMessageReactions |
  GatewayIntentBits.MessageContent;

/** Close codes after which @discordjs/ws gives up (it reconnects after any other). */
export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  GatewayCloseCodes.AuthenticationFailed,
  GatewayCloseCodes.InvalidShard,
  GatewayCloseCodes.ShardingRequired,
  GatewayCloseCodes.InvalidAPIVersion,
  GatewayCloseCodes.InvalidIntents,
  GatewayCloseCodes.DisallowedIntents,
]);

export interface DiscordConnection {
  /** The typed dispatch events and REST API wrapper; `client.rest` is the REST client. */
  client: Client;
  gateway: WebSocketManager;
}

export function openDiscord(options: {
  token: string;
  api: string;
  restRetries: number;
  logger: Logger;
}): DiscordConnection {
  // Node's own fetch, not the library's default of undici's `request`: the daemon loads Node's
  // fetch anyway (Slack's and Telegram's clients, received files), and npm `overrides` hands
  // this library the undici Slack's socket-mode needs, so no second undici is held (3.9 MB of
  // JS heap). That undici's `request` cannot send Node's FormData, Node's fetch can.
  const rest = new REST({
    api: options.api,
    retries: options.restRetries,
    version: '10',
    makeRequest: discordFetch,
  }).setToken(options.token);
  // The library's default session store is one Map for the whole process, keyed by shard id:
  // two connections at once (two channels in one process, as in the tests) would resume each
  // other's sessions.
  let session: SessionInfo | null = null;
  const gateway = new WebSocketManager({
    token: options.token,
    intents: INTENTS,
    rest,
    retrieveSessionInfo: () => session,
    updateSessionInfo: (_shard, info) => {
      session = info;
    },
  });
  // Without an 'error' listener an emitted error would crash the host.
  gateway.on(WebSocketShardEvents.Error, (error) =>
    options.logger.warn({ err: describeError(error) }, 'Discord gateway error'),
  );
  return { client: new Client({ rest, gateway }), gateway };
}

/** Connects the gateway (GET /gateway/bot, then IDENTIFY → READY), or throws within timeoutMs. */
export async function connectWithin(connection: DiscordConnection, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no READY within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([connection.gateway.connect(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A 401 from /gateway/bot, or the gateway closing with 4004 (authentication failed). */
export function tokenRejected(error: unknown): boolean {
  const { status, message } = error as { status?: unknown; message?: unknown };
  return status === 401 || message === 'Authentication failed';
}

/** Closes the gateway and stops the REST client's sweeper timers (one pair per connection). */
export async function closeDiscord(connection: DiscordConnection): Promise<void> {
  connection.client.rest.clearHashSweeper();
  connection.client.rest.clearHandlerSweeper();
  await connection.gateway.destroy();
}
