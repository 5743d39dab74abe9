/** Error text for logs and for errors a person reads: no URLs (they can carry tokens), the code kept. */
export function describeError(error: unknown, depth = 0): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const text = [
    error.message.replace(/https?:\/\/\S+/g, '[url]'),
    typeof code === 'string' || typeof code === 'number' ? String(code) : undefined,
  ]
    .filter(Boolean)
    .join(' ');
  // Node's fetch says only "fetch failed", grammY's HttpError "Network request … failed!": the
  // reason (ECONNREFUSED, ENOTFOUND…) is the error underneath.
  const inner = (error as { cause?: unknown }).cause ?? (error as { error?: unknown }).error;
  return inner instanceof Error && depth < 3 ? `${text}: ${describeError(inner, depth + 1)}` : text;
}
