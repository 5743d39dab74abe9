/**
 * From an acked Slack event to the host: normalise it, drop the second copy (message and
 * app_mention deliver the same post; Socket Mode redelivers after a drop), name the sender,
 * download its files into the chat's inbox, and hand it on through HeldInbound, which keeps
 * it while the store fails. Events are handled one after another so downloads never
 * reorder a chat.
 */
import type { WebClient } from '@slack/web-api';
import type { InboundMessage } from '../../domain/channel.js';
import type { Logger } from '../../observability/logger.js';
import { HeldInbound } from '../held-inbound.js';
import { downloadSlackFiles } from './files.js';
import { normaliseSlackEvent, type SlackIdentity } from './inbound.js';

export interface SlackIntakeOptions {
  botToken: string;
  logger: Logger;
  /** Absolute inbox folder for a chat's attachments, or undefined (not routed: no download). */
  inboxFor(chat: string): string | undefined;
  /** Hosts (host[:port]) the bot token may be sent to. */
  fileHosts: Set<string>;
  limits?: { maxFileBytes?: number; maxFilesPerMessage?: number; maxInboundText?: number };
  /** Where a message goes; an unrouted chat is logged once by the intake, not here. */
  store(message: InboundMessage): void;
}

const SEEN_LIMIT = 2000;

export class SlackIntake {
  private readonly held: HeldInbound;
  private readonly seen = new Set<string>();
  private readonly userNames = new Map<string, string>();
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly options: SlackIntakeOptions) {
    this.held = new HeldInbound({ logger: options.logger, store: (m) => options.store(m) });
  }

  /** Queues an event; `identity` and `client` are those of the connection it came on. */
  enqueue(event: unknown, identity: SlackIdentity, client: WebClient): void {
    this.chain = this.chain
      .then(() => this.handle(event, identity, client))
      .catch((err: unknown) =>
        this.options.logger.error({ err: (err as Error).message }, 'slack inbound message dropped'),
      );
  }

  stop(): void {
    this.held.stop();
  }

  private async handle(event: unknown, identity: SlackIdentity, client: WebClient): Promise<void> {
    const { limits, logger } = this.options;
    const decision = normaliseSlackEvent(event, identity, limits?.maxInboundText);
    if (decision.kind === 'ignore') {
      logger.trace({ reason: decision.reason }, 'slack event ignored');
      return;
    }
    const { message, files } = decision;
    const seenKey = `${message.chat}|${message.platformId}`;
    if (this.seen.has(seenKey)) return;
    this.seen.add(seenKey);
    if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.values().next().value as string);
    if (message.senderName === message.senderId)
      message.senderName = await this.userName(client, message.senderId);
    const inbox = files.length ? this.options.inboxFor(message.chat) : undefined;
    if (inbox) {
      const outcome = await downloadSlackFiles(files, {
        botToken: this.options.botToken,
        inbox,
        allowedHosts: this.options.fileHosts,
        maxFileBytes: limits?.maxFileBytes ?? 20 * 1024 * 1024,
        maxFiles: limits?.maxFilesPerMessage ?? 10,
      });
      if (outcome.attachments.length) message.attachments = outcome.attachments;
      for (const skipped of outcome.skipped) {
        logger.warn(
          { chat: message.chat, file: skipped.name, reason: skipped.reason },
          'slack file not downloaded',
        );
      }
    }
    this.held.offer(message);
  }

  /** Display name from users.info (needs users:read); the id when that is not granted. */
  private async userName(client: WebClient, userId: string): Promise<string> {
    const cached = this.userNames.get(userId);
    if (cached) return cached;
    let name = userId;
    try {
      const info = await client.users.info({ user: userId });
      name = info.user?.profile?.display_name || info.user?.real_name || info.user?.name || userId;
    } catch (err) {
      this.options.logger.debug(
        { user: userId, err: (err as Error).message },
        'slack users.info failed; using the id',
      );
    }
    if (this.userNames.size > SEEN_LIMIT) this.userNames.clear();
    this.userNames.set(userId, name);
    return name;
  }
}
