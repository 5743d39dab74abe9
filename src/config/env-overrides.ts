/**
 * OMNICLAW_<SECTION>_<KEY> environment variables override config keys, for service
 * managers and containers: OMNICLAW_HTTP_PORT=7080 sets http.port. Nested keys join with
 * "_" and camelCase becomes UPPER_SNAKE (queue.retry.maxAttempts → OMNICLAW_QUEUE_RETRY_MAX_ATTEMPTS).
 * Lists (agents, routes) are not addressable this way.
 */
import { configSchema } from './schema.js';
import type { z } from 'zod';

const RESERVED = new Set(['OMNICLAW_HOME', 'OMNICLAW_LOG_LEVEL']);

const toSnake = (key: string): string => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** Every addressable leaf path of the schema, with its env var name. */
interface Leaf {
  path: string[];
  envName: string;
  type: string | undefined;
}

function leafPaths(schema: z.ZodType, prefix: string[] = []): Leaf[] {
  const shape = objectShape(schema);
  if (!shape) {
    const envName = 'OMNICLAW_' + prefix.map(toSnake).join('_');
    return prefix.length ? [{ path: prefix, envName, type: defType(schema) }] : [];
  }
  const out: Leaf[] = [];
  for (const [key, child] of Object.entries(shape)) {
    if (isArray(child) || isRecord(child)) continue;
    out.push(...leafPaths(child as z.ZodType, [...prefix, key]));
  }
  return out;
}

/** Unwraps default/optional/pipe wrappers to find an object's shape. */
function objectShape(schema: z.ZodType): Record<string, unknown> | undefined {
  let s: unknown = schema;
  for (let i = 0; i < 8 && s; i++) {
    const def = (
      s as { _zod?: { def?: { type?: string; innerType?: unknown; shape?: unknown; in?: unknown } } }
    )._zod?.def;
    if (!def) return undefined;
    if (def.type === 'object') return def.shape as Record<string, unknown>;
    s = def.innerType ?? def.in;
  }
  return undefined;
}

const defType = (schema: unknown): string | undefined => {
  let s: unknown = schema;
  for (let i = 0; i < 8 && s; i++) {
    const def = (s as { _zod?: { def?: { type?: string; innerType?: unknown } } })._zod?.def;
    if (!def) return undefined;
    if (def.type !== 'default' && def.type !== 'optional' && def.type !== 'prefault') return def.type;
    s = def.innerType;
  }
  return undefined;
};
const isArray = (schema: unknown): boolean => defType(schema) === 'array';
const isRecord = (schema: unknown): boolean => defType(schema) === 'record';

let cachedLeaves: Leaf[] | undefined;

export function configEnvNames(): Leaf[] {
  cachedLeaves ??= leafPaths(configSchema);
  return cachedLeaves;
}

export function applyEnvOverrides(
  raw: Record<string, unknown>,
  env: Record<string, string | undefined>,
): Record<string, unknown> {
  const result = structuredClone(raw);
  for (const { path, envName, type } of configEnvNames()) {
    if (RESERVED.has(envName)) continue;
    const value = env[envName];
    if (value === undefined || value === '') continue;
    let target = result;
    for (const key of path.slice(0, -1)) {
      const next = target[key];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    target[path[path.length - 1]!] = coerce(value, type);
  }
  return result;
}

/** "7080" → 7080 for a number key, "true" → true for a boolean key; else the string (zod reports misfits). */
function coerce(value: string, type: string | undefined): unknown {
  if (type === 'number' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}
