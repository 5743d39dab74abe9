/**
 * A streamed reply on a platform that edits messages: the first text is posted at once, then
 * the message is edited at most once per `intervalMs` (the platform's edit rate limit), each
 * time with the latest text — updates in between are coalesced, never queued. One post or
 * edit is on the wire at a time, and `end()` waits for it, so the final edit (the outbox's)
 * can never be overtaken by a stale preview. A failed post or edit is logged and streaming
 * stops; the final reply still goes out through the outbox. The pacing is Paced's.
 */
import type { ReplyPreview } from '../domain/channel.js';
import { Paced } from './work-feedback.js';

export interface PreviewActions {
  /** Posts the first text; returns the message's platform id. */
  post(text: string): Promise<string>;
  edit(platformId: string, text: string): Promise<void>;
  /** Least time between two edits (ms). */
  intervalMs: number;
  /** The platform's message length: a longer preview shows its start and an ellipsis. */
  maxLength: number;
  onError(error: unknown): void;
}

export class ThrottledPreview implements ReplyPreview {
  /** The newest text handed to the pacer: shown, or waiting to be. */
  private latest = '';
  private id: string | undefined;
  private readonly paced: Paced<string>;

  constructor(private readonly actions: PreviewActions) {
    // Eager: the first words (or an edit after a quiet spell) go out at once, so a reply that
    // follows its deltas in the same tick still edits a posted preview.
    this.paced = new Paced({ intervalMs: actions.intervalMs, eager: true, send: (text) => this.show(text) });
  }

  get platformId(): string | undefined {
    return this.id;
  }

  update(text: string): void {
    const clipped = clip(text, this.actions.maxLength);
    // Nothing to show yet, or nothing new (past maxLength, every update clips to the same text).
    if (!clipped.trim() || clipped === this.latest) return;
    this.latest = clipped;
    this.paced.update(() => clipped);
  }

  async end(): Promise<string | undefined> {
    // What still waits is dropped: the final text goes out through the outbox.
    await this.paced.end('drop');
    return this.id;
  }

  private async show(text: string): Promise<void> {
    try {
      if (this.id === undefined) this.id = await this.actions.post(text);
      else await this.actions.edit(this.id, text);
    } catch (error) {
      void this.paced.end('drop');
      this.actions.onError(error);
    }
  }
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
