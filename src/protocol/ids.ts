/**
 * Every id that becomes part of a path or a key, validated in one place: agent ids (and the
 * folders named after them), shared server folders, context topics, task ids, chat and
 * message ids, MCP server names, and file names. The config schema, the agent tool schemas,
 * the path helpers and the multi-agent tools all use these rules, so a value that passes
 * one door passes (or fails) every other door the same way.
 *
 * The reference systems built paths from unchecked agent values (`read_context("../..")`)
 * and leaked files; here a value is either boring or refused. Each rule has a zod schema
 * (for config and tool arguments) and an `assert…` for host code that builds a path from a
 * value it did not parse itself (defence in depth: a bug upstream is stopped here).
 *
 * Lives in src/protocol/ because the tool schemas shared with the runner use it.
 */
import { z } from 'zod';

/** A rule: its pattern, what it is called, and the sentence an agent or operator reads when it fails. */
interface IdRule {
  what: string;
  pattern: RegExp;
  explain: string;
  /** Values the pattern accepts but that are reserved, with the reason. */
  reserved?: Record<string, string>;
}

const rule = (r: IdRule): IdRule => r;

export const idRules = {
  /** Agent ids become folder names (groups/<id>), container labels and database keys. */
  agent: rule({
    what: 'agent id',
    pattern: /^[a-z0-9][a-z0-9_-]{0,62}$/,
    explain: 'an agent id is 1–63 of a-z, 0-9, "-" and "_", starting with a letter or digit',
    reserved: {
      global: 'the id "global" is reserved for global memory',
      // groups/servers/ holds the shared server folders: an agent owning it could swap another
      // agent's server folder for a symlink before the host mounts it.
      servers: 'the id "servers" is reserved for the shared server folders',
    },
  }),
  /** A shared-folder name (a Discord server id, groups/servers/<id>). */
  server: rule({
    what: 'server id',
    pattern: /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
    explain: 'a server id is 1–64 of A-Z, a-z, 0-9, "-" and "_"',
  }),
  /** Context topics become files (context/<topic>.md). A leading letter or digit rules out "." and "..". */
  topic: rule({
    what: 'topic',
    pattern: /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}$/,
    explain: 'a topic is 1–128 of A-Z, a-z, 0-9, ".", "-" and "_", starting with a letter or digit',
  }),
  task: rule({
    what: 'task id',
    pattern: /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
    explain: 'a task id is 1–64 of A-Z, a-z, 0-9, "-" and "_"',
  }),
  /** Chat ids: local:…, tg:…, dc:…, slack:…, WhatsApp JIDs. Never a slash, never "..". */
  chat: rule({
    what: 'chat id',
    pattern: /^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9:@._+-]{0,199}$/,
    explain: 'a chat id is 1–200 of A-Z, a-z, 0-9 and ":@._+-", without ".."',
  }),
  /** Platform message ids (Telegram numbers, Discord snowflakes, Slack timestamps, WhatsApp hex). */
  message: rule({
    what: 'message id',
    pattern: /^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9:@._+=-]{0,199}$/,
    explain: 'a message id is 1–200 of A-Z, a-z, 0-9 and ":@._+=-", without ".."',
  }),
  /** Claude names a tool `mcp__<server>__<tool>`, so a server name may not contain "__". */
  mcpServer: rule({
    what: 'MCP server name',
    pattern: /^(?!.*__)[A-Za-z0-9_-]{1,64}$/,
    explain: 'a server name is 1–64 of A-Z, a-z, 0-9, "-" and "_", without "__"',
  }),
  /** One component of a path: a plain name, never "." or "..", never a slash. */
  fileName: rule({
    what: 'file name',
    pattern: /^(?!\.\.?$)[A-Za-z0-9_ .-]{1,128}$/,
    explain: 'a file name is 1–128 of A-Z, a-z, 0-9, " ", ".", "-" and "_", and not "." or ".."',
  }),
} as const satisfies Record<string, IdRule>;

export type IdKind = keyof typeof idRules;

/** Why `value` is not a valid id of this kind, or undefined when it is. */
export function idProblem(kind: IdKind, value: unknown): string | undefined {
  const r: IdRule = idRules[kind];
  if (typeof value !== 'string' || !r.pattern.test(value)) return r.explain;
  return r.reserved && Object.hasOwn(r.reserved, value) ? r.reserved[value] : undefined;
}

export const isValidId = (kind: IdKind, value: unknown): value is string =>
  idProblem(kind, value) === undefined;

/** Throws when `value` is not a valid id; for host code that builds a path or key from it. */
export function assertId(kind: IdKind, value: unknown, where?: string): string {
  const problem = idProblem(kind, value);
  if (problem !== undefined) {
    const shown = JSON.stringify(String(value).slice(0, 80));
    throw new Error(`${where ? `${where}: ` : ''}invalid ${idRules[kind].what} ${shown}: ${problem}`);
  }
  return value as string;
}

/** The zod schema of an id kind, with the rule's own messages. */
export function idSchema(kind: IdKind): z.ZodString {
  const r: IdRule = idRules[kind];
  let schema = z.string().regex(r.pattern, r.explain);
  for (const [value, reason] of Object.entries(r.reserved ?? {})) {
    schema = schema.refine((v) => v !== value, reason) as unknown as z.ZodString;
  }
  return schema;
}

/** Most parts a relative file path may have; deeper trees are not what agents share. */
const MAX_PATH_PARTS = 16;
const MAX_PATH_CHARS = 256;

/** Why `path` is not a plain path relative to a folder ("reports/q3.md"), or undefined. */
export function relativePathProblem(path: unknown): string | undefined {
  const explain =
    'a file is a path relative to your folder (e.g. "reports/q3.md"): no leading "/", no "." or ".." parts';
  if (typeof path !== 'string' || path.length === 0 || path.length > MAX_PATH_CHARS) return explain;
  const parts = path.split('/');
  if (parts.length > MAX_PATH_PARTS || !parts.every((part) => isValidId('fileName', part))) return explain;
  return undefined;
}

export function assertRelativePath(path: unknown, where?: string): string {
  const problem = relativePathProblem(path);
  if (problem !== undefined)
    throw new Error(
      `${where ? `${where}: ` : ''}invalid path ${JSON.stringify(String(path).slice(0, 80))}: ${problem}`,
    );
  return path as string;
}

export const relativePathSchema = z
  .string()
  .refine((p) => relativePathProblem(p) === undefined, relativePathProblem(''));
