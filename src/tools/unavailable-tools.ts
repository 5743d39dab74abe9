/**
 * The scheduling and multi-agent tools, whose handlers arrive with their own issues. Their
 * arguments are already validated by the dispatcher (so a hostile topic or path is refused
 * today); the call then answers with a plain "not available yet" error, never a fake success.
 * The host replaces the seven scheduling tools with src/scheduler/tools.ts (by name, through
 * the dispatcher's `replacements`); a dispatcher built without them keeps these answers.
 */
import { defineAgentTool } from './define-tool.js';
import type { AgentToolName } from '../protocol/agent-tools.js';
import { ToolError, type ToolHandler } from './types.js';

export const notYetAvailableToolNames = [
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

export const notYetAvailableMessage = (tool: string): string =>
  `${tool} is not available yet in this OmniClaw version`;

export function unavailableTools(): ToolHandler[] {
  return notYetAvailableToolNames.map((name) =>
    defineAgentTool(name, async () => {
      throw new ToolError(notYetAvailableMessage(name));
    }),
  );
}
