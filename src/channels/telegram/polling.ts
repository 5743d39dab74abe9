/**
 * Long polling for Telegram updates, with our own loop rather than grammY's bot.start():
 * we need to know when the connection is lost and back (channel state for /readyz and
 * `status`), to back off on errors, and to advance the offset only after an update has
 * been handed to the sink. Telegram keeps an update until a later getUpdates confirms it
 * with a higher offset, so a crash, a dropped connection or a database that cannot store the
 * update (disk full) loses nothing: the offset moves only past updates that were stored.
 */
import { GrammyError, type Api } from 'grammy/web';
import type { Update } from 'grammy/types';
import type { Logger } from '../../observability/logger.js';
import type { ChannelState } from '../../domain/channel.js';
import { backoffDelay, sleep } from '../../protocol/backoff.js';
import { StorageUnavailableError } from '../../domain/storage-fault.js';
import { describe, fatalReason } from './errors.js';

export interface PollerOptions {
  api: Api;
  logger: Logger;
  /** How long Telegram holds a getUpdates open when there is nothing new (seconds). */
  pollTimeoutSeconds: number;
  backoff: { initialMs: number; maxMs: number };
  handle: (update: Update) => Promise<void>;
  state: (state: ChannelState, detail?: string) => void;
}

/** message_reaction: 👍 / 👎 on the host's approval requests (delegation/setup.ts). */
const ALLOWED_UPDATES = ['message', 'message_reaction'] as const;

/** Starts the polling loop; the function it returns stops it and resolves once the loop has ended. */
export function startPolling(options: PollerOptions): () => Promise<void> {
  const abort = new AbortController();
  const loop = poll(options, abort.signal);
  return async () => {
    abort.abort();
    await loop;
  };
}

async function poll(options: PollerOptions, signal: AbortSignal): Promise<void> {
  const { api, logger, backoff } = options;
  let offset: number | undefined;
  let healthy = true;
  let failures = 0;
  let storageFailures = 0;
  while (!signal.aborted) {
    let updates: Update[];
    try {
      updates = await api.getUpdates(
        { offset, timeout: options.pollTimeoutSeconds, allowed_updates: [...ALLOWED_UPDATES] },
        signal as unknown as Parameters<Api['getUpdates']>[1],
      );
    } catch (error) {
      if (signal.aborted) return;
      failures++;
      const fatal = fatalReason(error);
      if (fatal) {
        logger.error({ err: describe(error) }, `Telegram polling stopped: ${fatal}`);
        options.state('failed', fatal);
        return;
      }
      const delay = retryDelay(error, failures, backoff);
      logger.warn(
        { failures, retryInMs: delay, err: describe(error) },
        'Telegram getUpdates failed; retrying',
      );
      if (healthy) options.state('disconnected', `getUpdates failed: ${describe(error)}`);
      healthy = false;
      await sleep(delay, signal);
      continue;
    }
    failures = 0;
    if (!healthy) {
      healthy = true;
      logger.info('Telegram polling reconnected');
      options.state('connected');
    }
    for (const update of updates) {
      if (signal.aborted) return;
      try {
        await options.handle(update);
      } catch (error) {
        if (error instanceof StorageUnavailableError) {
          // Not stored: the offset stays, so Telegram keeps this update and the ones after
          // it and hands them over again at the next getUpdates, once storing works.
          storageFailures++;
          const delay = retryDelay(undefined, storageFailures, backoff);
          logger.warn(
            { update: update.update_id, retryInMs: delay, err: error.message },
            'Telegram update not stored (database not writable); kept on Telegram, retrying',
          );
          await sleep(delay, signal);
          break;
        }
        // One bad update must not block the ones after it forever.
        logger.error(
          { update: update.update_id, err: describe(error) },
          'Telegram update could not be handled; skipped',
        );
      }
      storageFailures = 0;
      offset = update.update_id + 1;
    }
  }
}

/** A 429's retry_after, else the backoff for this many failures in a row. */
function retryDelay(error: unknown, failures: number, backoff: PollerOptions['backoff']): number {
  const retryAfter = error instanceof GrammyError ? error.parameters.retry_after : undefined;
  if (typeof retryAfter === 'number') return retryAfter * 1000;
  // Jitter, so several OmniClaw instances behind one proxy do not retry in lockstep.
  return backoffDelay(failures, { baseMs: backoff.initialMs, maxMs: backoff.maxMs, jitter: 0.25 });
}
