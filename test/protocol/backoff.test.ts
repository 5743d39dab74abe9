/** Bounded exponential backoff as a table, with and without jitter. */
import { describe, expect, it } from 'vitest';
import { backoffDelay, sleep } from '../../src/protocol/backoff.js';

describe('backoffDelay', () => {
  it.each([
    // attempt, base, max, expected
    [0, 1000, 60_000, 0],
    [-3, 1000, 60_000, 0],
    [1, 1000, 60_000, 1000],
    [2, 1000, 60_000, 2000],
    [3, 1000, 60_000, 4000],
    [6, 1000, 60_000, 32_000],
    [7, 1000, 60_000, 60_000],
    [8, 1000, 60_000, 60_000],
    [1, 0, 60_000, 0],
    [5, 0, 60_000, 0],
    [1, 5000, 1000, 1000],
    [1_000, 1000, 60_000, 60_000],
    [Number.MAX_SAFE_INTEGER, 2000, 60_000, 60_000],
  ])('attempt %i, base %i, max %i → %i ms', (attempt, base, max, expected) => {
    expect(backoffDelay(attempt, { baseMs: base, maxMs: max })).toBe(expected);
  });

  it('never decreases and never exceeds the bound over many attempts', () => {
    let previous = 0;
    for (let attempt = 1; attempt <= 200; attempt++) {
      const delay = backoffDelay(attempt, { baseMs: 250, maxMs: 30_000 });
      expect(delay).toBeGreaterThanOrEqual(previous);
      expect(delay).toBeLessThanOrEqual(30_000);
      expect(Number.isFinite(delay)).toBe(true);
      previous = delay;
    }
    expect(previous).toBe(30_000);
  });

  // WhatsApp's reconnect: ±20% jitter, growth from its options (attempt 1 is the first retry).
  const whatsapp = { baseMs: 1000, maxMs: 60_000, factor: 2, jitter: 0.2 };
  it.each([
    [1, 0.5, 1000],
    [2, 0.5, 2000],
    [4, 0.5, 8000],
    [21, 0.5, 60_000],
    [1, 0, 800],
    [1, 1, 1200],
  ])('jittered: attempt %i with random %d waits %i ms', (attempt, random, ms) =>
    expect(backoffDelay(attempt, whatsapp, () => random)).toBe(ms),
  );

  it('grows by the given factor', () => {
    expect(backoffDelay(3, { baseMs: 100, maxMs: 60_000, factor: 3 })).toBe(900);
  });
});

describe('sleep', () => {
  it('waits, and ends at once when the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const waiting = sleep(600_000, controller.signal);
    controller.abort();
    await waiting;
    expect(Date.now() - started).toBeLessThan(1_000);
    await sleep(5);
  });
});
