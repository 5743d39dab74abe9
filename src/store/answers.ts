/**
 * Answering a chat: the reply's outbox row and the agent's cursor move in one transaction,
 * so after a crash a reply is either sent and the messages answered, or neither. Every
 * reply — the agent's own, an apology for a failed turn, a refusal — goes through here.
 */
import type { Database } from 'better-sqlite3';
import type { CursorStore } from './cursors.js';
import type { NewOutboxEntry, OutboxStore } from './outbox-store.js';

export interface Answer {
  agent: string;
  chat: string;
  /** The last message this answer covers: the cursor moves to it (none: a reply to no stored message). */
  upTo?: number;
  /** What to send; none when the turn ended without text (the cursor still moves). */
  reply?: Omit<NewOutboxEntry, 'agent' | 'chat'>;
}

/** Returns the outbox row id of the reply, when there is one. */
export type AnswerWriter = (answer: Answer) => number | undefined;

export function answerWriter(db: Database, outbox: OutboxStore, cursors: CursorStore): AnswerWriter {
  return db.transaction((answer: Answer): number | undefined => {
    const id = answer.reply
      ? outbox.enqueue({ ...answer.reply, agent: answer.agent, chat: answer.chat })
      : undefined;
    if (answer.upTo !== undefined) cursors.advance(answer.agent, answer.chat, answer.upTo);
    return id;
  });
}
