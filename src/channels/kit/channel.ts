/**
 * What every platform adapter does the same way around its platform's calls, written once:
 * the intake (sink and state), which chats it owns, the typing loop and progress streams
 * while an agent works, streamed previews, reaction errors, and the order a disconnect stops
 * things in. An adapter extends KitChannel, says how it opens and closes its connection, and
 * supplies its platform's calls (`sendTyping`, `progressStream`, the preview's post and edit).
 */
import type {
  Channel,
  ChannelCapabilities,
  ChannelSink,
  ChannelState,
  NoticeContext,
  OutboundMessage,
  ReplyPreview,
  SentMessage,
  WorkNotice,
} from '../../domain/channel.js';
import { ThrottledPreview, type PreviewActions } from '../reply-preview.js';
import { TypingLoops } from '../work-feedback.js';
import { describeError } from './errors.js';
import { ChannelIntake, type IntakeOptions } from './intake.js';
import { ProgressStreams, type ProgressStream } from './progress.js';

export interface KitChannelOptions extends IntakeOptions {
  /** The chat ids this channel answers for: a prefix (`tg:`) or a pattern (WhatsApp's JIDs). */
  owns: string | RegExp;
  /** Least time between two deliveries of one piece of work's progress. */
  progressIntervalMs?: number;
  /** How often `sendTyping` is repeated while an agent works, and for how long at most (none: no typing). */
  typing?: { intervalMs: number; maxMs: number };
}

export abstract class KitChannel implements Channel {
  abstract readonly name: string;
  abstract readonly capabilities: ChannelCapabilities;
  protected readonly logger: IntakeOptions['logger'];
  protected readonly intake: ChannelIntake;
  protected readonly typing = new TypingLoops();
  protected readonly progress: ProgressStreams;
  /** Error text for logs and errors: the adapter's (Telegram's names grammY's codes) or the kit's. */
  protected readonly describe: (error: unknown) => string;

  constructor(private readonly kit: KitChannelOptions) {
    this.logger = kit.logger;
    this.describe = kit.describe ?? describeError;
    this.intake = new ChannelIntake(kit);
    this.progress = new ProgressStreams(kit.progressIntervalMs ?? 1_500, (chat, error) =>
      this.logger.warn(
        { chat, err: this.describe(error) },
        `${kit.platform} progress not shown; the next batch tries again`,
      ),
    );
  }

  abstract send(chat: string, message: OutboundMessage): Promise<SentMessage>;
  /** Opens the platform's connection (the sink is set), reporting its states on the way. */
  protected abstract open(): Promise<void>;
  /** Closes the platform's connection: after typing and progress stopped, before inbound work drains. */
  protected abstract close(): Promise<void>;
  /** Sends one typing indicator, on platforms that have one. */
  protected sendTyping?(chat: string): Promise<void>;

  /**
   * Where one piece of work's progress is shown (a failed batch is logged by the kit);
   * undefined: not shown here (WhatsApp, a Discord DM).
   */
  protected progressStream(_chat: string, _context: NoticeContext): ProgressStream | undefined {
    return undefined;
  }

  ownsChat(chat: string): boolean {
    const { owns } = this.kit;
    return typeof owns === 'string' ? chat.startsWith(owns) : owns.test(chat);
  }

  state(): ChannelState {
    return this.intake.state();
  }

  async connect(sink: ChannelSink): Promise<void> {
    this.intake.connect(sink);
    await this.open();
  }

  async disconnect(): Promise<void> {
    this.typing.stopAll();
    // What progress is left is delivered while the connection is still open.
    await this.progress.closeAll();
    await this.close();
    await this.intake.stop();
    this.setState('disconnected');
  }

  /**
   * The notice switch every platform shares: working → typing (or the platform's own sign),
   * progress → the platform's stream when the route asks, idle/failed → typing stops, the
   * stream delivers what is left, and the platform's sign is taken down.
   */
  async notify(chat: string, notice: WorkNotice, context: NoticeContext): Promise<void> {
    const key = `${chat}#${context.triggerPlatformId ?? ''}`;
    switch (notice.kind) {
      case 'working':
        return this.workStarted(chat, key, context);
      case 'progress':
        if (context.streamThread)
          this.progress.push(chat, key, notice.text, () => this.progressStream(chat, context));
        return;
      case 'idle':
      case 'failed':
        this.typing.stop(chat);
        await this.progress.close(key);
        return this.workEnded(chat, key, context);
    }
  }

  /** Work began on `key` (chat and trigger): the typing indicator, refreshed until it ends. */
  protected async workStarted(chat: string, _key: string, _context: NoticeContext): Promise<void> {
    const { platform, typing } = this.kit;
    const send = this.sendTyping?.bind(this, chat);
    if (!typing || !send) return;
    this.typing.start(chat, {
      // async: a chat id refused synchronously is a failed send, logged, not a throw from a timer.
      send: async () => send(),
      ...typing,
      onError: (error) =>
        this.logger.debug({ chat, err: this.describe(error) }, `${platform} typing indicator failed`),
    });
  }

  /** The work on `key` ended, its typing stopped and its progress delivered: what else the platform shows goes. */
  protected async workEnded(_chat: string, _key: string, _context: NoticeContext): Promise<void> {}

  protected setState(state: ChannelState, detail?: string): void {
    this.intake.setState(state, detail);
  }

  /** A streamed reply at most one post or edit per `intervalMs`; a failure is logged and ends it. */
  protected preview(
    chat: string,
    actions: Pick<PreviewActions, 'post' | 'edit' | 'intervalMs'>,
  ): ReplyPreview {
    return new ThrottledPreview({
      ...actions,
      maxLength: this.capabilities.maxMessageLength,
      onError: (error) =>
        this.logger.warn(
          { chat, err: this.describe(error) },
          `${this.kit.platform} reply preview stopped; the reply is still sent`,
        ),
    });
  }

  /** Runs the platform's reaction call; its failure says which reaction on which message. */
  protected async reacting(
    chat: string,
    platformMessageId: string,
    emoji: string,
    remove: boolean,
    call: () => Promise<unknown>,
  ): Promise<void> {
    try {
      await call();
    } catch (error) {
      const verb = remove ? 'remove' : 'add';
      throw new Error(
        `${this.kit.platform}: could not ${verb} reaction ${emoji} on ${chat}/${platformMessageId}: ${this.describe(error)}`,
        { cause: error },
      );
    }
  }
}
