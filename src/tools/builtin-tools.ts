/** The table of built-in agent tools: one handler for each name in src/protocol/agent-tools.ts. */
import { agentToolNames } from '../protocol/agent-tools.js';
import { agentDirectoryTool } from './agent-directory.js';
import { messagingTools } from './messaging-tools.js';
import type { ToolServices } from './services.js';
import type { ToolHandler } from './types.js';
import { hostProvidedPlaceholders } from './host-provided-tools.js';

/**
 * Every built-in tool. `replacements` swap a handler by name (the scheduler and
 * multi-agent issues bring theirs this way), and only built-in names may be replaced.
 */
export function builtInTools(services: ToolServices, replacements: ToolHandler[] = []): ToolHandler[] {
  const table = new Map<string, ToolHandler>();
  for (const handler of [
    ...messagingTools(services),
    agentDirectoryTool(services),
    ...hostProvidedPlaceholders(),
  ]) {
    table.set(handler.definition.name, handler);
  }
  for (const handler of replacements) {
    if (!table.has(handler.definition.name)) {
      throw new Error(`"${handler.definition.name}" is not a built-in tool, so it cannot replace one`);
    }
    table.set(handler.definition.name, handler);
  }
  const missing = agentToolNames.filter((name) => !table.has(name));
  if (missing.length) throw new Error(`built-in tools without a handler: ${missing.join(', ')}`);
  return [...table.values()];
}
