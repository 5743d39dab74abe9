/**
 * Tool calls in flight: each `tool_call` the runner sends waits here for the host's
 * `tool_result` with the same callId. Nothing is answered optimistically.
 */
import type { ToolOutcome } from './runtime.js';

export class PendingToolCalls {
  private readonly pending = new Map<string, { name: string; resolve: (outcome: ToolOutcome) => void }>();
  private counter = 0;
  private closedReason: string | undefined;

  /** Registers a call and returns its id and the promise of its outcome. */
  open(name: string): { callId: string; outcome: Promise<ToolOutcome> } {
    const callId = `call-${++this.counter}`;
    if (this.closedReason) {
      return { callId, outcome: Promise.resolve({ ok: false, content: this.closedReason }) };
    }
    const outcome = new Promise<ToolOutcome>((resolve) => this.pending.set(callId, { name, resolve }));
    return { callId, outcome };
  }

  /** Settles a call; false when no call has this id (stale or made up). */
  settle(callId: string, outcome: ToolOutcome): boolean {
    const call = this.pending.get(callId);
    if (!call) return false;
    this.pending.delete(callId);
    call.resolve(outcome);
    return true;
  }

  /** The run is ending: every waiting call fails with `reason`, and so does any later one. */
  closeAll(reason: string): void {
    this.closedReason = reason;
    for (const [callId, call] of this.pending) {
      this.pending.delete(callId);
      call.resolve({ ok: false, content: `${call.name}: ${reason}` });
    }
  }

  get size(): number {
    return this.pending.size;
  }
}
