/**
 * A Discord message on its way in, live from the gateway or fetched after a gap: the
 * channel's facts from the cache, the pure normaliser, then the kit's intake (files into the
 * routed agent's inbox, dedupe, held while the database cannot store it). Every message goes
 * through the intake's queue, so one waiting for a file or a channel lookup is never
 * overtaken by a later one.
 */
import type { GatewayMessageCreateDispatchData } from '@discordjs/core';
import type { Logger } from '../../observability/logger.js';
import type { ChannelIntake } from '../kit/intake.js';
import { Recent } from '../kit/recent.js';
import type { DiscordBackfill } from './backfill.js';
import type { DiscordChannelCache } from './channel-cache.js';
import { isAnswerable, normaliseDiscordMessage, type DiscordMessage } from './inbound.js';

/** Ids of the bot's own recent messages kept, to recognise replies Discord did not resolve. */
const SENT_MEMORY = 2_000;

export interface DiscordReceiverOptions {
  logger: Logger;
  cache: DiscordChannelCache;
  backfill: DiscordBackfill;
  acceptBots: boolean;
  intake: ChannelIntake;
}

export class DiscordReceiver {
  /** Channels seen to be DMs, where threads cannot be opened. */
  readonly dmChannels = new Set<string>();
  private readonly sent = new Recent(SENT_MEMORY);

  constructor(private readonly options: DiscordReceiverOptions) {}

  /** Remembers a message the bot sent, so a reply to it triggers. */
  remember(id: string): void {
    this.sent.remember(id);
  }

  /** Queues the message; resolves once it is handed over (or dropped, logged). */
  receive(data: GatewayMessageCreateDispatchData | null | undefined, botId: string): Promise<void> {
    return new Promise((resolve) =>
      this.options.intake.queue(() => this.handle(data, botId).finally(resolve)),
    );
  }

  /** Typed loosely: a payload is checked here, not trusted to match its type. */
  private async handle(data: DiscordMessage | null | undefined, botId: string): Promise<void> {
    if (!isAnswerable(data)) {
      this.options.logger.debug(
        { message: data?.id },
        'Discord message without id, channel or author ignored',
      );
      return;
    }
    const guildId = data.guild_id;
    const channel = guildId ? await this.options.cache.get(data.channel_id) : {};
    this.options.backfill.seen(data.channel_id, data.id, guildId);
    if (!guildId) this.dmChannels.add(data.channel_id);
    const normalised = normaliseDiscordMessage(data, channel, {
      botId,
      sentByBot: (id) => this.sent.has(id),
      acceptBots: this.options.acceptBots,
    });
    if (!normalised) return;
    await this.options.intake.deliver(normalised.message, normalised.files, async (file) => ({
      url: file.url,
    }));
  }
}
