/**
 * What a run of an agent has to answer in a chat: the messages after its cursor, if at least
 * one of them triggers it. Read by the run (first prompt, warm turns), the queue (retries,
 * refusals) and the recovery at start, so all three agree on what "unanswered" means.
 */
import type { AgentConfig } from '../config/normalise.js';
import type { Store } from '../store/index.js';
import type { StoredMessage } from '../store/messages.js';
import { isTriggered, routeFor, type RoutingTable } from './router.js';

/** A run's prompt holds at most this many messages: the latest ones. */
export const CATCH_UP_LIMIT = 100;

/** Unanswered messages after a cursor, if at least one of them triggers the agent. */
export function pendingWork(
  store: Pick<Store, 'messages'>,
  table: RoutingTable,
  agent: AgentConfig,
  chat: string,
  afterId: number,
): StoredMessage[] {
  const route = routeFor(table, agent.id, chat);
  if (!route) return [];
  const messages = store.messages.after(chat, afterId, 1000).filter((m) => !m.fromBot);
  if (!messages.some((m) => isTriggered(m, agent, route))) return [];
  return messages.slice(-CATCH_UP_LIMIT);
}
