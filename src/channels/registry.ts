/**
 * The channel table: a config section name to the adapter that serves it. The terminal
 * chat (local) is built by the app itself since it shares the control socket.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/normalise.js';
import type { InstancePaths } from '../config/paths.js';
import type { Channel } from '../domain/channel.js';

export interface ChannelDeps {
  paths: InstancePaths;
  logger: Logger;
  /** Folder for a chat's downloaded attachments (the routed agent's inbox/), if any. */
  inboxFor: (chat: string) => string | undefined;
}

type ChannelsConfig = Config['channels'];
type Factory = (config: ChannelsConfig, deps: ChannelDeps) => Promise<Channel | undefined>;

// Adapters are imported only when configured: an unused platform library costs no memory.
const factories: Record<Exclude<keyof ChannelsConfig, 'local'>, Factory> = {
  telegram: async (c, d) => {
    if (!c.telegram) return undefined;
    const { createTelegramChannel } = await import('./telegram/index.js');
    return createTelegramChannel({
      token: c.telegram.token,
      apiRoot: c.telegram.apiRoot,
      logger: d.logger,
      inboxFor: d.inboxFor,
    });
  },
  discord: async (c, d) => {
    if (!c.discord) return undefined;
    const { createDiscordChannel } = await import('./discord/index.js');
    return createDiscordChannel({
      token: c.discord.token,
      api: c.discord.api,
      logger: d.logger,
      inboxFor: d.inboxFor,
    });
  },
  slack: async (c, d) => {
    if (!c.slack) return undefined;
    const { createSlackChannel } = await import('./slack/index.js');
    return createSlackChannel({
      botToken: c.slack.botToken,
      appToken: c.slack.appToken,
      apiUrl: c.slack.apiUrl,
      logger: d.logger,
      inboxFor: d.inboxFor,
    });
  },
  whatsapp: async (c, d) => {
    if (!c.whatsapp?.enabled) return undefined;
    const { createWhatsAppChannel } = await import('./whatsapp/index.js');
    return createWhatsAppChannel({ authDir: d.paths.whatsappAuth, logger: d.logger, inboxFor: d.inboxFor });
  },
};

export async function createChannels(config: Config, deps: ChannelDeps): Promise<Channel[]> {
  const out: Channel[] = [];
  for (const factory of Object.values(factories)) {
    const channel = await factory(config.channels, deps);
    if (channel) out.push(channel);
  }
  return out;
}
