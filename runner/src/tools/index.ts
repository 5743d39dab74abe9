/**
 * The workspace tool set of the openai runtime's own tool loop: a table from name to tool,
 * the function definitions the model sees, and `runWorkspaceTool`, which turns every
 * outcome (bad JSON, invalid arguments, refused paths, crashes) into text for the model.
 */
import { z } from 'zod';
import { bashTool } from './bash.js';
import { editTool } from './edit.js';
import { globTool } from './glob.js';
import { grepTool } from './grep.js';
import { readTool } from './read.js';
import { ToolFailure } from './tool-failure.js';
import type { ToolContext, WorkspaceTool } from './workspace-tool.js';
import { writeTool } from './write.js';

export type { ToolContext, WorkspaceTool } from './workspace-tool.js';

export const workspaceTools: ReadonlyMap<string, WorkspaceTool> = new Map(
  [bashTool, readTool, writeTool, editTool, globTool, grepTool].map((tool) => [
    tool.name,
    tool as WorkspaceTool,
  ]),
);

export interface FunctionDefinition {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export function workspaceFunctionDefinitions(): FunctionDefinition[] {
  return [...workspaceTools.values()].map((tool) => ({
    name: tool.name,
    description: tool.description,
    parameters: z.toJSONSchema(tool.schema, { target: 'draft-7' }) as Record<string, unknown>,
  }));
}

export interface ToolRun {
  ok: boolean;
  /** What the model sees. */
  content: string;
  /** One line for progress messages. */
  summary: string;
}

/** Parses the model's JSON arguments and runs the tool; never throws for the model's mistakes. */
export async function runWorkspaceTool(
  tool: WorkspaceTool,
  rawArguments: string,
  context: ToolContext,
): Promise<ToolRun> {
  const parsed = parseArguments(rawArguments);
  if (!parsed.ok)
    return { ok: false, content: `Error: ${parsed.error}`, summary: `${tool.name}: invalid arguments` };
  const args = tool.schema.safeParse(parsed.value);
  if (!args.success) {
    const issues = args.error.issues
      .map((i) => `${i.path.join('.') || '(arguments)'}: ${i.message}`)
      .join('; ');
    return {
      ok: false,
      content: `Error: invalid arguments for ${tool.name}: ${issues}`,
      summary: `${tool.name}: invalid arguments`,
    };
  }
  const summary = tool.summary(args.data);
  try {
    return { ok: true, content: await tool.run(args.data, context), summary };
  } catch (err) {
    const message =
      err instanceof ToolFailure
        ? err.message
        : `${tool.name} failed unexpectedly: ${(err as Error).message}`;
    return { ok: false, content: `Error: ${message}`, summary };
  }
}

export function parseArguments(raw: string): { ok: true; value: unknown } | { ok: false; error: string } {
  // Some servers send "" for a call without arguments.
  if (raw.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch (err) {
    return {
      ok: false,
      error: `the arguments are not valid JSON (${(err as Error).message}); send a JSON object`,
    };
  }
}
