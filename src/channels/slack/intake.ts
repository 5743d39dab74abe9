/**
 * From an acked Slack event to the kit's intake (kit/intake.ts: the queue that keeps a chat
 * in order, dedupe, received files, held while the store fails): normalise it, drop the
 * second copy before asking anything of Slack (message and app_mention deliver the same
 * post; Socket Mode redelivers after a drop), name the sender, and deliver it with where its
 * files are.
 */
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../observability/logger.js';
import type { ChannelIntake } from '../kit/intake.js';
import { inboundFile, slackFileSource, type SlackInboundFile } from './files.js';
import { normaliseSlackEvent, type SlackIdentity } from './inbound.js';
import type { FetchFile } from '../kit/files.js';

export interface SlackReceiverOptions {
  intake: ChannelIntake;
  botToken: string;
  logger: Logger;
  /** Hosts (host[:port]) the bot token may be sent to. */
  fileHosts: Set<string>;
  maxInboundText?: number;
}

const NAMES_KEPT = 2000;

export class SlackReceiver {
  private readonly userNames = new Map<string, string>();
  private readonly fileSource: FetchFile<SlackInboundFile>;

  constructor(private readonly options: SlackReceiverOptions) {
    this.fileSource = slackFileSource(options.botToken, options.fileHosts);
  }

  /** Queues an event; `identity` and `client` are those of the connection it came on. */
  enqueue(event: unknown, identity: SlackIdentity, client: WebClient): void {
    this.options.intake.queue(() => this.handle(event, identity, client));
  }

  private async handle(event: unknown, identity: SlackIdentity, client: WebClient): Promise<void> {
    const decision = normaliseSlackEvent(event, identity, this.options.maxInboundText);
    if (decision.kind === 'ignore') {
      this.options.logger.trace({ reason: decision.reason }, 'slack event ignored');
      return;
    }
    const { message, files } = decision;
    if (this.options.intake.seenBefore(message)) return;
    if (message.senderName === message.senderId)
      message.senderName = await this.userName(client, message.senderId);
    await this.options.intake.deliver(message, files.map(inboundFile), this.fileSource);
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
    if (this.userNames.size > NAMES_KEPT) this.userNames.clear();
    this.userNames.set(userId, name);
    return name;
  }
}
