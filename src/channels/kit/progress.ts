/**
 * Intermediate output while an agent works, one stream per piece of work (keyed by chat and
 * trigger, as KitChannel.notify passes it), each delivered in batches at a bounded rate and
 * one batch at a time (Paced). The platform says only how one stream delivers a batch:
 * Telegram edits one status message, Discord posts in a thread it opens on the trigger, Slack
 * posts in the trigger's thread. A failed batch is reported and the next one tries again;
 * closing a stream delivers what is left.
 */
import { Paced } from '../work-feedback.js';

/** Delivers one batch of progress, in the order it arrived. */
export type ProgressStream = (batch: string[]) => Promise<void>;

export class ProgressStreams {
  private readonly streams = new Map<string, Paced<string[]>>();

  /** `onError`: a batch of work in `chat` could not be delivered. */
  constructor(
    private readonly intervalMs: number,
    private readonly onError: (chat: string, error: unknown) => void,
  ) {}

  /**
   * Adds progress to the work's stream (`key`: the chat and its trigger), opening it with
   * `open` on the first piece (none: dropped).
   */
  push(chat: string, key: string, text: string, open: () => ProgressStream | undefined): void {
    if (!text) return;
    let stream = this.streams.get(key);
    if (!stream) {
      const opened = open();
      if (!opened) return;
      stream = new Paced({
        intervalMs: this.intervalMs,
        send: (batch) => opened(batch).catch((error: unknown) => this.onError(chat, error)),
      });
      this.streams.set(key, stream);
    }
    stream.update((batch = []) => [...batch, text]);
  }

  /** The work ended: what is left is delivered, and the stream forgotten. */
  async close(key: string): Promise<void> {
    const stream = this.streams.get(key);
    if (!stream) return;
    this.streams.delete(key);
    await stream.end('send');
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.streams.keys()].map((key) => this.close(key)));
  }
}
