/**
 * Telling a chat that its messages could not be answered: the sentence is written as the
 * reply (outbox row and cursor move in one transaction, store.answer), and once it has
 * been sent the channel hears the work failed (a ❌ reaction, the thread closed). The failed
 * turn of a run and the queue's give-up after the last attempt both end this way.
 */
import type { AgentConfig } from '../config/normalise.js';
import type { NoticeContext, WorkNotice } from '../domain/channel.js';
import type { Store } from '../store/index.js';
import type { Outbox } from './outbox.js';
import type { UserFacingError } from './failure-notice.js';

export interface FailureReplyDeps {
  store: Pick<Store, 'answer'>;
  outbox: Pick<Outbox, 'kick' | 'settled'>;
  channelOf: (chat: string) => string | undefined;
}

export interface FailureReply {
  agent: string;
  chat: string;
  /** The last message the failure covers: the cursor moves past it. */
  upTo: number;
  text: string;
  replyTo?: string;
  runId?: string;
  /** Outbox rows that must be sent before the failure is shown (the turn's earlier replies). */
  after?: number[];
}

/** Writes the failure as the chat's answer; `failed` runs once it (and `after`) were sent. */
export function replyWithFailure(
  deps: FailureReplyDeps,
  reply: FailureReply,
  failed: () => void,
): number | undefined {
  const channel = deps.channelOf(reply.chat) ?? 'unknown';
  const id = deps.store.answer({
    agent: reply.agent,
    chat: reply.chat,
    upTo: reply.upTo,
    reply: { channel, text: reply.text, replyTo: reply.replyTo, runId: reply.runId },
  });
  deps.outbox.kick();
  const sent = [...(reply.after ?? []), ...(id === undefined ? [] : [id])];
  void deps.outbox.settled(sent).then(failed);
  return id;
}

/** The queue's give-up hook (QueueHooks.gaveUp): the chat gets the one sentence written for it. */
export function giveUpByReplying(
  deps: FailureReplyDeps & { notify: (chat: string, notice: WorkNotice, context: NoticeContext) => void },
): (agent: AgentConfig, chat: string, lastMessageId: number, failure: UserFacingError) => void {
  return (agent, chat, lastMessageId, failure) => {
    // The detail (failure.message) stays in the log, written by the queue.
    const text = failure.userText;
    replyWithFailure(deps, { agent: agent.id, chat, upTo: lastMessageId, text }, () =>
      deps.notify(chat, { kind: 'failed', error: text }, { streamThread: false }),
    );
  };
}
