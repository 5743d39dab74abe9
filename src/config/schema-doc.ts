/**
 * The key-by-key reference in docs/configuration.md, generated from the zod schema so the
 * two cannot drift (test/config/schema-doc.test.ts fails when they do). Regenerate with
 * `npm run docs:config`.
 */
import { z } from 'zod';
import { configSchema } from './schema.js';

// Prettier leaves the block as generated, so `prettier --check` and this generator agree.
export const BEGIN =
  '<!-- BEGIN generated from src/config/schema.ts: npm run docs:config -->\n<!-- prettier-ignore-start -->';
export const END = '<!-- prettier-ignore-end -->\n<!-- END generated -->';

interface Json {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, Json>;
  required?: string[];
  items?: Json;
  anyOf?: Json[];
  oneOf?: Json[];
  additionalProperties?: boolean | Json;
}

/** Defaults that depend on the machine the docs are generated on. */
const MACHINE_DEFAULTS: Record<string, string> = { 'instance.timezone': "this machine's time zone" };

function typeOf(s: Json): string {
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(' ');
  if (s.const !== undefined) return `\`${String(s.const)}\``;
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return [...new Set(alternatives.map(typeOf))].join(' or ');
  const base = Array.isArray(s.type) ? s.type.join(' or ') : (s.type ?? 'any');
  if (base === 'array') return `list of ${s.items ? typeOf(s.items) : 'any'}`;
  if (base === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object')
    return `map of ${typeOf(s.additionalProperties)}`;
  // zod's int() bounds (±2^53-1) say nothing a reader needs.
  const min =
    s.minimum !== undefined && Math.abs(s.minimum) < Number.MAX_SAFE_INTEGER ? s.minimum : undefined;
  const max = s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER ? s.maximum : undefined;
  const range =
    min !== undefined && max !== undefined
      ? ` ${min}–${max}`
      : min !== undefined
        ? ` ≥ ${min}`
        : max !== undefined
          ? ` ≤ ${max}`
          : '';
  return `${base}${s.format ? ` (${s.format})` : ''}${range}`;
}

function rows(s: Json, path: string, required: boolean, out: string[]): void {
  const objectLike = s.properties && Object.keys(s.properties).length;
  if (path && !objectLike) {
    const def =
      MACHINE_DEFAULTS[path] ??
      (s.default === undefined ? (required ? 'required' : '—') : `\`${JSON.stringify(s.default)}\``);
    out.push(`| \`${path}\` | ${typeOf(s).replace(/\|/g, '\\|')} | ${def.replace(/\|/g, '\\|')} |`);
  }
  for (const [key, child] of Object.entries(s.properties ?? {})) {
    const childPath = path ? `${path}.${key}` : key;
    const isRequired = s.required?.includes(key) ?? false;
    if (child.type === 'array' && child.items?.properties)
      rows(child.items, `${childPath}[]`, isRequired, out);
    else rows(child, childPath, isRequired, out);
  }
}

export function configReference(): string {
  const json = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Json;
  const out = ['| key | type | default |', '|---|---|---|'];
  rows(json, '', false, out);
  return [BEGIN, '', ...out, '', END].join('\n');
}

/** docs text with the generated part replaced (or appended when the markers are missing). */
export function withReference(doc: string): string {
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < 0)
    return `${doc.trimEnd()}\n\n## Every key\n\nGenerated from the schema; the sections above explain them.\n\n${configReference()}\n`;
  return doc.slice(0, start) + configReference() + doc.slice(end + END.length);
}
