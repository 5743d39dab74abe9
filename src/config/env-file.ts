/** Reads $OMNICLAW_HOME/.env (KEY=value lines) without putting anything into process.env. */
import { readFileSync, writeFileSync, existsSync, chmodSync, statSync } from 'node:fs';
import { parseEnv } from 'node:util';

export function readEnvFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  return parseEnv(readFileSync(path, 'utf8')) as Record<string, string>;
}

/** A warning when other users can read the secrets file, with the command that fixes it. */
export function envFileExposure(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const mode = statSync(path).mode & 0o777;
  if (!(mode & 0o077)) return undefined;
  return `${path} holds your secrets and other users of this machine can read it (mode ${mode.toString(8)}). Run \`chmod 600 ${path}\`.`;
}

/** Sets (or replaces) keys in the .env file, keeping other lines; the file stays 0600. */
export function writeEnvKeys(path: string, values: Record<string, string | undefined>): void {
  const lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n') : [];
  const remaining = new Map(Object.entries(values));
  const out: string[] = [];
  for (const line of lines) {
    const key = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1];
    if (key && remaining.has(key)) {
      const value = remaining.get(key);
      remaining.delete(key);
      if (value !== undefined) out.push(`${key}=${quote(value)}`);
      continue;
    }
    out.push(line);
  }
  while (out.length && out[out.length - 1] === '') out.pop();
  for (const [key, value] of remaining) if (value !== undefined) out.push(`${key}=${quote(value)}`);
  writeFileSync(path, out.join('\n') + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
}

/**
 * Quotes a value so that node's parseEnv reads it back unchanged. Single quotes are literal
 * (no escapes), so they suit almost anything; parseEnv has no escape for a quote character,
 * so a value holding every kind of quote cannot be stored.
 */
const quote = (value: string): string => {
  if (/^[A-Za-z0-9_./:@+-]*$/.test(value)) return value;
  for (const q of ["'", '`', '"']) if (!value.includes(q)) return `${q}${value}${q}`;
  throw new Error('a value containing \', ` and " cannot be stored in the .env file');
};
