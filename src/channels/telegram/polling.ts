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
import { describeError } from '../kit/errors.js';

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

export class TelegramPoller {
  private offset: number | undefined;
  private abort = new AbortController();
  private loop: Promise<void> | undefined;
  private healthy = true;

  constructor(private readonly options: PollerOptions) {}

  start(): void {
    this.abort = new AbortController();
    this.loop ??= this.run().finally(() => {
      this.loop = undefined;
    });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { api, logger } = this.options;
    const signal = this.abort.signal;
    let failures = 0;
    let storageFailures = 0;
    while (!signal.aborted) {
      let updates: Update[];
      try {
        updates = await api.getUpdates(
          {
            offset: this.offset,
            timeout: this.options.pollTimeoutSeconds,
            allowed_updates: [...ALLOWED_UPDATES],
          },
          signal as unknown as Parameters<Api['getUpdates']>[1],
        );
      } catch (error) {
        if (signal.aborted) return;
        failures++;
        const fatal = fatalReason(error);
        if (fatal) {
          logger.error({ err: describe(error) }, `Telegram polling stopped: ${fatal}`);
          this.options.state('failed', fatal);
          return;
        }
        const delay = retryDelay(error, failures, this.options.backoff);
        logger.warn(
          { failures, retryInMs: delay, err: describe(error) },
          'Telegram getUpdates failed; retrying',
        );
        if (this.healthy) this.options.state('disconnected', `getUpdates failed: ${describe(error)}`);
        this.healthy = false;
        await sleep(delay, signal);
        continue;
      }
      failures = 0;
      if (!this.healthy) {
        this.healthy = true;
        logger.info('Telegram polling reconnected');
        this.options.state('connected');
      }
      for (const update of updates) {
        if (signal.aborted) return;
        try {
          await this.options.handle(update);
        } catch (error) {
          if (error instanceof StorageUnavailableError) {
            // Not stored: the offset stays, so Telegram keeps this update and the ones after
            // it and hands them over again at the next getUpdates, once storing works.
            storageFailures++;
            const delay = retryDelay(undefined, storageFailures, this.options.backoff);
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
        this.offset = update.update_id + 1;
      }
    }
  }
}

/** Errors that retrying cannot fix: a wrong token, or another consumer of the updates. */
function fatalReason(error: unknown): string | undefined {
  if (!(error instanceof GrammyError)) return undefined;
  if (error.error_code === 401 || error.error_code === 404) {
    return 'Telegram rejected the bot token (401/404): check channels.telegram.token';
  }
  if (error.error_code === 409) {
    return 'another process is polling this bot, or a webhook is set (409): stop the other instance';
  }
  return undefined;
}

export function retryDelay(
  error: unknown,
  failures: number,
  backoff: { initialMs: number; maxMs: number },
): number {
  if (
    error instanceof GrammyError &&
    error.error_code === 429 &&
    typeof error.parameters.retry_after === 'number'
  ) {
    return error.parameters.retry_after * 1000;
  }
  // Jitter, so several OmniClaw instances behind one proxy do not retry in lockstep.
  return backoffDelay(failures, { baseMs: backoff.initialMs, maxMs: backoff.maxMs, jitter: 0.25 });
}

/** An API error by its code and description; anything else as the kit says it (no URLs, the network reason under it). */
export const describe = (error: unknown): string =>
  error instanceof GrammyError ? `${error.error_code} ${error.description}` : describeError(error);
