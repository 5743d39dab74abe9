/**
 * list_agents. What an agent may learn about the others:
 * - every agent sees each agent's id, name, whether it is main, and its runtime — enough to
 *   address share_request / delegate_task — plus the chats routed to itself;
 * - only the main agent also sees every agent's model and chats (it may send anywhere
 *   routed, so it needs the map). A non-main agent never learns other agents' chats: they
 *   are other people's conversations.
 */
import type { AgentConfig, Route } from '../config/normalise.js';
import { chatsOfAgent } from './authorise.js';
import { defineAgentTool } from './define-tool.js';
import type { ToolServices } from './services.js';
import type { ToolHandler } from './types.js';

export interface AgentDirectoryEntry {
  id: string;
  name: string;
  main: boolean;
  runtime: string;
  /** The caller itself. */
  self?: true;
  model?: string;
  chats?: string[];
}

export function agentDirectory(
  viewer: Pick<AgentConfig, 'id' | 'main'>,
  agents: readonly Pick<AgentConfig, 'id' | 'name' | 'main' | 'runtime' | 'model'>[],
  routes: readonly Pick<Route, 'chat' | 'agent'>[],
  includeSelf = true,
): AgentDirectoryEntry[] {
  return agents
    .filter((agent) => includeSelf || agent.id !== viewer.id)
    .map((agent) => {
      const self = agent.id === viewer.id;
      const entry: AgentDirectoryEntry = {
        id: agent.id,
        name: agent.name,
        main: agent.main,
        runtime: agent.runtime,
      };
      if (self) entry.self = true;
      if (viewer.main && agent.model) entry.model = agent.model;
      if (viewer.main || self) entry.chats = chatsOfAgent(agent.id, routes);
      return entry;
    });
}

export function agentDirectoryTool(services: ToolServices): ToolHandler {
  return defineAgentTool('list_agents', async (args, context) => {
    const entries = agentDirectory(
      context.agent,
      services.agents,
      services.routes,
      args.include_self ?? true,
    );
    return JSON.stringify({ agents: entries }, null, 2);
  });
}
