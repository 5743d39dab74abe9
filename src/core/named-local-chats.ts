/**
 * Named terminal conversations (`omniclaw chat -c work`): a terminal chat that no route in
 * omniclaw.yaml names still reaches an agent, as `local:default` and `local:<agent>` do.
 *
 * The chat id says which agent, so nothing has to be stored to route it again after a
 * restart: `local:<agent>--<name>` is a conversation with that agent, and any other
 * `local:<name>` is a conversation with the main agent. Agent ids may themselves hold
 * "--", so the longest agent id that the chat starts with wins. A route in the YAML (or a
 * registered chat) always wins over this rule.
 *
 * The route is added to the routing table the first time the chat is seen (a message, or
 * its stored history at start), so every reader of the table — tool authorisation, the
 * queue's recovery, the run's route — sees one and the same route.
 */
import type { AgentConfig } from '../config/normalise.js';
import { CHAT_PREFIXES } from '../domain/chat-id.js';
import type { RoutingTable } from './router.js';

/** What the terminal channel accepts (channels/local.ts): the only chats this rule covers. */
const LOCAL_CHAT = /^local:[A-Za-z0-9_-]{1,64}$/;
export const NAMED_CHAT_SEPARATOR = '--';

/**
 * The chat id of `omniclaw chat [-a agent] [-c name]`. A whole `local:…` id is taken as it
 * is (a chat routed by hand in omniclaw.yaml).
 */
export function terminalChatId(options: { agent?: string; chat?: string }): string {
  const { agent, chat } = options;
  const local = CHAT_PREFIXES.local;
  if (chat === undefined) return agent ? `${local}${agent}` : `${local}default`;
  if (chat.startsWith(local)) return chat;
  return agent ? `${local}${agent}${NAMED_CHAT_SEPARATOR}${chat}` : `${local}${chat}`;
}

export function isTerminalChatId(chat: string): boolean {
  return LOCAL_CHAT.test(chat);
}

/** The agent an unrouted terminal chat belongs to, or undefined for a chat this rule does not cover. */
export function namedChatAgent(agents: readonly AgentConfig[], chat: string): AgentConfig | undefined {
  if (!isTerminalChatId(chat)) return undefined;
  const name = chat.slice(CHAT_PREFIXES.local.length);
  let owner: AgentConfig | undefined;
  for (const agent of agents) {
    const prefix = `${agent.id}${NAMED_CHAT_SEPARATOR}`;
    if (name.startsWith(prefix) && name.length > prefix.length && agent.id.length > (owner?.id.length ?? -1))
      owner = agent;
  }
  return owner ?? agents.find((a) => a.main);
}

/** Adds the implicit route of a terminal chat no route names yet; true when it added one. */
export function routeNamedChat(table: RoutingTable, chat: string): boolean {
  if (table.routes.some((r) => r.chat === chat)) return false;
  const agent = namedChatAgent(table.agents, chat);
  if (!agent) return false;
  table.routes.push({ chat, agent: agent.id, requiresTrigger: false, streamThreads: false });
  return true;
}
