/**
 * Builds a built-in tool handler from its entry in the shared tool table, so the name,
 * argument schema and description the runner advertises are the ones the host enforces.
 */
import {
  agentToolArgs,
  agentToolDefinitions,
  type AgentToolArgs,
  type AgentToolName,
} from '../protocol/agent-tools.js';
import type { ToolContext, ToolHandler } from './types.js';

export function defineAgentTool<N extends AgentToolName>(
  name: N,
  run: (args: AgentToolArgs<N>, context: ToolContext) => Promise<string>,
): ToolHandler<(typeof agentToolArgs)[N]> {
  const definition = agentToolDefinitions.find((d) => d.name === name);
  if (!definition) throw new Error(`no definition for the built-in tool "${name}"`);
  return { definition, args: agentToolArgs[name], run };
}

/** The text of an error from a collaborator, bounded so a huge platform error stays readable. */
export function errorText(error: unknown, max = 500): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
