/** The connected channels, and which one owns a chat. */
import type { Logger } from 'pino';
import type { Channel, ChannelSink, ChannelState, NoticeContext, WorkNotice } from '../domain/channel.js';
import type { ChannelDirectory } from '../domain/channel.js';
import { backoffDelay } from '../protocol/backoff.js';
import type { Metrics } from '../observability/metrics.js';
import { ChannelRejectedError } from '../domain/channel-rejected.js';

export class ChannelSet implements ChannelDirectory {
  constructor(
    readonly channels: Channel[],
    private readonly logger: Logger,
    /** Counts each channel as connected (1) or not (0). */
    private readonly metrics?: Pick<Metrics, 'channelConnected'>,
    /** First wait before a channel that could not connect is tried again; doubles to 5 min. */
    private readonly retryBaseMs = 1_000,
  ) {}

  forChat(chat: string): Channel | undefined {
    return this.channels.find((c) => c.ownsChat(chat));
  }

  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private closing = false;
  private readonly stateOf: Record<string, { state: ChannelState; detail?: string }> = {};

  /** Each channel's last reported state (status, /readyz); a channel not yet heard from is absent. */
  states(): Record<string, { state: ChannelState; detail?: string }> {
    return { ...this.stateOf };
  }

  /**
   * Connects every channel on its own: one that cannot connect does not stop the others,
   * and is tried again with backoff (1 s doubling to 5 min) until it connects — unless the
   * platform rejected its token: that stays failed, with the reason, until a restart.
   */
  async connectAll(sinkFor: (channel: Channel) => ChannelSink): Promise<void> {
    await Promise.all(
      this.channels.map((channel) => {
        const sink = sinkFor(channel);
        const state: ChannelSink['state'] = (state, detail) => {
          this.stateOf[channel.name] = { state, detail };
          this.metrics?.channelConnected.set({ channel: channel.name }, state === 'connected' ? 1 : 0);
          sink.state(state, detail);
        };
        return this.connectOne(channel, { ...sink, state }, 1);
      }),
    );
  }

  private async connectOne(channel: Channel, sink: ChannelSink, attempt: number): Promise<void> {
    try {
      await channel.connect(sink);
    } catch (err) {
      if (this.closing) return;
      if (err instanceof ChannelRejectedError) {
        this.logger.error(
          { channel: channel.name, err: err.message },
          'channel failed: the platform rejected its token; not retrying (fix the token, then restart)',
        );
        sink.state('failed', err.message);
        return;
      }
      const delay = backoffDelay(attempt, { baseMs: this.retryBaseMs, maxMs: 300_000 });
      this.logger.error(
        { channel: channel.name, err: (err as Error).message, attempt, retryInMs: delay },
        'channel could not connect; the others keep working, and it will be tried again',
      );
      sink.state('failed', (err as Error).message);
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        void this.connectOne(channel, sink, attempt + 1);
      }, delay);
      timer.unref();
      this.retryTimers.add(timer);
    }
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
    this.closing = true;
    for (const timer of this.retryTimers) clearTimeout(timer);
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
