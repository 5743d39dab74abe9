/** Bounded exponential backoff: attempt 1 waits base, each next one doubles, never above max. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  if (attempt < 1) return 0;
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30));
}
