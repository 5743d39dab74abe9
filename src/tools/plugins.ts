/**
 * Plugin tools, without editing the built-in set:
 * - an agent's own MCP servers (`mcpServers` in omniclaw.yaml) run inside its sandbox; the
 *   config/mcp-server-names.ts checks their names (the built-in server's name is reserved);
 * - files in $OMNICLAW_HOME/plugins/ (`*.js`, `*.mjs`) default-export one tool definition or
 *   an array of them, `{ name, description, args, run(args, context) }`, where `args` is a
 *   zod schema or a JSON Schema object. They run on the host, behind the same dispatcher as
 *   the built-in tools (validation, time limit, error handling).
 * A plugin file loads all-or-nothing: a bad file is reported with its path and skipped.
 * A plugin reports an error the agent should see by throwing an Error named "ToolError";
 * any other exception is logged and the agent sees "internal error in <tool>".
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { Logger } from '../observability/logger.js';
import { agentToolNames, jsonSchemaOf } from '../protocol/agent-tools.js';
import { errorText } from './define-tool.js';
import { ToolError, type ToolContext, type ToolHandler } from './types.js';

// ---------------------------------------------------------------- plugin directory

export const pluginDirectory = (home: string): string => join(home, 'plugins');

/** Room for the `mcp__omniclaw__` prefix inside the 64 characters engines allow a tool name. */
const PLUGIN_TOOL_NAME = /^[a-z][a-z0-9_]{0,47}$/;
const MAX_DESCRIPTION_CHARS = 2_000;
const NAME_RULE = 'name must be 1–48 of a-z, 0-9 and "_", starting with a letter';
const DESCRIPTION_RULE = `description must be a non-empty string of at most ${MAX_DESCRIPTION_CHARS} characters`;

export interface PluginProblem {
  path: string;
  error: string;
}

export interface LoadedPlugins {
  tools: ToolHandler[];
  problems: PluginProblem[];
}

export interface LoadPluginsOptions {
  dir: string;
  /** Names plugins may not take besides the built-in tools, which are always reserved. */
  reservedNames?: readonly string[];
  logger: Logger;
}

const isZodSchema = (value: unknown): value is z.ZodType =>
  typeof value === 'object' &&
  value !== null &&
  '_zod' in value &&
  typeof (value as z.ZodType).safeParse === 'function';

type PluginRun = (args: unknown, context: ToolContext) => unknown;

/** What a plugin file's tool definition must look like; each field's message says how to fix it. */
const pluginToolSchema = z.looseObject({
  name: z.string({ error: NAME_RULE }).regex(PLUGIN_TOOL_NAME, { error: NAME_RULE }),
  description: z
    .string({ error: DESCRIPTION_RULE })
    .max(MAX_DESCRIPTION_CHARS, { error: DESCRIPTION_RULE })
    .refine((text) => text.trim() !== '', { error: DESCRIPTION_RULE }),
  run: z.custom<PluginRun>((value) => typeof value === 'function', {
    error: 'run must be a function (args, context) => result',
  }),
  args: z.union([z.custom<z.ZodType>(isZodSchema), z.looseObject({ type: z.literal('object') })], {
    error: 'args must be a zod schema or a JSON Schema with type "object"',
  }),
});

function toHandler(raw: unknown, index: number): ToolHandler {
  const at = `tool ${index + 1}`;
  if (typeof raw !== 'object' || raw === null) throw new Error(`${at} is not an object`);
  const checked = pluginToolSchema.safeParse(raw);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    const given = (raw as { name?: unknown }).name;
    if (issue.path.length === 0) throw new Error(`${at} is not an object`);
    if (issue.path[0] === 'name') throw new Error(`${at}: ${issue.message} (got ${JSON.stringify(given)})`);
    throw new Error(`tool "${String(given)}": ${issue.message}`);
  }
  const def = checked.data;
  const { name, run } = def;

  let args: z.ZodType;
  let inputSchema: Record<string, unknown>;
  if (isZodSchema(def.args)) {
    args = def.args;
    inputSchema = jsonSchemaOf(args);
  } else {
    const { $schema: _ignored, ...json } = def.args;
    inputSchema = json;
    args = z.fromJSONSchema(json as Parameters<typeof z.fromJSONSchema>[0]);
  }
  if (inputSchema.type !== 'object') throw new Error(`tool "${name}": args must describe an object`);

  return {
    definition: { name, description: def.description, inputSchema },
    args,
    async run(parsed: unknown, context: ToolContext): Promise<string> {
      let output: unknown;
      try {
        output = await run.call(raw, parsed, context);
      } catch (error) {
        if (error instanceof Error && error.name === 'ToolError') throw new ToolError(error.message);
        throw error;
      }
      return typeof output === 'string' ? output : (JSON.stringify(output) ?? '');
    },
  };
}

async function loadFile(path: string): Promise<ToolHandler[]> {
  const info = await stat(path);
  if (!info.isFile()) throw new Error('not a regular file');
  const module = (await import(pathToFileURL(path).href)) as { default?: unknown };
  if (module.default === undefined) {
    throw new Error(
      'no default export; use `export default { name, description, args, run }` or an array of them',
    );
  }
  const raw = Array.isArray(module.default) ? module.default : [module.default];
  if (raw.length === 0) throw new Error('the default export is an empty array');
  return raw.map(toHandler);
}

/** Loads every plugin file in `dir` (a missing folder means no plugins). Never throws for a bad file. */
export async function loadPluginTools(options: LoadPluginsOptions): Promise<LoadedPlugins> {
  const { dir, logger } = options;
  const loaded: LoadedPlugins = { tools: [], problems: [] };
  const report = (path: string, error: string): void => {
    loaded.problems.push({ path, error });
    logger.warn({ path, error }, 'plugin skipped');
  };

  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.m?js$/.test(n) && !n.startsWith('.')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      report(dir, `cannot read the plugin folder: ${errorText(error)}`);
    return loaded;
  }

  const reserved = [...agentToolNames, ...(options.reservedNames ?? [])];
  const owners = new Map<string, string>(reserved.map((n) => [n, 'built-in']));
  for (const name of names) {
    const path = join(dir, name);
    let tools: ToolHandler[];
    try {
      tools = await loadFile(path);
    } catch (error) {
      report(path, errorText(error));
      continue;
    }
    const clash = tools
      .map((t) => t.definition.name)
      .find((toolName, i, all) => owners.has(toolName) || all.indexOf(toolName) !== i);
    if (clash !== undefined) {
      const owner = owners.get(clash);
      report(
        path,
        owner === 'built-in'
          ? `tool "${clash}" collides with the built-in tool of that name; rename it`
          : `tool "${clash}" is already defined by ${owner ?? 'this file'}; rename one of them`,
      );
      continue;
    }
    for (const tool of tools) owners.set(tool.definition.name, path);
    loaded.tools.push(...tools);
    logger.info({ path, tools: tools.map((t) => t.definition.name) }, 'plugin loaded');
  }
  return loaded;
}
