/**
 * Turns of a runtime that answers one message at a time (openai, codex): follow-ups that
 * arrive while a turn runs wait here and run in order once the runtime is ready.
 */
import type { RuntimeSink } from '../runtime.js';

export type TurnRunner = (turnId: string, text: string) => Promise<void>;

/**
 * A turn that threw something other than a model failure (those are reported per turn and
 * the runtime goes on): the state folder or the engine itself is broken, so the run ends.
 */
export function reportUnexpectedTurnFailure(
  sink: RuntimeSink,
  where: string,
  turnId: string,
  err: unknown,
): void {
  sink.error(`${where}, turn ${turnId}: unexpected failure: ${(err as Error).stack ?? String(err)}`, {
    fatal: true,
    turnId,
  });
}

export class TurnQueue {
  private readonly waiting: { turnId: string; text: string }[] = [];
  private runner: TurnRunner | undefined;
  private draining: Promise<void> | undefined;

  constructor(private readonly signal: AbortSignal) {}

  /** The runtime is ready: run the first turn ahead of any follow-up queued meanwhile. */
  start(runner: TurnRunner, first: { turnId: string; text: string }): void {
    this.runner = runner;
    this.waiting.unshift(first);
    this.drain();
  }

  push(turnId: string, text: string): void {
    this.waiting.push({ turnId, text });
    this.drain();
  }

  /** Resolves when the turn in progress (if any) has finished. */
  async settled(): Promise<void> {
    await this.draining;
  }

  private drain(): void {
    if (this.draining || !this.runner) return;
    const run = this.runner;
    this.draining = (async () => {
      while (this.waiting.length && !this.signal.aborted) {
        const next = this.waiting.shift()!;
        await run(next.turnId, next.text);
      }
    })().finally(() => {
      this.draining = undefined;
      if (this.waiting.length && !this.signal.aborted) this.drain();
    });
  }
}
