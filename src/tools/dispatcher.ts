/**
 * Runs an agent's tool call on the host: find the handler, validate the arguments, run it
 * with a time limit, and turn every outcome into a result the agent can read. Nothing a
 * handler does — throw, hang, return junk — can crash the host; unexpected failures are
 * logged with the run and agent and reported to the agent as "internal error in <tool>".
 */
import { z } from 'zod';
import type { AgentConfig } from '../config/normalise.js';
import type { Logger } from '../observability/logger.js';
import type { ToolDefinition } from '../protocol/runner-protocol.js';
import { builtInTools } from './builtin-tools.js';
import type { ToolServices } from './services.js';
import { ToolError, type ToolContext, type ToolDispatcher, type ToolHandler } from './types.js';

/** Largest result handed back to the agent; the protocol line limit is 1 MiB. */
export const MAX_RESULT_CHARS = 64 * 1024;
export const DEFAULT_TOOL_TIMEOUT_MS = 60_000;
const MAX_ERROR_CHARS = 2_000;
const MAX_SHOWN_ISSUES = 5;

export interface ToolDispatcherOptions {
  services: ToolServices;
  logger: Logger;
  /** Plugin tools (see plugins.ts); their names must not collide with built-in ones. */
  plugins?: ToolHandler[];
  /** Handlers that replace built-in ones by name (later issues: scheduler, multi-agent). */
  replacements?: ToolHandler[];
  /** How long one call may take before the agent gets a time-out error. */
  timeoutMs?: number;
}

export type ToolResult = { ok: boolean; content: string };

class ToolTimeout extends Error {}

const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max)}…` : text);
const quote = (text: string): string => JSON.stringify(clip(text, 60));

/** Says which argument is wrong and why, in terms an agent can act on. */
export function describeArgumentIssues(tool: string, schema: z.ZodType, issues: z.core.$ZodIssue[]): string {
  const allowed = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
  const lines = issues.slice(0, MAX_SHOWN_ISSUES).map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const more =
        issue.keys.length > MAX_SHOWN_ISSUES ? ` and ${issue.keys.length - MAX_SHOWN_ISSUES} more` : '';
      const keys = issue.keys.slice(0, MAX_SHOWN_ISSUES).map(quote).join(', ') + more;
      return `unknown argument ${keys} (${allowed.length ? `allowed: ${allowed.join(', ')}` : 'this tool takes no arguments'})`;
    }
    const where = issue.path.length ? issue.path.map(String).join('.') : 'arguments';
    return `${clip(where, 80)}: ${issue.message}`;
  });
  if (issues.length > MAX_SHOWN_ISSUES) lines.push(`… and ${issues.length - MAX_SHOWN_ISSUES} more`);
  return clip(`invalid arguments for ${tool}: ${lines.join('; ')}`, MAX_ERROR_CHARS);
}

export class AgentToolDispatcher implements ToolDispatcher {
  private readonly handlers = new Map<string, ToolHandler>();
  private readonly logger: Logger;
  private readonly timeoutMs: number;

  constructor(options: ToolDispatcherOptions) {
    this.logger = options.logger;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
    for (const handler of builtInTools(options.services, options.replacements)) {
      this.handlers.set(handler.definition.name, handler);
    }
    for (const plugin of options.plugins ?? []) {
      const name = plugin.definition.name;
      if (this.handlers.has(name)) {
        throw new Error(
          `plugin tool "${name}" collides with a tool of the same name; rename the plugin tool`,
        );
      }
      this.handlers.set(name, plugin);
    }
  }

  /** Every agent gets the same tool set; what each may do is decided per call. */
  definitions(_agent: AgentConfig): ToolDefinition[] {
    return [...this.handlers.values()].map((h) => h.definition);
  }

  toolNames(): string[] {
    return [...this.handlers.keys()];
  }

  async call(name: string, args: unknown, context: ToolContext): Promise<ToolResult> {
    const handler = typeof name === 'string' ? this.handlers.get(name) : undefined;
    if (!handler) {
      return {
        ok: false,
        content: `unknown tool ${quote(String(name))}; the tools are: ${this.toolNames().join(', ')}`,
      };
    }
    // Engines send no arguments at all for a tool that takes none.
    const parsed = handler.args.safeParse(args ?? {});
    if (!parsed.success) {
      return { ok: false, content: describeArgumentIssues(name, handler.args, parsed.error.issues) };
    }
    const started = performance.now();
    const result = await this.runBounded(name, handler, parsed.data, context);
    const fields = {
      run: context.runId,
      agent: context.agent.id,
      chat: context.chat,
      tool: name,
      ok: result.ok,
      ms: Math.round(performance.now() - started),
    };
    // A refused call (not allowed, not found, invalid) is worth the operator's eye: an agent
    // probing what it may not do shows up in the log at info level, with the reason it got.
    if (result.ok) this.logger.debug(fields, 'agent tool call');
    else this.logger.info({ ...fields, error: clip(result.content, 300) }, 'agent tool call refused');
    return result;
  }

  private async runBounded(
    name: string,
    handler: ToolHandler,
    args: unknown,
    context: ToolContext,
  ): Promise<ToolResult> {
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new ToolTimeout());
      }, this.timeoutMs);
    });
    try {
      const output: unknown = await Promise.race([
        handler.run(args, { ...context, signal: abort.signal }),
        timeout,
      ]);
      const content = typeof output === 'string' ? output : (JSON.stringify(output) ?? '');
      return {
        ok: true,
        content:
          content.length > MAX_RESULT_CHARS
            ? `${content.slice(0, MAX_RESULT_CHARS)}\n[result cut at ${MAX_RESULT_CHARS} characters]`
            : content,
      };
    } catch (error) {
      return this.failure(name, error, context);
    } finally {
      clearTimeout(timer);
    }
  }

  private failure(name: string, error: unknown, context: ToolContext): ToolResult {
    if (error instanceof ToolError) return { ok: false, content: clip(error.message, MAX_ERROR_CHARS) };
    if (error instanceof ToolTimeout) {
      this.logger.warn(
        { run: context.runId, agent: context.agent.id, tool: name, timeoutMs: this.timeoutMs },
        'agent tool call timed out',
      );
      return {
        ok: false,
        content: `${name} did not finish within ${Math.round(this.timeoutMs / 1000)} s; it may still complete, so check before trying again`,
      };
    }
    this.logger.error(
      { run: context.runId, agent: context.agent.id, tool: name, err: error },
      'agent tool failed unexpectedly',
    );
    return {
      ok: false,
      content: `internal error in ${name}; the operator can find it in the OmniClaw log (run ${context.runId})`,
    };
  }
}
