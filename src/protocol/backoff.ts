/**
 * Waiting between retries, for the host and the runner alike: one formula (exponential,
 * bounded, optionally jittered so several instances do not retry in lockstep) and one
 * cancellable sleep. Small enough that a library would add more than it saves.
 */

export interface Backoff {
  /** The wait before the first retry. */
  baseMs: number;
  /** Never wait longer than this. */
  maxMs: number;
  /** Growth per attempt; 2 doubles. */
  factor?: number;
  /** Spread as a fraction: 0.2 waits between 80% and 120% of the delay. */
  jitter?: number;
}

/** Attempt 1 waits baseMs, each next one `factor` times longer, never above maxMs; attempt < 1 waits 0. */
export function backoffDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  if (attempt < 1) return 0;
  const { baseMs, maxMs, factor = 2, jitter = 0 } = backoff;
  // The exponent is capped so a huge attempt count stays finite (0 * Infinity would be NaN).
  const delay = Math.min(maxMs, baseMs * factor ** Math.min(attempt - 1, 30));
  if (jitter === 0) return delay;
  return Math.round(delay * (1 - jitter + 2 * jitter * random()));
}

/** Resolves after `ms`, or at once when the signal aborts (the caller checks which). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
