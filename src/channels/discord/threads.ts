/**
 * Thread streaming on Discord: the first piece of intermediate output opens a thread on
 * the message that started the work; later pieces are posted there in batches, at most one
 * post per interval, so a chatty agent cannot trip Discord's rate limits. The final answer
 * goes to the channel itself (the core sends it).
 */
import type { Logger } from '../../observability/logger.js';
import { ProgressThrottle } from '../work-feedback.js';

export interface ThreadStreamOptions {
  intervalMs: number;
  logger: Logger;
  openThread: (channelId: string, messageId: string, name: string) => Promise<string>;
  post: (threadId: string, text: string) => Promise<void>;
}

/** Discord thread names are 1–100 characters. */
export function threadName(firstProgress: string): string {
  const line =
    firstProgress
      .replace(/[`*_~|>#]/g, '')
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? '';
  const name = line || 'Working';
  return [...name].length > 90 ? `${[...name].slice(0, 89).join('')}…` : name;
}

export class DiscordThreadStreams {
  private readonly streams = new Map<string, ProgressThrottle>();

  constructor(private readonly options: ThreadStreamOptions) {}

  push(key: string, channelId: string, triggerId: string, text: string): void {
    let stream = this.streams.get(key);
    if (!stream) {
      let threadId: Promise<string> | undefined;
      stream = new ProgressThrottle(
        async (batch) => {
          threadId ??= this.options.openThread(channelId, triggerId, threadName(batch[0] ?? ''));
          await this.options.post(await threadId, batch.join('\n'));
        },
        this.options.intervalMs,
        (error) => {
          this.options.logger.warn(
            { chat: `dc:${channelId}`, err: String(error) },
            'Discord progress not posted to thread',
          );
          // Retry opening the thread on the next batch instead of posting into a failed promise forever.
          threadId = undefined;
        },
      );
      this.streams.set(key, stream);
    }
    stream.push(text);
  }

  async close(key: string): Promise<void> {
    const stream = this.streams.get(key);
    if (!stream) return;
    this.streams.delete(key);
    await stream.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.streams.keys()].map((key) => this.close(key)));
  }
}
