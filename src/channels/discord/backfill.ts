/**
 * Discord replays missed events only when a gateway session is resumed. When it cannot be
 * (the session expired during a longer outage, so @discordjs/ws identifies afresh), whatever
 * was written in the gap never arrives. This fetches, for every channel we have heard from,
 * the messages after the last one seen and feeds them to the normal inbound path; the store
 * dedupes on (channel, chat, platform id), so an overlap is harmless.
 */
import type { ChannelsAPI, GatewayMessageCreateDispatchData } from '@discordjs/core';
import type { Logger } from '../../observability/logger.js';
import { Recent } from '../kit/recent.js';

/** Channels remembered; beyond this the oldest are forgotten (one operator rarely has more). */
const MAX_CHANNELS = 5_000;
/** One page per channel: a gap longer than 100 messages in one channel is logged, not chased. */
const PAGE = 100;

const isSnowflake = (id: string): boolean => /^\d{1,25}$/.test(id);
const compareIds = (a: string, b: string): number =>
  BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0;

export class DiscordBackfill {
  /**
   * The last message seen in each channel, and the guild of a guild channel: messages fetched
   * over REST do not say (the gateway's do).
   */
  private readonly lastSeen = new Recent<{ messageId: string; guildId?: string }>(MAX_CHANNELS);

  constructor(private readonly logger: Logger) {}

  seen(channelId: string, messageId: string, guildId: string | undefined): void {
    if (!isSnowflake(channelId) || !isSnowflake(messageId)) return;
    const previous = this.lastSeen.get(channelId);
    if (previous && compareIds(previous.messageId, messageId) >= 0) return;
    this.lastSeen.remember(channelId, { messageId, guildId: guildId ?? previous?.guildId });
  }

  /** Fetches and delivers the messages missed since the last one seen, oldest first. */
  async run(
    channels: ChannelsAPI,
    deliver: (message: GatewayMessageCreateDispatchData) => Promise<void>,
  ): Promise<number> {
    let delivered = 0;
    for (const [channelId, { messageId: after, guildId }] of [...this.lastSeen]) {
      try {
        // Newest first, as Discord answers.
        const page = await channels.getMessages(channelId, { after, limit: PAGE });
        const missed = page.filter((m) => isSnowflake(m.id)).sort((a, b) => compareIds(a.id, b.id));
        if (page.length === PAGE) {
          this.logger.warn(
            { chat: `dc:${channelId}` },
            'Discord: more than 100 messages missed; older ones skipped',
          );
        }
        for (const message of missed) {
          // Without its guild a server message would pass for a DM (which needs no trigger).
          await deliver(guildId ? { ...message, guild_id: guildId } : message);
          delivered++;
        }
      } catch (error) {
        this.logger.warn(
          { chat: `dc:${channelId}`, err: (error as Error).message },
          'Discord: could not fetch missed messages',
        );
      }
    }
    if (delivered)
      this.logger.info({ messages: delivered }, 'Discord: delivered messages missed while disconnected');
    return delivered;
  }
}
