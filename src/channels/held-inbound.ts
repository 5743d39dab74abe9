/**
 * Messages a platform will not deliver again, held while the database cannot store them.
 * Discord, Slack and WhatsApp hand us each message once (over a socket or an acknowledged
 * event); if storing it fails because the disk is full, dropping it would lose it for good.
 * So it waits here, in arrival order, and storing is retried with backoff until it works.
 * Telegram needs none of this: it keeps an update until the next poll confirms it.
 * Held messages live in memory: a restart while the database is down loses them (logged).
 */
import type { Logger } from 'pino';
import { StorageUnavailableError } from '../domain/storage-fault.js';
import type { InboundMessage } from '../domain/channel.js';
import { backoffDelay, type Backoff } from '../protocol/backoff.js';

export interface HeldInboundOptions {
  logger: Logger;
  /** Stores the message (the sink); throws StorageUnavailableError when it cannot. */
  store: (message: InboundMessage) => void;
  /** The wait before the first retry, doubling up to maxMs. */
  backoff?: Backoff;
  /** Above this many held messages the oldest is dropped (and logged): memory is bounded. */
  maxHeld?: number;
}

export class HeldInbound {
  private readonly held: InboundMessage[] = [];
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private readonly options: Required<HeldInboundOptions>;

  constructor(options: HeldInboundOptions) {
    this.options = { backoff: { baseMs: 500, maxMs: 30_000 }, maxHeld: 10_000, ...options };
  }

  get size(): number {
    return this.held.length;
  }

  /** Stores the message now, or holds it (behind any held before it, to keep the order). */
  offer(message: InboundMessage): void {
    if (this.held.length) return this.hold(message);
    try {
      this.options.store(message);
    } catch (error) {
      if (!(error instanceof StorageUnavailableError)) throw error;
      this.hold(message);
    }
  }

  /** Stops retrying (the channel disconnects); what is still held is lost, and logged. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.held.length)
      this.options.logger.error(
        { held: this.held.length, chats: [...new Set(this.held.map((m) => m.chat))] },
        'channel stopped while the database could not store these messages; they were not saved',
      );
    this.held.length = 0;
  }

  private hold(message: InboundMessage): void {
    this.held.push(message);
    if (this.held.length > this.options.maxHeld) {
      const dropped = this.held.shift()!;
      this.options.logger.error(
        { chat: dropped.chat, message: dropped.platformId, held: this.options.maxHeld },
        'too many messages held while the database is down; the oldest was dropped',
      );
    }
    if (this.held.length === 1)
      this.options.logger.warn(
        { chat: message.chat, message: message.platformId },
        'message could not be stored (database not writable); holding it and retrying',
      );
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    const delay = backoffDelay(this.failures + 1, this.options.backoff);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, delay);
    this.timer.unref();
  }

  private flush(): void {
    while (this.held.length) {
      try {
        this.options.store(this.held[0]!);
      } catch (error) {
        if (error instanceof StorageUnavailableError) {
          this.failures++;
          return this.schedule();
        }
        // Not a storage fault: this one message cannot be stored; the rest must not wait on it.
        this.options.logger.error(
          { chat: this.held[0]!.chat, err: (error as Error).message },
          'held message could not be stored; dropped',
        );
      }
      this.held.shift();
    }
    if (this.failures)
      this.options.logger.info(
        { retries: this.failures },
        'held messages stored after the database recovered',
      );
    this.failures = 0;
  }
}
