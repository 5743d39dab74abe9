/**
 * A streamed reply on a platform that edits messages: the first text is posted at once, then
 * the message is edited at most once per `intervalMs` (the platform's edit rate limit), each
 * time with the latest text — updates in between are coalesced, never queued. One post or
 * edit is on the wire at a time, and `end()` waits for it, so the final edit (the outbox's)
 * can never be overtaken by a stale preview. A failed post or edit is logged and streaming
 * stops; the final reply still goes out through the outbox.
 * Hand-written (~60 lines): a throttle library (lodash.throttle, p-throttle) delays calls
 * but neither keeps one async call on the wire at a time nor lets `end()` wait for it.
 */
import type { ReplyPreview } from '../domain/channel.js';

export interface PreviewActions {
  /** Posts the first text; returns the message's platform id. */
  post(text: string): Promise<string>;
  edit(platformId: string, text: string): Promise<void>;
  /** Least time between two edits (ms). */
  intervalMs: number;
  /** The platform's message length: a longer preview shows its start and an ellipsis. */
  maxLength: number;
  onError(error: unknown): void;
  now?: () => number;
}

export class ThrottledPreview implements ReplyPreview {
  private latest = '';
  private shown = '';
  private id: string | undefined;
  private lastAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private ended = false;
  private readonly now: () => number;

  constructor(private readonly actions: PreviewActions) {
    this.now = actions.now ?? Date.now;
  }

  get platformId(): string | undefined {
    return this.id;
  }

  update(text: string): void {
    if (this.ended) return;
    this.latest = clip(text, this.actions.maxLength);
    this.schedule();
  }

  async end(): Promise<string | undefined> {
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
    return this.id;
  }

  private schedule(): void {
    if (this.timer || this.inFlight || this.ended || !this.latest.trim() || this.latest === this.shown)
      return;
    const wait = Math.max(0, this.lastAt + this.actions.intervalMs - this.now());
    // Nothing to wait for (the first words, or an edit after a quiet spell): go now, so a
    // reply that follows its deltas in the same tick still edits a posted preview.
    if (wait === 0) return this.start();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.start();
    }, wait);
  }

  private start(): void {
    this.inFlight = this.push().finally(() => {
      this.inFlight = undefined;
      this.schedule();
    });
  }

  private async push(): Promise<void> {
    const text = this.latest;
    this.lastAt = this.now();
    try {
      if (this.id === undefined) this.id = await this.actions.post(text);
      else await this.actions.edit(this.id, text);
      this.shown = text;
    } catch (error) {
      this.ended = true;
      this.actions.onError(error);
    }
  }
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
