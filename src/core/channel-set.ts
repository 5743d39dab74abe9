/** The connected channels, and which one owns a chat. */
import type { Logger } from 'pino';
import type { Channel, ChannelSink, NoticeContext, WorkNotice } from '../channels/types.js';
import type { ChannelDirectory } from './outbox.js';

export class ChannelSet implements ChannelDirectory {
  constructor(
    readonly channels: Channel[],
    private readonly logger: Logger,
  ) {}

  forChat(chat: string): Channel | undefined {
    return this.channels.find((c) => c.ownsChat(chat));
  }

  /** Connects every channel on its own: one that cannot connect does not stop the others. */
  async connectAll(sinkFor: (channel: Channel) => ChannelSink): Promise<void> {
    await Promise.all(
      this.channels.map(async (channel) => {
        try {
          await channel.connect(sinkFor(channel));
        } catch (err) {
          this.logger.error(
            { channel: channel.name, err: (err as Error).message },
            'channel could not connect; the others keep working',
          );
          sinkFor(channel).state('failed', (err as Error).message);
        }
      }),
    );
  }

  notify(chat: string, notice: WorkNotice, context: NoticeContext): void {
    const channel = this.forChat(chat);
    if (!channel?.notify) return;
    channel
      .notify(chat, notice, context)
      .catch((err: Error) =>
        this.logger.debug({ chat, channel: channel.name, err: err.message }, 'notice not shown'),
      );
  }

  async disconnectAll(): Promise<void> {
    await Promise.all(
      this.channels.map((c) =>
        c
          .disconnect()
          .catch((err: Error) =>
            this.logger.warn({ channel: c.name, err: err.message }, 'disconnect failed'),
          ),
      ),
    );
  }
}
