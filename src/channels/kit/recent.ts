/**
 * The last N things a channel saw, oldest forgotten first, so memory stays bounded.
 * Platforms redeliver (Socket Mode after a drop, baileys after a reconnect, Slack's
 * `message` and `app_mention` for one post) and echo the bot's own posts back: a channel
 * remembers recent ids to drop those, and recent messages to quote or react to.
 */
export class Recent<V = true> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly limit: number) {}

  has(key: string): boolean {
    return this.entries.has(key);
  }

  get(key: string): V | undefined {
    return this.entries.get(key);
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  /** Oldest first. */
  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries[Symbol.iterator]();
  }

  remember(key: string, value: V = true as V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as string);
  }
}
