/**
 * Replies that stream (issue 12): the runner's `delta` events for a turn are shown in the
 * chat as the model writes them, through the channel's ReplyPreview (posted, then edited at
 * the platform's bounded rate). The preview is only a preview: the reply itself still goes
 * through store.answer and the outbox, exactly once, and its outbox row carries the
 * preview's platform id so that sending it is the preview's final edit, not a second
 * message — now, or at the next start after a crash. Until the preview has no edit on the
 * wire, the row is held back, so a stale preview can never overwrite the final text.
 */
import type { Logger } from 'pino';
import type { Channel, ReplyPreview } from '../domain/channel.js';
import type { RunnerEventOf } from '../protocol/runner-protocol.js';
import { stripInternal } from './prompt.js';
import type { Turn } from './turn-book.js';
import type { AgentConfig } from '../config/normalise.js';
import type { RunDeps } from './run-types.js';

export interface ReplyStreamDeps {
  chat: string;
  /** `stream` on the agent, or its default (on for the terminal chat). */
  enabled: boolean;
  channelFor?: (chat: string) => Channel | undefined;
  outbox: { hold(id: number): void; release(id: number): void };
  /** Records the preview's platform id on a row written before the preview was posted. */
  setEdit: (rowId: number, platformId: string) => void;
  logger: Logger;
}

/** What the reply's outbox row needs from the stream: the preview to edit, and a hook once written. */
export interface StreamedReply {
  edit?: string;
  written(rowId: number | undefined): void;
}

/**
 * The longest a reply waits for its preview's last edit: a platform that hangs on an edit
 * must not hold the reply back (the final edit may then race a late preview; it is rare,
 * and the reply is still sent once).
 */
const PREVIEW_END_MS = 15_000;

function withinTime<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const NOT_STREAMED: StreamedReply = { written: () => undefined };

export class ReplyStreams {
  private readonly previews = new Map<string, { preview: ReplyPreview; text: string }>();

  constructor(private readonly deps: ReplyStreamDeps) {}

  delta(turn: Turn | undefined, event: RunnerEventOf<'delta'>): void {
    if (!this.deps.enabled || !turn) return;
    let stream = this.previews.get(turn.id);
    if (!stream) {
      const channel = this.deps.channelFor?.(this.deps.chat);
      if (!channel?.stream) return;
      stream = { preview: channel.stream(this.deps.chat, { replyTo: turn.triggerPlatformId }), text: '' };
      this.previews.set(turn.id, stream);
    }
    stream.text = event.reset ? event.text : stream.text + event.text;
    stream.preview.update(stripInternal(stream.text));
  }

  /** The turn's reply arrived: the preview stops, and its row edits it once nothing is on the wire. */
  finish(turn: Turn | undefined): StreamedReply {
    const stream = turn && this.previews.get(turn.id);
    if (!turn || !stream) return NOT_STREAMED;
    this.previews.delete(turn.id);
    const known = stream.preview.platformId;
    const ended = stream.preview.end();
    return {
      edit: known,
      written: (rowId) => {
        if (rowId === undefined) return;
        this.deps.outbox.hold(rowId);
        void withinTime(ended, PREVIEW_END_MS)
          .then((platformId) => {
            if (platformId && !known) this.deps.setEdit(rowId, platformId);
          })
          .catch((error: unknown) =>
            this.deps.logger.warn({ err: (error as Error).message }, 'reply preview did not end cleanly'),
          )
          .finally(() => this.deps.outbox.release(rowId));
      },
    };
  }

  /** The turn ended without a reply: its preview stops where it is. */
  abandon(turnId: string): void {
    const stream = this.previews.get(turnId);
    this.previews.delete(turnId);
    void stream?.preview.end();
  }
}

/** A run's streams: on when the agent says `stream: true`, or by default in the terminal chat. */
export function replyStreamsFor(
  agent: AgentConfig,
  chat: string,
  deps: RunDeps,
  logger: Logger,
): ReplyStreams {
  const channel = deps.channelFor?.(chat);
  return new ReplyStreams({
    chat,
    enabled: agent.stream ?? channel?.name === 'local',
    channelFor: deps.channelFor,
    outbox: deps.outbox,
    setEdit: (rowId, platformId) => deps.store.outbox.setEdit(rowId, platformId),
    logger,
  });
}
