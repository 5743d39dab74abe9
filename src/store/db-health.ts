/**
 * Is the database writable? Learnt two ways: every write that fails with a storage fault
 * reports it here, and a write probe (a 64 KB row committed, then deleted) runs on a timer,
 * so /readyz and `omniclaw status` say "degraded" while the disk is full and "ok" once a
 * write works again. Parts that hold work while the database is down (channels keeping
 * messages, the outbox) wait for `onRecovered`. A fault that lasts longer than
 * `maxUnavailableMs` calls `onPersistent`: the daemon exits so the service manager restarts it.
 */
import type { Logger } from 'pino';
import { isStorageFault } from '../domain/storage-fault.js';

export interface DatabaseHealthOptions {
  /** Commits a sizeable write and frees it again (the store's `probeWrite`); throws when it cannot. */
  probeWrite: () => void;
  logger: Logger;
  /** How often the write probe runs (ms). */
  probeIntervalMs: number;
  /** A fault lasting this long is persistent (ms). */
  maxUnavailableMs: number;
  onPersistent?: (since: number, error: string) => void;
  now?: () => number;
}

export interface DatabaseHealthState {
  ok: boolean;
  /** Since when writes fail (epoch ms). */
  since?: number;
  error?: string;
}

export class DatabaseHealth {
  private faultSince: number | undefined;
  private lastError: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private persistentReported = false;
  private readonly recovered = new Set<() => void>();
  private readonly now: () => number;

  constructor(private readonly options: DatabaseHealthOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.timer ??= setInterval(() => this.probe(), this.options.probeIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  state(): DatabaseHealthState {
    return this.faultSince === undefined
      ? { ok: true }
      : { ok: false, since: this.faultSince, error: this.lastError };
  }

  /** A write failed: returns true when it was a storage fault (and is now recorded). */
  fault(error: unknown, what: string): boolean {
    if (!isStorageFault(error)) return false;
    const message = (error as Error).message ?? String(error);
    if (this.faultSince === undefined) {
      this.faultSince = this.now();
      this.options.logger.error(
        { err: message, what },
        'database cannot be written (disk full or not writable?): messages are kept and stored again when it recovers; free space or fix the files',
      );
    }
    this.lastError = message;
    this.checkPersistent();
    return true;
  }

  /** Calls `listener` each time the database becomes writable again. Returns an unsubscribe. */
  onRecovered(listener: () => void): () => void {
    this.recovered.add(listener);
    return () => this.recovered.delete(listener);
  }

  /** One write probe now; returns whether it succeeded. */
  probe(): boolean {
    try {
      this.options.probeWrite();
    } catch (error) {
      if (!this.fault(error, 'write probe')) {
        // Not a storage fault (the database was closed under us at shutdown): nothing to say.
        return false;
      }
      return false;
    }
    if (this.faultSince !== undefined) {
      this.options.logger.info(
        { unavailableMs: this.now() - this.faultSince },
        'database writable again; storing the messages that were kept',
      );
      this.faultSince = undefined;
      this.lastError = undefined;
      this.persistentReported = false;
      for (const listener of [...this.recovered]) listener();
    }
    return true;
  }

  private checkPersistent(): void {
    if (this.faultSince === undefined || this.persistentReported) return;
    if (this.now() - this.faultSince < this.options.maxUnavailableMs) return;
    this.persistentReported = true;
    this.options.onPersistent?.(this.faultSince, this.lastError ?? 'unknown error');
  }
}
