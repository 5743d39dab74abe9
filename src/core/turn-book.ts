/**
 * The turns of one agent run: each batch of messages handed to the runner is a turn, open
 * until the runner says `done` for it. The book knows which messages a turn covers (for the
 * cursor), which message triggered it (to reply to), the outbox rows it wrote, and a
 * non-fatal error that may end it without a reply.
 */
import { isHostMessageId } from '../domain/host-message.js';
import { randomUUID } from 'node:crypto';
import type { AgentConfig } from '../config/normalise.js';
import type { StoredMessage } from '../store/messages.js';
import type { Route } from '../config/normalise.js';
import { isTriggered } from './router.js';

export interface Turn {
  id: string;
  lastMessageId: number;
  triggerPlatformId?: string;
  answered: boolean;
  outboxIds: number[];
  /** A non-fatal runtime error for this turn (the model API failed after its retries). */
  error?: string;
}

export class TurnBook {
  private readonly turns: Turn[] = [];

  /** `lastSentId`: the last message handed to the runner; starts at the agent's cursor. */
  constructor(public lastSentId: number) {}

  get open(): number {
    return this.turns.length;
  }

  /** A new turn for `messages` (not empty), triggered by the last of them that triggers the agent. */
  begin(messages: StoredMessage[], agent: AgentConfig, route: Route | undefined): Turn {
    const last = messages[messages.length - 1]!;
    const trigger = [...messages].reverse().find((m) => route && isTriggered(m, agent, route));
    const turn: Turn = {
      id: randomUUID(),
      lastMessageId: last.id,
      // A host message (a request from another agent) has no platform message to reply to.
      triggerPlatformId: isHostMessageId(trigger?.platformId) ? undefined : trigger?.platformId,
      answered: false,
      outboxIds: [],
    };
    this.lastSentId = last.id;
    this.turns.push(turn);
    return turn;
  }

  /** The turn an event belongs to; no id means the oldest; an unknown id (a turn already done) matches none. */
  find(turnId: string | undefined): Turn | undefined {
    if (turnId === undefined) return this.turns[0];
    return this.turns.find((t) => t.id === turnId);
  }

  /** Closes the turn the runner reported done; undefined for one not in flight (never sent, or done already). */
  close(turnId: string): Turn | undefined {
    const index = this.turns.findIndex((t) => t.id === turnId);
    return index < 0 ? undefined : this.turns.splice(index, 1)[0];
  }

  /** The highest message the open turns cover, if any is open. */
  lastOpenMessageId(): number | undefined {
    return this.turns.length ? this.turns[this.turns.length - 1]!.lastMessageId : undefined;
  }
}
