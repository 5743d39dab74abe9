/**
 * Thread streaming on Discord: the first piece of intermediate output opens a thread on
 * the message that started the work; later pieces are posted there in batches (the kit's
 * ProgressStreams bounds the rate, so a chatty agent cannot trip Discord's rate limits),
 * rendered and split like a reply. The final answer goes to the channel itself (the core sends it).
 */
import type { ProgressStream } from '../kit/progress.js';
import type { DiscordOutbound } from './outbound.js';

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

/**
 * One piece of work's progress, in a thread on `triggerId` opened with its first batch;
 * `post` sends a batch's text into the thread (the channel's send: rendered, split at 2000).
 */
export function threadStream(
  channelId: string,
  triggerId: string,
  outbound: Pick<DiscordOutbound, 'openThread'>,
  post: (threadId: string, text: string) => Promise<unknown>,
): ProgressStream {
  let threadId: Promise<string> | undefined;
  return async (batch) => {
    threadId ??= outbound.openThread(channelId, triggerId, threadName(batch[0] ?? ''));
    try {
      await post(await threadId, batch.join('\n'));
    } catch (error) {
      // Open the thread again with the next batch instead of posting into a failed promise
      // forever (on a thread that exists, openThread returns it).
      threadId = undefined;
      throw error;
    }
  };
}
