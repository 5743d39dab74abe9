/**
 * From an acked Slack event to the kit's intake (kit/intake.ts: the queue that keeps a chat
 * in order, dedupe, received files, held while the store fails): normalise it, drop the
 * second copy before asking anything of Slack (message and app_mention deliver the same
 * post; Socket Mode redelivers after a drop), name the sender, and deliver it with where its
 * files are.
 */
import type { WebClient } from '@slack/web-api';
import type { SlackEvent } from './connection.js';
import type { Logger } from '../../observability/logger.js';
import type { ChannelIntake } from '../kit/intake.js';
import type { SlackInboundFile } from './files.js';
import { normaliseSlackEvent, type SlackIdentity } from './inbound.js';
import { normaliseSlackReaction } from './reactions.js';
import type { FetchFile } from '../kit/files.js';
import { Recent } from '../kit/recent.js';

export interface SlackReceiverOptions {
  intake: ChannelIntake;
  logger: Logger;
  /** Where a file's bytes are: with the bot token, from Slack's file hosts only (files.ts). */
  fileSource: FetchFile<SlackInboundFile>;
  maxInboundText?: number;
}

const NAMES_KEPT = 2000;

export class SlackReceiver {
  private readonly users = new Recent<{ name: string; isBot: boolean }>(NAMES_KEPT);

  constructor(private readonly options: SlackReceiverOptions) {}

  /** Queues an event; `identity` and `client` are those of the connection it came on. */
  receive(event: SlackEvent, identity: SlackIdentity, client: WebClient): void {
    this.options.intake.queue(() =>
      event.type === 'reaction_added'
        ? this.reaction(event, identity, client)
        : this.message(event, identity, client),
    );
  }

  /**
   * A `reaction_added` from a person, passed on as its emoji. Slack does not say whether the
   * reacting user is a bot, so users.info is asked (once per user): another app's bot that
   * reacts to every post must not approve the host's requests. The bot's own are dropped first.
   */
  private async reaction(event: SlackEvent, identity: SlackIdentity, client: WebClient): Promise<void> {
    const reaction = normaliseSlackReaction(event, identity);
    if (!reaction) return;
    if ((await this.user(client, reaction.senderId!)).isBot)
      return this.options.logger.debug({ user: reaction.senderId }, 'slack reaction by a bot ignored');
    this.options.intake.reaction(reaction);
  }

  /** A `message` or `app_mention` (anything else is ignored by normaliseSlackEvent). */
  private async message(event: SlackEvent, identity: SlackIdentity, client: WebClient): Promise<void> {
    const decision = normaliseSlackEvent(event, identity, this.options.maxInboundText);
    if (decision.kind === 'ignore') {
      this.options.logger.trace({ reason: decision.reason }, 'slack event ignored');
      return;
    }
    const { message, files } = decision;
    if (this.options.intake.seenBefore(message)) return;
    if (message.senderName === message.senderId)
      message.senderName = (await this.user(client, message.senderId)).name;
    await this.options.intake.deliver(message, files, this.options.fileSource);
  }

  /** Display name and whether it is a bot, from users.info (needs users:read); the id and "a person" when that is not granted. */
  private async user(client: WebClient, userId: string): Promise<{ name: string; isBot: boolean }> {
    const cached = this.users.get(userId);
    if (cached) return cached;
    const found = { name: userId, isBot: false };
    try {
      const info = await client.users.info({ user: userId });
      found.name = info.user?.profile?.display_name || info.user?.real_name || info.user?.name || userId;
      found.isBot = info.user?.is_bot === true;
    } catch (err) {
      this.options.logger.debug(
        { user: userId, err: (err as Error).message },
        'slack users.info failed; using the id',
      );
    }
    this.users.remember(userId, found);
    return found;
  }
}
