/** Error text for logs and for errors a person reads: no URLs (they can carry tokens), the code kept. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return [
    error.message.replace(/https?:\/\/\S+/g, '[url]'),
    typeof code === 'string' || typeof code === 'number' ? String(code) : undefined,
  ]
    .filter(Boolean)
    .join(' ');
}
