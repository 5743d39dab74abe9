/**
 * The outbox: every outbound message is persisted before it is sent, sent in order per
 * chat, retried with a bound, and marked delivered with the platform's id. A platform that
 * is down or rate-limits (429, 5xx, network) is retried for `retryForMs` (hours), waiting
 * what the platform asked (retry_after, Retry-After); a refusal (4xx) fails at once; an error
 * an adapter does not classify is tried `maxAttempts` times. After a crash,
 * pending rows are sent on start, once. Event-driven: an enqueue, a channel coming back,
 * or the next retry time wakes it; nothing polls.
 */
import type { Logger } from 'pino';
import type { Channel, ChannelDirectory } from '../domain/channel.js';
import type { NewOutboxEntry, OutboxEntry, OutboxStore } from '../store/outbox-store.js';
import { backoffDelay } from '../protocol/backoff.js';
import { classifySendError } from '../domain/send-error.js';
import type { Metrics } from '../observability/metrics.js';
import type { HostContext } from './host-context.js';
import { StagedFiles } from './staged-files.js';

export interface OutboxOptions {
  store: OutboxStore;
  channels: ChannelDirectory;
  logger: Logger;
  now?: () => number;
  retry?: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
  /** How long a platform outage or rate limit is retried before the row fails (ms). */
  retryForMs?: number;
  onResult?: (entry: OutboxEntry, result: 'sent' | 'retry' | 'failed') => void;
  /** A row was delivered (the work log's "reply sent"). */
  onSent?: (entry: OutboxEntry, platformId: string) => void;
  /** Test seam for crash-recovery tests: called just before a row is handed to its channel. */
  beforeSend?: (entry: OutboxEntry) => void;
}

interface Waiter {
  resolve: (value: { platformId: string }) => void;
  reject: (err: Error) => void;
}

export class OutboxDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboxDeliveryError';
  }
}

/**
 * deliver() callers learn that the platform is not taking messages now; the row stays
 * queued and is sent when it does (it may be hours).
 */
export class OutboxDeferredError extends OutboxDeliveryError {
  constructor(
    message: string,
    readonly retryAt: number,
  ) {
    super(message);
    this.name = 'OutboxDeferredError';
  }
}

export const DEFAULT_RETRY_FOR_MS = 6 * 60 * 60_000;

export class Outbox {
  private readonly now: () => number;
  private readonly retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
  private readonly waiters = new Map<number, Waiter[]>();
  private readonly busyChats = new Set<string>();
  private flushQueued = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private stopped = false;
  private readonly idle = new Set<() => void>();
  /** Rows not to send yet: a streamed reply whose preview is still on the wire (reply-stream.ts). */
  private readonly held = new Set<number>();

  constructor(private readonly options: OutboxOptions) {
    this.now = options.now ?? Date.now;
    this.retry = options.retry ?? { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 60_000 };
  }

  /** Persists the message and wakes delivery. Returns the outbox id. */
  enqueue(entry: NewOutboxEntry): number {
    const id = this.options.store.enqueue(entry);
    this.kick();
    return id;
  }

  /** Persists, then resolves once the platform accepted it (or rejects with the platform's error). */
  deliver(entry: NewOutboxEntry): Promise<{ platformId: string }> {
    const id = this.options.store.enqueue(entry);
    const done = this.waitFor(id);
    this.kick();
    return done;
  }

