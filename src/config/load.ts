/**
 * Loads omniclaw.yaml: YAML → ${VAR} substitution → OMNICLAW_* environment overrides →
 * zod validation → normalisation. Every error names file:line:col and the key, and says
 * what was expected.
 */
import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { configSchema, type ParsedConfig } from './schema.js';
import { normaliseConfig, type Config } from './normalise.js';
import { applyEnvOverrides, configEnvNames } from './env-overrides.js';
import { assertAgentMcpServerNames } from './mcp-server-names.js';
import { MARKED_REFERENCE, VAR_OPEN, markVariables } from './var-markers.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  /** Process environment plus the instance .env (process env wins). */
  env: Record<string, string | undefined>;
  /** Chat id prefixes routes may use (default the built-in channels'; tests add their own). */
  chatPrefixes?: readonly string[];
}

export function loadConfigFile(file: string, options: LoadOptions): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read config: ${(err as Error).message}`);
  }
  return parseConfigText(text, file, options);
}

export function parseConfigText(text: string, file: string, options: LoadOptions): Config {
  const lineCounter = new LineCounter();
  const marked = markVariables(text);
  const doc = parseDocument(marked, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const where = (offset: number | undefined): string => {
    if (offset === undefined) return file;
    const pos = lineCounter.linePos(offset);
    return `${file}:${pos.line}:${pos.col}`;
  };
  const firstError = doc.errors[0];
  if (firstError) {
    throw new ConfigError(`${where(firstError.pos[0])}: invalid YAML: ${firstError.message.split('\n')[0]}`);
  }
  substituteVariables(doc, options.env, where);
  const raw: unknown = doc.toJS() ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(
      `${file}:1:1: the config must be a mapping of sections (instance, http, agents, …)`,
    );
  }
  const withEnv = applyEnvOverrides(raw as Record<string, unknown>, options.env);
  const parsed = configSchema.safeParse(withEnv);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const fromEnv = envSource(issue.path, options.env);
    throw new ConfigError(
      fromEnv ? `${fromEnv}: ${describeIssue(issue, doc, () => '')}` : describeIssue(issue, doc, where),
    );
  }
  try {
    const config = normaliseConfig(parsed.data as ParsedConfig, options.chatPrefixes);
    assertAgentMcpServerNames(config.agents);
    return config;
  } catch (err) {
    const message = (err as Error).message.replace(/^omniclaw\.yaml: /, '');
    throw new ConfigError(`${where(nodeNamedBy(doc, message)?.range?.[0])}: ${message}`);
  }
}

/** The OMNICLAW_* variable that supplied the value at `path`, if one did (the file is not to blame then). */
function envSource(path: PropertyKey[], env: Record<string, string | undefined>): string | undefined {
  const dotted = path.map(String).join('.');
  const leaf = configEnvNames().find((l) => l.path.join('.') === dotted);
  const value = leaf ? env[leaf.envName] : undefined;
  return leaf && value !== undefined && value !== '' ? `${leaf.envName}=${JSON.stringify(value)}` : undefined;
}

/**
 * Normalisation errors start with the key they concern — `routes[0].agent: …` or
 * `agents."main".mcpServers."x": …` — so the message can point at it in the file.
 */
function nodeNamedBy(doc: Document, message: string): Node | undefined {
  const indexed = /^([A-Za-z]+(?:\[\d+\]|\.[A-Za-z]+)*):/.exec(message)?.[1];
  if (indexed) {
    const path = [...indexed.matchAll(/([A-Za-z]+)|\[(\d+)\]/g)].map((m) => m[1] ?? Number(m[2]));
    return nearestNode(doc, path);
  }
  const byId = /^agents\."([^"]+)"\.(\w+)\."([^"]+)":/.exec(message);
  if (!byId) return undefined;
  const agents = (doc.toJS() as { agents?: { id?: unknown }[] } | null)?.agents ?? [];
  const index = agents.findIndex((a) => a?.id === byId[1]);
  return index < 0 ? undefined : nearestNode(doc, ['agents', index, byId[2]!, byId[3]!]);
}

/** Replaces ${VAR} in every scalar string; a missing variable is an error at its position. */
function substituteVariables(
  doc: Document,
  env: Record<string, string | undefined>,
  where: (offset: number | undefined) => string,
): void {
  const visit = (node: unknown, path: string): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '?';
        visit(pair.value, path ? `${path}.${key}` : key);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => visit(item, `${path}[${i}]`));
    } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes(VAR_OPEN)) {
      node.value = node.value.replace(MARKED_REFERENCE, (_m, name: string) => {
        const value = env[name];
        if (value === undefined || value === '') {
          // `NAME=` in .env is set, to nothing: say so, or the person looks for a typo in vain.
          const problem =
            value === undefined
              ? 'is not set. Set it'
              : `is set but empty (a line "${name}=" with nothing after it). Give it a value`;
          throw new ConfigError(
            `${where(node.range?.[0])}: ${path} refers to \${${name}}, which ${problem} ` +
              `in the environment or in the instance .env file.`,
          );
        }
        return value;
      });
    }
  };
  visit(doc.contents, '');
}

function describeIssue(
  issue: z.core.$ZodIssue,
  doc: Document,
  where: (offset: number | undefined) => string,
): string {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  let keyPath = [...path];
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '?';
    keyPath = [...path, key];
    message = `unknown key "${key}"${suggestion(issue)}`;
  } else if (issue.code === 'invalid_type') {
    const detail = issue.message.replace(/^Invalid input: /, '');
    message = detail.startsWith('expected') ? detail : `expected ${issue.expected}, ${detail}`;
  }
  const node = nearestNode(doc, keyPath);
  const offset = node && 'range' in node ? node.range?.[0] : undefined;
  const dotted = keyPath
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  const place = where(offset);
  return `${place ? `${place}: ` : ''}${dotted || '(root)'}: ${message}`;
}

function suggestion(issue: { keys: string[] }): string {
  return issue.keys.length > 1 ? ` (and ${issue.keys.length - 1} more)` : '';
}

/** The YAML node at the deepest existing part of the path (for an unknown key: the key itself). */
function nearestNode(doc: Document, path: (string | number)[]): Node | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const sub = path.slice(0, depth);
    const parent = depth > 0 ? doc.getIn(sub.slice(0, -1), true) : undefined;
    if (depth > 0 && isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === sub[sub.length - 1]);
      if (pair && isScalar(pair.key)) return pair.key as Node;
    }
    const node = depth === 0 ? (doc.contents as Node | null) : (doc.getIn(sub, true) as Node | undefined);
    if (node && typeof node === 'object') return node;
  }
  return undefined;
}
