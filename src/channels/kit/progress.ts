/**
 * Intermediate output while an agent works, one stream per piece of work (keyed by chat and
 * trigger, as KitChannel.notify passes it), each delivered in batches at a bounded rate by a
 * ProgressThrottle. The platform says only how one stream delivers a batch: Telegram edits
 * one status message, Discord posts in a thread it opens on the trigger, Slack posts in the
 * trigger's thread. Closing a stream delivers what is left.
 */
import { ProgressThrottle } from '../work-feedback.js';

export interface ProgressStream {
  deliver(batch: string[]): Promise<void>;
  /** A batch that could not be delivered (logged by the platform; the next batch tries again). */
  onError(error: unknown): void;
}

export class ProgressStreams {
  private readonly streams = new Map<string, ProgressThrottle>();

  constructor(private readonly intervalMs: number) {}

  /** Adds progress to the work's stream, opening it with `open` on the first piece (none: dropped). */
  push(key: string, text: string, open: () => ProgressStream | undefined): void {
    let stream = this.streams.get(key);
    if (!stream) {
      const opened = open();
      if (!opened) return;
      stream = new ProgressThrottle(opened.deliver, this.intervalMs, opened.onError);
      this.streams.set(key, stream);
    }
    stream.push(text);
  }

  /** The work ended: what is left is delivered, and the stream forgotten. */
  async close(key: string): Promise<void> {
    const stream = this.streams.get(key);
    if (!stream) return;
    this.streams.delete(key);
    await stream.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.streams.keys()].map((key) => this.close(key)));
  }
}
