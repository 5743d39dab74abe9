/**
 * Shared by the channel tests: a sink that records what a channel delivers, and a logger
 * whose output can be searched (to prove tokens never reach the logs).
 */
import { Writable } from 'node:stream';
import { vi } from 'vitest';
import { createLogger, type Logger } from '../../src/observability/logger.js';
import type { ChannelSink, ChannelState, InboundMessage, InboundReaction } from '../../src/domain/channel.js';

export interface RecordingSink extends ChannelSink {
  messages: InboundMessage[];
  states: { state: ChannelState; detail?: string }[];
  reactions: InboundReaction[];
  waitForMessages(count: number, timeoutMs?: number): Promise<InboundMessage[]>;
  /** Waits for `state` to be reported at or after position `from` in `states`. */
  waitForState(state: ChannelState, from?: number, timeoutMs?: number): Promise<void>;
  waitForReactions(count: number, timeoutMs?: number): Promise<InboundReaction[]>;
}

/** Resolves with `list` once it holds `count` entries. */
async function atLeast<T>(list: T[], count: number, what: string, timeoutMs = 10_000): Promise<T[]> {
  await vi.waitFor(
    () => {
      if (list.length < count) throw new Error(`only ${list.length} of ${count} ${what} arrived`);
    },
    { timeout: timeoutMs, interval: 10 },
  );
  return list;
}

export function recordingSink(): RecordingSink {
  const sink: RecordingSink = {
    messages: [],
    states: [],
    reactions: [],
    reaction: (reaction) => void sink.reactions.push(reaction),
    inbound: (message) => {
      sink.messages.push(message);
      return { accepted: true };
    },
    state: (state, detail) => void sink.states.push({ state, detail }),
    waitForMessages: (count, timeoutMs) => atLeast(sink.messages, count, 'messages', timeoutMs),
    waitForReactions: (count, timeoutMs) => atLeast(sink.reactions, count, 'reactions', timeoutMs),
    async waitForState(state, from = 0, timeoutMs = 10_000) {
      await vi.waitFor(
        () => {
          if (!sink.states.slice(from).some((s) => s.state === state))
            throw new Error(`state ${state} not reported`);
        },
        { timeout: timeoutMs, interval: 10 },
      );
    },
  };
  return sink;
}

export function capturedLogger(): { logger: Logger; output: () => string } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger({ level: 'trace', destination });
  return { logger, output: () => lines.join('') };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
