/**
 * OMNICLAW_<SECTION>_<KEY> environment variables override config keys, for service
 * managers and containers: OMNICLAW_HTTP_PORT=7080 sets http.port. Nested keys join with
 * "_" and camelCase becomes UPPER_SNAKE (queue.retry.maxAttempts → OMNICLAW_QUEUE_RETRY_MAX_ATTEMPTS).
 * Lists (agents, routes) are not addressable this way.
 */
import { configSchema } from './schema.js';
import { z } from 'zod';

const RESERVED = new Set(['OMNICLAW_HOME', 'OMNICLAW_LOG_LEVEL']);

const toSnake = (key: string): string => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** Every addressable leaf path of the schema, with its env var name. */
interface Leaf {
  path: string[];
  envName: string;
  /** The JSON Schema type of the value ("number" for integers too), if it has one. */
  type: string | undefined;
}

/** The part of a JSON Schema this walk reads. */
interface JsonSchemaNode {
  type?: unknown;
  properties?: Record<string, JsonSchemaNode>;
}

/**
 * Walks the config's JSON Schema (zod's public z.toJSONSchema; defaults and optionals are
 * already unwrapped there). An object with `properties` is a section; arrays and records
 * (objects without `properties`) are lists, not addressable.
 */
function leafPaths(node: JsonSchemaNode, prefix: string[] = []): Leaf[] {
  if (!node.properties) {
    const envName = 'OMNICLAW_' + prefix.map(toSnake).join('_');
    return prefix.length ? [{ path: prefix, envName, type: leafType(node) }] : [];
  }
  const out: Leaf[] = [];
  for (const [key, child] of Object.entries(node.properties)) {
    if (child.type === 'array' || (child.type === 'object' && !child.properties)) continue;
    out.push(...leafPaths(child, [...prefix, key]));
  }
  return out;
}

const leafType = (node: JsonSchemaNode): string | undefined =>
  node.type === 'integer' ? 'number' : typeof node.type === 'string' ? node.type : undefined;

let cachedLeaves: Leaf[] | undefined;

export function configEnvNames(): Leaf[] {
  // Input side: what the operator writes. Transforms have no JSON Schema; they become {}.
  cachedLeaves ??= leafPaths(
    z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode,
  );
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
