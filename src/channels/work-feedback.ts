/**
 * What a user sees while an agent works, independent of the platform: a typing indicator
 * that is refreshed until the work ends, and Paced, the one-call-at-a-time sender at a
 * bounded rate that both the streamed reply preview (reply-preview.ts, latest text wins) and
 * the progress streams (kit/progress.ts, pieces batched) run on.
 * The platform action is passed in; failures are logged by the caller, never thrown here.
 * The notice switch that drives them is KitChannel.notify (kit/channel.ts).
 */
export interface TypingLoopOptions {
  /** Sends one typing indicator; platforms show it for ~5 s (Telegram) or ~10 s (Discord). */
  send: () => Promise<void>;
  intervalMs: number;
  /** Stops by itself after this long, in case the end of the work is never signalled. */
  maxMs: number;
  onError: (error: unknown) => void;
}

/** Typing indicators per chat: start is idempotent, stop ends the refresh. */
export class TypingLoops {
  private readonly loops = new Map<string, { timer: NodeJS.Timeout; until: number }>();

  start(key: string, options: TypingLoopOptions): void {
    const existing = this.loops.get(key);
    if (existing) {
      existing.until = Date.now() + options.maxMs;
      return;
    }
    const fire = (): void => {
      options.send().catch(options.onError);
    };
    const entry = {
      until: Date.now() + options.maxMs,
      timer: setInterval(() => {
        if (Date.now() > entry.until) return this.stop(key);
        fire();
      }, options.intervalMs),
    };
    entry.timer.unref();
    this.loops.set(key, entry);
    fire();
  }

  stop(key: string): void {
    const entry = this.loops.get(key);
    if (!entry) return;
    clearInterval(entry.timer);
    this.loops.delete(key);
  }

  active(key: string): boolean {
    return this.loops.has(key);
  }

  stopAll(): void {
    for (const key of [...this.loops.keys()]) this.stop(key);
  }
}

export interface PacedOptions<T> {
  /** Least time between the starts of two sends (ms): the platform's rate limit. */
  intervalMs: number;
  /** One send; it must not reject (the caller logs its own failures). */
  send: (value: T) => Promise<void>;
  /**
   * With no interval to wait out, send at once (a reply preview: its end may follow in the same
   * tick). Otherwise the send waits for the next timer tick, so what arrives together goes together.
   */
  eager?: boolean;
}

/**
 * Sends what waits at most once per interval and never two at once: what arrives while a send
 * is on the wire or the interval runs is merged into what waits (the caller says how), and goes
 * in one send when both are over. `end()` waits for the send on the wire, then sends or drops the rest.
 * Hand-written (~40 lines): a throttle library (lodash.throttle, p-throttle) delays calls but
 * neither keeps one async call on the wire at a time nor lets its end wait for it.
 */
export class Paced<T> {
  private pending: T | undefined;
  private lastAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private ended = false;

  constructor(private readonly options: PacedOptions<T>) {}

  /** Changes what waits to be sent (`pending`: what waits already, if anything); ignored once ended. */
  update(change: (pending: T | undefined) => T): void {
    if (this.ended) return;
    this.pending = change(this.pending);
    this.schedule();
  }

  /**
   * No more sends once the one on the wire (if any) has finished: what still waits is then
   * sent in one last send, or dropped. Resolves when all of that is done.
   */
  async end(rest: 'send' | 'drop'): Promise<void> {
    this.ended = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
    const left = this.pending;
    this.pending = undefined;
    if (rest === 'send' && left !== undefined) await this.options.send(left);
  }

  private schedule(): void {
    if (this.ended || this.timer || this.inFlight || this.pending === undefined) return;
    const wait = Math.max(0, this.lastAt + this.options.intervalMs - Date.now());
    if (wait === 0 && this.options.eager) return this.start();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.start();
    }, wait);
    this.timer.unref();
  }

  private start(): void {
    const value = this.pending;
    if (value === undefined) return;
    this.pending = undefined;
    this.lastAt = Date.now();
    this.inFlight = this.options.send(value).finally(() => {
      this.inFlight = undefined;
      this.schedule();
    });
  }
}
