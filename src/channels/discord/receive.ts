/**
 * A Discord message on its way in, live from the gateway or fetched after a gap: the
 * channel's facts from the cache, the pure normaliser, attachments into the routed agent's
 * inbox, then the held-inbound queue (which keeps it while the database cannot store it).
 */
import type { GatewayMessageCreateDispatchData } from '@discordjs/core';
import type { Attachment, InboundMessage } from '../../domain/channel.js';
import type { Logger } from '../../observability/logger.js';
import { downloadToInbox, notReceived, type AttachmentLimits } from '../attachments.js';
import type { DiscordBackfill } from './backfill.js';
import type { DiscordChannelCache } from './channel-cache.js';
import { factsOf, normaliseDiscordMessage, type DiscordAttachmentFacts } from './inbound.js';
import { describe } from './outbound.js';

/** Ids of the bot's own recent messages kept, to recognise replies Discord did not resolve. */
const SENT_MEMORY = 2_000;

export interface DiscordReceiverOptions {
  logger: Logger;
  cache: DiscordChannelCache;
  backfill: DiscordBackfill;
  acceptBots: boolean;
  attachmentLimits: AttachmentLimits;
  inboxFor?: (chat: string) => string | undefined;
  /** The held-inbound queue's offer: stores now or keeps the message for later. */
  offer: (message: InboundMessage) => void;
}

export class DiscordReceiver {
  /** Channels seen to be DMs, where threads cannot be opened. */
  readonly dmChannels = new Set<string>();
  private readonly sent = new Set<string>();

  constructor(private readonly options: DiscordReceiverOptions) {}

  /** Remembers a message the bot sent, so a reply to it triggers. */
  remember(id: string): void {
    this.sent.add(id);
    if (this.sent.size > SENT_MEMORY) this.sent.delete(this.sent.values().next().value as string);
  }

  async receive(data: GatewayMessageCreateDispatchData | null | undefined, botId: string): Promise<void> {
    const guildId = data?.guild_id;
    const channel = guildId && data.channel_id ? await this.options.cache.get(data.channel_id) : {};
    const facts = factsOf(data, channel);
    if (!facts) {
      this.options.logger.debug(
        { message: data?.id },
        'Discord message without id, channel or author ignored',
      );
      return;
    }
    this.options.backfill.seen(facts.channelId, facts.id, facts.guildId);
    if (!facts.guildId) this.dmChannels.add(facts.channelId);
    const normalised = normaliseDiscordMessage(facts, {
      botId,
      sentByBot: (id) => this.sent.has(id),
      acceptBots: this.options.acceptBots,
    });
    if (!normalised) return;
    const inbound = normalised.message;
    const inbox = normalised.attachments.length ? this.options.inboxFor?.(inbound.chat) : undefined;
    if (inbox) inbound.attachments = await this.download(inbound.chat, inbox, normalised.attachments);
    this.options.offer(inbound);
  }

  private async download(
    chat: string,
    inbox: string,
    files: DiscordAttachmentFacts[],
  ): Promise<Attachment[]> {
    const saved: Attachment[] = [];
    for (const file of files) {
      try {
        saved.push(
          await downloadToInbox({
            inbox,
            name: file.name,
            url: file.url,
            label: `Discord attachment ${file.name} in ${chat}`,
            announcedSize: file.size,
            mime: file.contentType,
            limits: this.options.attachmentLimits,
          }),
        );
      } catch (error) {
        this.options.logger.warn(
          { chat, file: file.name, err: describe(error) },
          'Discord attachment not downloaded',
        );
        saved.push(notReceived(file.name, error, file.size));
      }
    }
    return saved;
  }
}
