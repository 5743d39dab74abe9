/**
 * A RuntimeSink for tests: records every event in order, answers agent tool calls with a
 * handler the test provides, and lets a test wait for an event with a deadline.
 */
import type { Usage } from '../../../src/protocol/runner-protocol.js';
import type { RuntimeSink, ToolOutcome } from '../../src/runtime.js';

export type SinkEvent =
  | { type: 'progress'; turnId: string; kind: 'text' | 'tool'; text: string }
  | { type: 'reply'; turnId: string; text: string }
  | { type: 'session'; sessionId: string }
  | { type: 'done'; turnId: string; usage?: Usage }
  | { type: 'error'; message: string; fatal: boolean; turnId?: string; sessionInvalid?: boolean }
  | { type: 'tool_call'; name: string; args: unknown; turnId?: string };

export class RecordingSink implements RuntimeSink {
  readonly events: SinkEvent[] = [];
  private waiters: { predicate: (e: SinkEvent) => boolean; resolve: (e: SinkEvent) => void }[] = [];

  constructor(
    public onTool: (name: string, args: unknown) => ToolOutcome | Promise<ToolOutcome> = () => ({
      ok: true,
      content: 'ok',
    }),
  ) {}

  progress(turnId: string, kind: 'text' | 'tool', text: string): void {
    this.record({ type: 'progress', turnId, kind, text });
  }
  reply(turnId: string, text: string): void {
    this.record({ type: 'reply', turnId, text });
  }
  session(sessionId: string): void {
    this.record({ type: 'session', sessionId });
  }
  done(turnId: string, usage?: Usage): void {
    this.record({ type: 'done', turnId, ...(usage ? { usage } : {}) });
  }
  error(message: string, options: { fatal: boolean; turnId?: string; sessionInvalid?: boolean }): void {
    this.record({ type: 'error', message, ...options });
  }
  async callTool(name: string, args: unknown, turnId?: string): Promise<ToolOutcome> {
    this.record({ type: 'tool_call', name, args, ...(turnId ? { turnId } : {}) });
    return this.onTool(name, args);
  }
  log(): void {}

  /** Resolves with the first recorded (or future) event matching; rejects after timeoutMs. */
  waitFor(predicate: (e: SinkEvent) => boolean, timeoutMs = 20_000, what = 'event'): Promise<SinkEvent> {
    const seen = this.events.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; events: ${JSON.stringify(this.events)}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push({
        predicate,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  }

  waitForDone(turnId: string, timeoutMs?: number): Promise<SinkEvent> {
    return this.waitFor((e) => e.type === 'done' && e.turnId === turnId, timeoutMs, `done of ${turnId}`);
  }

  of<T extends SinkEvent['type']>(type: T): Extract<SinkEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<SinkEvent, { type: T }> => e.type === type);
  }

  private record(event: SinkEvent): void {
    this.events.push(event);
    for (const waiter of [...this.waiters]) {
      if (waiter.predicate(event)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    }
  }
}
