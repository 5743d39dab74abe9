/**
 * Routing decisions, as pure functions: which agents a message concerns and whether it
 * triggers them. Untriggered messages are still stored; they reach the agent as catch-up
 * with its next triggered message.
 */
import type { AgentConfig, Route } from '../config/normalise.js';

export interface RoutableMessage {
  chat: string;
  text: string;
  fromBot?: boolean;
  mentionsBot?: boolean;
  replyToBot?: boolean;
}

export interface RouteTarget {
  agent: AgentConfig;
  route: Route;
  triggered: boolean;
}

/** `@Name` at the very start, case-insensitive, followed by a word boundary. */
export function startsWithTrigger(text: string, trigger: string): boolean {
  const t = trigger.trim();
  if (!t) return false;
  const head = text.trimStart().slice(0, t.length);
  if (head.toLowerCase() !== t.toLowerCase()) return false;
  const next = text.trimStart().charAt(t.length);
  return next === '' || !/[\p{L}\p{N}_]/u.test(next);
}

export function isTriggered(message: RoutableMessage, agent: AgentConfig, route: Route): boolean {
  if (message.fromBot) return false;
  if (!route.requiresTrigger) return true;
  if (message.mentionsBot || message.replyToBot) return true;
  return startsWithTrigger(message.text, agent.trigger);
}

export interface RoutingTable {
  agents: AgentConfig[];
  routes: Route[];
}

/**
 * Every agent routed to a chat, in the order of the routes, each once: the one routing
 * function (the intake, the attachment inboxes and recovery all ask it).
 */
export function routesOfChat(table: RoutingTable, chat: string): { agent: AgentConfig; route: Route }[] {
  const found: { agent: AgentConfig; route: Route }[] = [];
  for (const route of table.routes) {
    if (route.chat !== chat) continue;
    const agent = table.agents.find((a) => a.id === route.agent);
    if (!agent || found.some((t) => t.agent.id === agent.id)) continue;
    found.push({ agent, route });
  }
  return found;
}

/** Every agent routed to the message's chat, each with whether this message triggers it. */
export function routeMessage(message: RoutableMessage, table: RoutingTable): RouteTarget[] {
  return routesOfChat(table, message.chat).map(({ agent, route }) => ({
    agent,
    route,
    triggered: isTriggered(message, agent, route),
  }));
}

export function routeFor(table: RoutingTable, agentId: string, chat: string): Route | undefined {
  return table.routes.find((r) => r.chat === chat && r.agent === agentId);
}
