/** Bounded exponential backoff as a table. */
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/core/backoff.js';

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
    expect(backoffDelay(attempt, base, max)).toBe(expected);
  });

  it('never decreases and never exceeds the bound over many attempts', () => {
    let previous = 0;
    for (let attempt = 1; attempt <= 200; attempt++) {
      const delay = backoffDelay(attempt, 250, 30_000);
      expect(delay).toBeGreaterThanOrEqual(previous);
      expect(delay).toBeLessThanOrEqual(30_000);
      expect(Number.isFinite(delay)).toBe(true);
      previous = delay;
    }
    expect(previous).toBe(30_000);
  });
});
