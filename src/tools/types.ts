/**
 * Host side of the agent tools. A runner's `tool_call` becomes a call to a handler here;
 * the handler's answer (or error) goes back as `tool_result`. Who may do what is decided
 * from `ToolContext` — the identity of the run the call came on — never from arguments.
 */
import type { z } from 'zod';
import type { AgentConfig } from '../config/normalise.js';
import type { ToolDefinition } from '../protocol/runner-protocol.js';

export interface ToolContext {
  runId: string;
  agent: AgentConfig;
  /** The chat this run answers (the default target of send_message). */
  chat: string;
  /** Platform id of the newest message of the turn (for replies and reactions). */
  triggerPlatformId?: string;
  /** Aborted when the dispatcher gives up on the call (its time limit); long handlers should stop then. */
  signal?: AbortSignal;
}

/** An error the agent should see verbatim (bad argument, not allowed, not found). */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}

export interface ToolHandler<S extends z.ZodType = z.ZodType> {
  definition: ToolDefinition;
  args: S;
  /** Returns the text the agent sees. Throw ToolError for an error the agent should see. */
  run(args: z.infer<S>, context: ToolContext): Promise<string>;
}

export interface ToolDispatcher {
  definitions(agent: AgentConfig): ToolDefinition[];
  call(name: string, args: unknown, context: ToolContext): Promise<{ ok: boolean; content: string }>;
}
