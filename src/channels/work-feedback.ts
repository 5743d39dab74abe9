/**
 * What a user sees while an agent works, independent of the platform: a typing indicator
 * that is refreshed until the work ends, and intermediate output delivered at a bounded
 * rate (one status edit or thread post at a time, never a burst that trips rate limits).
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

/**
 * Collects pieces of progress and delivers them in batches, at most one delivery per
 * interval and never two at once. `close()` delivers what is left and waits for it.
 */
export class ProgressThrottle {
  private pending: string[] = [];
  private lastDelivery = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly deliver: (batch: string[]) => Promise<void>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  push(text: string): void {
    if (this.closed || !text) return;
    this.pending.push(text);
    if (this.timer) return;
    const wait = Math.max(0, this.lastDelivery + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.flush();
    await this.running;
  }

  private flush(): void {
    if (!this.pending.length) return;
    const batch = this.pending;
    this.pending = [];
    this.running = this.running.then(async () => {
      this.lastDelivery = Date.now();
      try {
        await this.deliver(batch);
      } catch (error) {
        this.onError(error);
      }
      this.lastDelivery = Date.now();
    });
  }
}
