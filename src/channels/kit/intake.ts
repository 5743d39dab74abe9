/**
 * The inbound half of every adapter, written once: the sink and the channel state it is
 * told, dedupe of messages the platform hands over twice, received files, and the hand-over
 * to the sink. An adapter translates its platform's events into an InboundMessage and the
 * files on it, and calls `deliver`; everything after that is here.
 *
 * Hand-over when the database cannot store (StorageUnavailableError): a platform that hands
 * each message over once (a socket, an acknowledged event: Discord, Slack, WhatsApp) gets the
 * message held and stored later (held-inbound.ts); one that keeps it until confirmed
 * (Telegram's getUpdates offset) gets the error back, so it confirms nothing.
 * An unrouted chat is logged once by the sink's intake, never here.
 */
import type { ChannelSink, ChannelState, InboundMessage, InboundReaction } from '../../domain/channel.js';
import { HeldInbound } from '../held-inbound.js';
import { receiveFiles, type FetchFile, type FileOptions, type PlatformFile } from './files.js';
import { Recent } from './recent.js';
import { describeError } from './errors.js';

export interface IntakeOptions extends FileOptions {
  /** The routed agent's received-files folder for a chat; undefined: files are not fetched. */
  inboxFor?: (chat: string) => string | undefined;
  /** The platform delivers each message once: hold it while the database is down (see above). */
  holdWhileStorageDown: boolean;
  /** Remember this many (chat, message id) pairs and drop a message seen again; 0: no dedupe. */
  dedupe?: number;
}

export class ChannelIntake {
  private sink: ChannelSink | undefined;
  private current: ChannelState = 'disconnected';
  private readonly held: HeldInbound | undefined;
  private readonly seen: Recent | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly options: IntakeOptions) {
    const store = (message: InboundMessage): void => void this.sink?.inbound(message);
    if (options.holdWhileStorageDown) this.held = new HeldInbound({ logger: options.logger, store });
    if (options.dedupe) this.seen = new Recent(options.dedupe);
  }

  /** Messages go to this sink from now on. */
  connect(sink: ChannelSink): void {
    this.sink = sink;
  }

  get connected(): boolean {
    return this.sink !== undefined;
  }

  state(): ChannelState {
    return this.current;
  }

  setState(state: ChannelState, detail?: string): void {
    this.current = state;
    this.sink?.state(state, detail);
  }

  /** A reaction someone added (not stored: the sink reads 👍 / 👎 on approval requests). */
  reaction(reaction: InboundReaction): void {
    this.sink?.reaction?.(reaction);
  }

  /** The message arrived before (a redelivery, or the same post as two events). */
  seenBefore(message: InboundMessage): boolean {
    return this.seen?.has(`${message.chat}|${message.platformId}`) ?? false;
  }

  /**
   * Fetches the message's files into the chat's inbox (when the chat is routed somewhere),
   * then hands the message to the sink. A message seen before is dropped.
   */
  async deliver<F extends PlatformFile>(
    message: InboundMessage,
    files: F[] = [],
    fetchFile?: FetchFile<F>,
  ): Promise<void> {
    if (!this.sink || this.seenBefore(message)) return;
    const inbox = files.length && fetchFile ? this.options.inboxFor?.(message.chat) : undefined;
    if (inbox && fetchFile) {
      message.attachments = await receiveFiles(files, fetchFile, {
        ...this.options,
        chat: message.chat,
        inbox,
      });
    }
    if (this.held) this.held.offer(message);
    else this.sink.inbound(message);
    this.seen?.remember(`${message.chat}|${message.platformId}`);
  }

  /**
   * Runs inbound work one piece after another, so a slow download never lets a later
   * message overtake an earlier one in a chat. A failure drops that message only, logged.
   */
  queue(work: () => Promise<void>): void {
    this.chain = this.chain
      .then(work)
      .catch((error: unknown) =>
        this.options.logger.error(
          { err: (this.options.describe ?? describeError)(error) },
          `${this.options.platform} inbound message dropped`,
        ),
      );
  }

  /** Stops holding messages (what is still held is logged as lost) and waits for queued work. */
  async stop(): Promise<void> {
    this.held?.stop();
    await this.chain;
  }
}
