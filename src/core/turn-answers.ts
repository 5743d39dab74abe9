/**
 * What a run writes for its turns, always through store.answer (the outbox row and the
 * cursor advance in one transaction, so after a crash a reply is sent, never re-asked): the
 * runner's reply, or — for a turn that ended on an error without any reply — the apology.
 */
import { stripInternal } from './prompt.js';
import { failureNotice } from './failure-notice.js';
import { replyWithFailure, type FailureReplyDeps } from './failure-reply.js';
import type { Turn } from './turn-book.js';
import { NOT_STREAMED, type StreamedReply } from './reply-stream.js';

export class TurnAnswers {
  constructor(
    private readonly deps: FailureReplyDeps,
    private readonly run: { agent: string; chat: string; runId: string },
  ) {}

  /** The runner's reply for `turn` (none: a reply to no turn in flight). True when it had text to send. */
  reply(turn: Turn | undefined, raw: string, streamed: StreamedReply = NOT_STREAMED): boolean {
    const text = stripInternal(raw);
    const { agent, chat, runId } = this.run;
    const channel = this.deps.channelOf(chat) ?? 'unknown';
    const reply = text
      ? { channel, text, replyTo: turn?.triggerPlatformId, runId, edit: streamed.edit }
      : undefined;
    const id = this.deps.store.answer({ agent, chat, upTo: turn?.lastMessageId, reply });
    streamed.written(id);
    if (id !== undefined) turn?.outboxIds.push(id);
    if (turn) turn.answered = true;
    if (text) this.deps.outbox.kick();
    return text !== '';
  }

  /** The turn ended without a reply: the chat is told; `failed` runs once that was sent. */
  apologise(turn: Turn, failed: (notice: string) => void): void {
    const text = failureNotice('model');
    const reply = { ...this.run, upTo: turn.lastMessageId, text, replyTo: turn.triggerPlatformId };
    const id = replyWithFailure(this.deps, { ...reply, after: turn.outboxIds }, () => failed(text));
    if (id !== undefined) turn.outboxIds.push(id);
  }
}
