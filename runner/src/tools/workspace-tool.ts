/**
 * The shape every workspace tool (bash, read, write, edit, glob, grep) shares: a zod schema
 * for its arguments (the JSON schema the model sees is derived from it), a one-line summary
 * for progress messages, and `run`, which returns the text the model gets back.
 */
import type { z } from 'zod';
import type { WorkspaceRoots } from './paths.js';

export interface ToolContext {
  roots: WorkspaceRoots;
  /** Default wall-clock limit of a bash command. */
  bashTimeoutMs: number;
  /** Environment of bash commands (the runner's, plus the web proxy when the agent may browse). */
  env: NodeJS.ProcessEnv;
  /** Aborted when the runtime stops: long tools give up. */
  signal: AbortSignal;
}

export interface WorkspaceTool<Schema extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  schema: Schema;
  summary(args: z.infer<Schema>): string;
  run(args: z.infer<Schema>, context: ToolContext): Promise<string>;
}

/** Keeps the schema type when declaring a tool. */
export const defineTool = <Schema extends z.ZodType>(tool: WorkspaceTool<Schema>): WorkspaceTool<Schema> =>
  tool;
