/**
 * What `omniclaw channels add <platform>` needs per platform: the secrets to ask for (and
 * the .env variables they go to), the config section that references them, and how to
 * check them against the platform. A table, so adding a platform is one entry.
 * Errors never contain a token or a URL that embeds one (Telegram's does).
 */
import type { ChannelSection } from './channels-config.js';

export interface SecretField {
  /** Option name on the command line (--token, --bot-token, --app-token). */
  option: string;
  envVar: string;
  configKey: string;
  prompt: string;
  /** Format check before anything is sent anywhere. */
  validate(value: string): string | undefined;
}

export interface Platform {
  name: 'telegram' | 'discord' | 'slack' | 'whatsapp';
  secrets: SecretField[];
  /** The config key holding the platform URL, and its default. */
  url?: { configKey: string; default: string };
  /** The chats (route ids) this platform serves. */
  ownsChat(chat: string): boolean;
  /** Checks the secrets; resolves to who the bot is ("@omni_bot"), rejects with why not. */
  verify?(secrets: Record<string, string>, url: string, fetchImpl: typeof fetch): Promise<string>;
}

const noSpaces = (label: string) => (value: string) =>
  /^\S+$/.test(value) ? undefined : `${label} must be one word with no spaces or line breaks`;

const prefixed = (label: string, prefix: string) => (value: string) =>
  noSpaces(label)(value) ?? (value.startsWith(prefix) ? undefined : `${label} starts with "${prefix}"`);

export const PLATFORMS: Record<Platform['name'], Platform> = {
  telegram: {
    name: 'telegram',
    ownsChat: (chat) => chat.startsWith('tg:'),
    secrets: [
      {
        option: 'token',
        envVar: 'TELEGRAM_BOT_TOKEN',
        configKey: 'token',
        prompt: 'Telegram bot token (from @BotFather, looks like 123456:ABC-…)',
        validate: (v) =>
          noSpaces('The Telegram token')(v) ??
          (/^\d+:[\w-]+$/.test(v) ? undefined : 'The Telegram token looks like 123456:ABC-def…'),
      },
    ],
    url: { configKey: 'apiRoot', default: 'https://api.telegram.org' },
    async verify(secrets, url, fetchImpl) {
      // The URL holds the token: it must never reach an error message.
      const body = await getJson(
        fetchImpl,
        `${trimSlash(url)}/bot${secrets.token}/getMe`,
        {},
        'Telegram getMe',
      );
      if (body.ok !== true)
        throw new Error(`Telegram refused the token (${describeError(body)}); check it with @BotFather`);
      const result = body.result as { username?: string } | undefined;
      return `@${result?.username ?? 'unknown'}`;
    },
  },
  discord: {
    name: 'discord',
    ownsChat: (chat) => chat.startsWith('dc:'),
    secrets: [
      {
        option: 'token',
        envVar: 'DISCORD_BOT_TOKEN',
        configKey: 'token',
        prompt: 'Discord bot token (Developer Portal → your app → Bot → Reset Token)',
        validate: noSpaces('The Discord token'),
      },
    ],
    url: { configKey: 'api', default: 'https://discord.com/api' },
    async verify(secrets, url, fetchImpl) {
      const body = await getJson(
        fetchImpl,
        `${trimSlash(url)}/v10/users/@me`,
        { headers: { Authorization: `Bot ${secrets.token}` } },
        'Discord /users/@me',
      );
      if (typeof body.username !== 'string') {
        throw new Error(
          `Discord refused the token (${describeError(body)}); reset it in the Developer Portal`,
        );
      }
      return body.username;
    },
  },
  slack: {
    name: 'slack',
    ownsChat: (chat) => chat.startsWith('slack:'),
    secrets: [
      {
        option: 'botToken',
        envVar: 'SLACK_BOT_TOKEN',
        configKey: 'botToken',
        prompt: 'Slack bot token (OAuth & Permissions → Bot User OAuth Token, xoxb-…)',
        validate: prefixed('The Slack bot token', 'xoxb-'),
      },
      {
        option: 'appToken',
        envVar: 'SLACK_APP_TOKEN',
        configKey: 'appToken',
        prompt: 'Slack app-level token (Basic Information → App-Level Tokens, connections:write, xapp-…)',
        validate: prefixed('The Slack app token', 'xapp-'),
      },
    ],
    url: { configKey: 'apiUrl', default: 'https://slack.com/api/' },
    async verify(secrets, url, fetchImpl) {
      const base = url.endsWith('/') ? url : `${url}/`;
      const auth = await slackCall(fetchImpl, `${base}auth.test`, secrets.botToken!, 'auth.test');
      if (auth.ok !== true)
        throw new Error(
          `Slack refused the bot token (${describeError(auth)}); reinstall the app and copy the xoxb- token`,
        );
      // Opening a Socket Mode URL proves the app token and that Socket Mode is on; nothing connects to it.
      const open = await slackCall(
        fetchImpl,
        `${base}apps.connections.open`,
        secrets.appToken!,
        'apps.connections.open',
      );
      if (open.ok !== true) {
        throw new Error(
          `Slack refused the app token (${describeError(open)}); create an app-level token with connections:write and turn Socket Mode on`,
        );
      }
      return `${String(auth.user ?? 'bot')} in ${String(auth.team ?? 'the workspace')}`;
    },
  },
  whatsapp: {
    name: 'whatsapp',
    secrets: [],
    ownsChat: (chat) => /@(s\.whatsapp\.net|g\.us|lid)$/.test(chat),
  },
};