  waitFor(id: number): Promise<{ platformId: string }> {
    const row = this.options.store.get(id);
    if (row?.status === 'sent') return Promise.resolve({ platformId: row.platformId ?? '' });
    if (row?.status === 'failed')
      return Promise.reject(new OutboxDeliveryError(row.lastError ?? 'delivery failed'));
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(id) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(id, list);
    });
  }

  /** Resolves when every given row is sent or has finally failed (never rejects). */
  async settled(ids: number[]): Promise<void> {
    await Promise.all(ids.map((id) => this.waitFor(id).catch(() => undefined)));
  }

  /** Keeps a pending row (and its chat's later rows) back until release(). */
  hold(id: number): void {
    this.held.add(id);
  }

  release(id: number): void {
    if (this.held.delete(id)) this.kick();
  }

  /** Wakes delivery soon (coalesced). Call when a channel (re)connects. */
  kick(): void {
    if (this.flushQueued || this.stopped) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Resolves when no chat is mid-send (for shutdown). */
  drained(): Promise<void> {
    if (this.busyChats.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  private flush(): void {
    if (this.stopped) return;
    const now = this.now();
    const due = this.options.store.due(now, 500);
    const firstPerChat = new Map<string, OutboxEntry>();
    for (const row of due) if (!firstPerChat.has(row.chat)) firstPerChat.set(row.chat, row);
    for (const [chat, row] of firstPerChat) {
      if (this.busyChats.has(chat) || this.held.has(row.id)) continue;
      const channel = this.options.channels.forChat(chat);
      if (channel && channel.state() !== 'connected') continue; // woken again when it connects
      this.busyChats.add(chat);
      void this.sendChain(chat, row, channel)
        .catch((err: Error) =>
          // Only reachable when the store went away under a send (shutdown past its deadline).
          this.options.logger.warn(
            { chat, err: err.message },
            'outbox delivery interrupted; it resumes at the next start',
          ),
        )
        .finally(() => {
          this.busyChats.delete(chat);
          if (this.busyChats.size === 0) for (const resolve of this.idle) resolve();
          if (this.busyChats.size === 0) this.idle.clear();
          this.kick();
        });
    }
    // The same clock reading as `due`: a row falling due in between would otherwise be
    // neither sent by this flush nor given a timer.
    this.armTimer(now);
  }

  /** Sends a chat's due rows in order; stops at the first one that must wait. */
  private async sendChain(chat: string, first: OutboxEntry, channel: Channel | undefined): Promise<void> {
    let row: OutboxEntry | undefined = first;
    while (row && !this.stopped) {
      const ok = await this.sendOne(row, channel);
      // Stopped while sending: the store may be closed; what is left is sent on the next start.
      if (!ok || this.stopped) return;
      row = this.options.store.due(this.now(), 500).find((r) => r.chat === chat);
      if (row && this.held.has(row.id)) return; // released later, with a kick
    }
  }

  private async sendOne(row: OutboxEntry, channel: Channel | undefined): Promise<boolean> {
    const log = this.options.logger.child({ outbox: row.id, chat: row.chat, agent: row.agent });
    if (!channel) {
      const error = `no connected channel handles chat "${row.chat}" (is the channel configured in omniclaw.yaml?)`;
      this.options.store.markFailed(row.id, error);
      log.error({ err: error }, 'outbound message dropped');
      this.settle(row, 'failed', error);
      return true;
    }
    try {
      this.options.beforeSend?.(row);
      const sent = await channel.send(row.chat, {
        text: row.text,
        replyTo: row.replyTo,
        thread: row.thread,
        files: row.files,
        edit: row.edit,
      });
      this.options.store.markSent(row.id, sent.platformId);
      this.options.onSent?.(row, sent.platformId);
      this.settle(row, 'sent', undefined, sent.platformId);
      return true;
    } catch (err) {
      const message = (err as Error).message || String(err);
      const attempt = row.attempts + 1;
      const failure = classifySendError(err);
      if (failure?.kind === 'permanent') {
        this.options.store.markFailed(row.id, message);
        log.error(
          { err: message, attempts: attempt },
          'outbound message refused by the platform; not retried',
        );
        this.settle(row, 'failed', message);
        return true;
      }
      if (failure) return this.retryForAWhile(row, message, attempt, failure.retryAfterMs, log);
      if (attempt >= this.retry.maxAttempts) {
        this.options.store.markFailed(row.id, message);
        log.error({ err: message, attempts: attempt }, 'outbound message failed for good');
        this.settle(row, 'failed', message);
        return true;
      }
      const next =
        this.now() + backoffDelay(attempt, { baseMs: this.retry.baseDelayMs, maxMs: this.retry.maxDelayMs });
      this.options.store.markRetry(row.id, message, next);
      log.warn({ err: message, attempt, retryAt: next }, 'outbound message will be retried');
      this.options.onResult?.(row, 'retry');
      this.armTimer();
      return false;
    }
  }

  /** Rate limit or outage: wait what the platform asked (or back off), until retryForMs has passed. */
  private retryForAWhile(
    row: OutboxEntry,
    message: string,
    attempt: number,
    retryAfterMs: number | undefined,
    log: Logger,
  ): boolean {
    const now = this.now();
    const since = row.failingSince ?? now;
    const retryForMs = this.options.retryForMs ?? DEFAULT_RETRY_FOR_MS;
    const wait =
      retryAfterMs ?? backoffDelay(attempt, { baseMs: this.retry.baseDelayMs, maxMs: this.retry.maxDelayMs });
    if (now + wait - since > retryForMs) {
      const error = `${message} (still failing after ${Math.round((now - since) / 60_000)} min; gave up)`;
      this.options.store.markFailed(row.id, error);
      log.error(
        { err: message, attempts: attempt, failingForMs: now - since },
        'outbound message failed for good',
      );
      this.settle(row, 'failed', error);
      return true;
    }
    const next = now + wait;
    this.options.store.markRetry(row.id, message, next, since);
    log.warn(
      { err: message, attempt, retryAt: next, retryAfterMs },
      'platform not taking messages; will retry',
    );
    this.options.onResult?.(row, 'retry');
    const waiters = this.waiters.get(row.id);
    this.waiters.delete(row.id);
    for (const w of waiters ?? [])
      w.reject(
        new OutboxDeferredError(`${message}; queued, retrying at ${new Date(next).toISOString()}`, next),
      );
    this.armTimer();
    return false;
  }

  private settle(row: OutboxEntry, result: 'sent' | 'failed', error?: string, platformId?: string): void {
    this.options.onResult?.(row, result);
    const waiters = this.waiters.get(row.id);
    if (!waiters) return;
    this.waiters.delete(row.id);
    for (const w of waiters) {
      if (result === 'sent') w.resolve({ platformId: platformId ?? '' });
      else w.reject(new OutboxDeliveryError(error ?? 'delivery failed'));
    }
  }

  /** One timer, armed for the earliest retry; never a periodic poll. */
  private armTimer(now = this.now()): void {
    // `now` must be the reading the caller decided with (see flush): with a later one, a
    // retry falling due in between was neither sent nor given a timer, and waited forever.
    const next = this.options.store.nextDueAt(now);
    if (next === undefined || next >= this.timerAt || this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = next;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.kick();
    }, next - now);
    this.timer.unref();
  }
}

/** The host's outbox: config.outbox's retry window, each send's result counted in the metrics. */
export function hostOutbox(
  host: HostContext,
  parts: { store: { outbox: OutboxStore }; channels: ChannelDirectory; metrics: Metrics } & Pick<
    OutboxOptions,
    'beforeSend' | 'onSent'
  >,
): Outbox {
  const staged = new StagedFiles({
    root: host.paths.outboxFiles,
    channels: parts.channels,
    logger: host.logger,
  });
  staged.sweep(parts.store.outbox);
  return new Outbox({
    store: parts.store.outbox,
    channels: parts.channels,
    logger: host.logger,
    now: host.now,
    beforeSend: parts.beforeSend,
    onSent: (entry, platformId) => {
      parts.onSent?.(entry, platformId);
      staged.release(entry);
    },
    retryForMs: host.config.outbox.retryForMs,
    onResult: (entry, result) => parts.metrics.messagesOut.inc({ channel: entry.channel, result }),
  });
}
