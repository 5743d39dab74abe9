/**
 * Who may act on which chat. Pure decisions from the run's identity (its agent and the chat
 * it answers) and the configured routes — never from anything the agent wrote.
 */
import type { AgentConfig, Route } from '../config/normalise.js';

export type Access = { allowed: true } | { allowed: false; reason: string };

type Agent = Pick<AgentConfig, 'id' | 'main'>;
type RouteRef = Pick<Route, 'chat' | 'agent'>;

const MAX_LISTED = 20;

const listChats = (chats: string[]): string => {
  if (chats.length === 0) return '(none)';
  const shown = chats.slice(0, MAX_LISTED).join(', ');
  return chats.length > MAX_LISTED ? `${shown}, … (${chats.length} in all)` : shown;
};

/** Chats routed to this agent, in config order, without duplicates. */
export function chatsOfAgent(agentId: string, routes: readonly RouteRef[]): string[] {
  return [...new Set(routes.filter((r) => r.agent === agentId).map((r) => r.chat))];
}

/**
 * May this run send to (or react in) `chat`?
 * - the chat the run answers: always (the host started the run for it);
 * - the main agent: any chat that has a route;
 * - any other agent: only chats routed to itself. The reason never says whether another
 *   agent's chat exists, so a non-main agent cannot probe the configuration.
 */
export function chatAccess(agent: Agent, chat: string, runChat: string, routes: readonly RouteRef[]): Access {
  if (chat === runChat) return { allowed: true };
  if (agent.main) {
    if (routes.some((r) => r.chat === chat)) return { allowed: true };
    const known = [...new Set(routes.map((r) => r.chat))];
    return {
      allowed: false,
      reason: `no route for chat "${chat}" in omniclaw.yaml, so there is nowhere to send it; chats with a route: ${listChats(known)}`,
    };
  }
  if (routes.some((r) => r.chat === chat && r.agent === agent.id)) return { allowed: true };
  return {
    allowed: false,
    reason:
      `not allowed: agent "${agent.id}" may only use its own chats (${listChats(chatsOfAgent(agent.id, routes))}); ` +
      'ask the main agent (delegate_task) to reach other chats',
  };
}

export interface MessagePair {
  from: string;
  to: string;
}

/**
 * May a non-main agent send into `chat` because config pairs it with the chat's agent
 * (multiAgent.messages)? Only for send_message; the answer names the agent it reaches.
 */
export function pairedChat(
  agent: Agent,
  chat: string,
  routes: readonly RouteRef[],
  pairs: readonly MessagePair[],
): string | undefined {
  return routes.find((r) => r.chat === chat && pairs.some((p) => p.from === agent.id && p.to === r.agent))
    ?.agent;
}
