/**
 * At most `limit` events per key within `windowMs` (a sliding window of timestamps). Keeps
 * an agent from flooding another agent or a chat through a tool. Hand-written: ten lines,
 * in memory, and the npm limiters are built for HTTP middleware and token buckets.
 */
export class RateWindow {
  private readonly seen = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records an event for `key` and returns true, or returns false (and records nothing) when over the limit. */
  take(key: string): boolean {
    const now = this.now();
    const recent = (this.seen.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (recent.length >= this.limit) {
      this.seen.set(key, recent);
      return false;
    }
    recent.push(now);
    this.seen.set(key, recent);
    return true;
  }
}
