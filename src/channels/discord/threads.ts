/**
 * Thread streaming on Discord: the first piece of intermediate output opens a thread on
 * the message that started the work; later pieces are posted there in batches (the kit's
 * ProgressStreams bounds the rate, so a chatty agent cannot trip Discord's rate limits).
 * The final answer goes to the channel itself (the core sends it).
 */
import type { Logger } from '../../observability/logger.js';
import type { ProgressStream } from '../kit/progress.js';

export interface ThreadStreamOptions {
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

/** One piece of work's progress, in a thread on `triggerId` opened with its first batch. */
export function threadStream(
  channelId: string,
  triggerId: string,
  options: ThreadStreamOptions,
): ProgressStream {
  let threadId: Promise<string> | undefined;
  return {
    deliver: async (batch) => {
      threadId ??= options.openThread(channelId, triggerId, threadName(batch[0] ?? ''));
      await options.post(await threadId, batch.join('\n'));
    },
    onError: (error) => {
      options.logger.warn(
        { chat: `dc:${channelId}`, err: String(error) },
        'Discord progress not posted to thread',
      );
      // Retry opening the thread on the next batch instead of posting into a failed promise forever.
      threadId = undefined;
    },
  };
}