export const platformNames = Object.keys(PLATFORMS) as Platform['name'][];

/** The platform a route's chat id belongs to (undefined for local: and unknown ids). */
export function platformOfChat(chat: string): Platform | undefined {
  return Object.values(PLATFORMS).find((p) => p.ownsChat(chat));
}

/**
 * For `doctor`: checks a configured channel's tokens with the platform, from the loaded
 * config (secrets substituted). Resolves to who the bot is; rejects with why not (never
 * with the token in the text). Undefined for a platform without tokens (WhatsApp).
 */
export async function checkConfiguredToken(
  name: Platform['name'],
  section: Record<string, unknown>,
  fetchImpl: typeof fetch = fetch,
): Promise<string | undefined> {
  const platform = PLATFORMS[name];
  if (!platform.verify || !platform.url) return undefined;
  const secrets = Object.fromEntries(
    platform.secrets.map((f) => [f.option, String(section[f.configKey] ?? '')]),
  );
  const url =
    typeof section[platform.url.configKey] === 'string'
      ? String(section[platform.url.configKey])
      : platform.url.default;
  return platform.verify(secrets, url, fetchImpl);
}

/** The config section: secrets as ${VAR} references, the URL only when it is not the default. */
export function sectionFor(platform: Platform, url: string | undefined): ChannelSection {
  if (platform.name === 'whatsapp') return { enabled: true };
  const section: ChannelSection = {};
  for (const secret of platform.secrets) section[secret.configKey] = `\${${secret.envVar}}`;
  if (platform.url && url && url !== platform.url.default) section[platform.url.configKey] = url;
  return section;
}

async function getJson(
  fetchImpl: typeof fetch,
  url: string,
  init: RequestInit,
  what: string,
): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetchImpl(url, { ...init, signal: AbortSignal.timeout(15_000) });
  } catch (err) {
    // The cause names the host and port at most, never the path (where Telegram keeps the token).
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message?.split('\n')[0] ?? (err as Error).name;
    throw new Error(`${what} could not be reached (${why}); check the network or the API URL`);
  }
  try {
    return (await response.json()) as Record<string, unknown>;
  } catch {
    throw new Error(`${what} answered HTTP ${response.status} without JSON; is the API URL right?`);
  }
}

const slackCall = (fetchImpl: typeof fetch, url: string, token: string, what: string) =>
  getJson(
    fetchImpl,
    url,
    {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    },
    `Slack ${what}`,
  );

const describeError = (body: Record<string, unknown>): string =>
  String(body.error ?? body.description ?? body.message ?? 'no reason given').slice(0, 200);

const trimSlash = (url: string): string => url.replace(/\/+$/, '');
