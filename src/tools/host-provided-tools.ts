/**
 * The scheduling and multi-agent tools, whose handlers live above the tools layer (they need
 * the queue, the scheduler and the delegation book), so the host hands them to the dispatcher
 * as `replacements`, by name: src/scheduler/tools.ts, src/core/multi-agent.ts and
 * src/delegation/setup.ts. What is here stands in for them in a dispatcher built without the
 * host (a unit test, a tool runner of its own): the arguments are still validated, so a
 * hostile topic or path is refused, and the call answers with a plain error, never a fake
 * success. test/multi-agent/host-tools.host.test.ts proves the real host replaces every one.
 */
import { defineAgentTool } from './define-tool.js';
import type { AgentToolName } from '../protocol/agent-tools.js';
import { ToolError, type ToolHandler } from './types.js';

export const hostProvidedToolNames = [
  'schedule_task',
  'list_tasks',
  'pause_task',
  'resume_task',
  'cancel_task',
  'update_task',
  'configure_heartbeat',
  'register_group',
  'share_request',
  'delegate_task',
  'request_context',
  'read_context',
  'list_context_topics',
] as const satisfies readonly AgentToolName[];

export const notWiredMessage = (tool: string): string =>
  `${tool} is provided by the OmniClaw host, and this tool dispatcher was built without it`;

export function hostProvidedPlaceholders(): ToolHandler[] {
  return hostProvidedToolNames.map((name) =>
    defineAgentTool(name, async () => {
      throw new ToolError(notWiredMessage(name));
    }),
  );
}
