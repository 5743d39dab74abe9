/**
 * `{ apiKey: ${KEY} }` is not valid YAML as written (the `{` opens a flow map), yet it is
 * how people write it. Before parsing, each ${NAME} becomes a same-length marker of
 * private-use characters, so every position stays exact; after parsing, markers are turned
 * back into ${NAME} (the config editor) or substituted (the loader) — never as YAML.
 */
const VAR_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
export const VAR_OPEN = '\uE000\uE001';
const VAR_CLOSE = '\uE002';
export const MARKED_REFERENCE = new RegExp(`${VAR_OPEN}([A-Za-z_][A-Za-z0-9_]*)${VAR_CLOSE}`, 'g');

export function markVariables(text: string): string {
  return text.replace(VAR_REFERENCE, (_m, name: string) => `${VAR_OPEN}${name}${VAR_CLOSE}`);
}

/** A parsed value with its markers written as ${NAME} again, recursively. */
export function unmarkVariables<T>(value: T): T {
  if (typeof value === 'string') return value.replace(MARKED_REFERENCE, '${$1}') as T;
  if (Array.isArray(value)) return value.map((v: unknown) => unmarkVariables(v)) as T;
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unmarkVariables(v)])) as T;
  return value;
}
