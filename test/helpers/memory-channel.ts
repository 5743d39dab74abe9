/**
 * A channel held in memory for host tests: chats `mem:<name>`. It implements the Channel
 * interface (a collaborator passed in, not a mock of our modules) and records every call.
 */
import type {
  Channel,
  ChannelSink,
  ChannelState,
  InboundMessage,
  InboundResult,
  NoticeContext,
  OutboundMessage,
  SentMessage,
  WorkNotice,
} from '../../src/domain/channel.js';

export class MemoryChannel implements Channel {
  readonly name = 'memory';
  readonly capabilities = {
    maxMessageLength: 4000,
    files: true,
    maxFileBytes: 1024 * 1024,
  };
  readonly sent: { chat: string; text: string; replyTo?: string; platformId: string }[] = [];
  readonly notices: { chat: string; notice: WorkNotice }[] = [];
  /** Make the next n sends fail. */
  failNext = 0;
  private sink: ChannelSink | undefined;
  private seq = 0;
  private current: ChannelState = 'disconnected';

  ownsChat(chat: string): boolean {
    return chat.startsWith('mem:');
  }

  async connect(sink: ChannelSink): Promise<void> {
    this.sink = sink;
    this.current = 'connected';
    sink.state('connected');
  }

  async send(chat: string, message: OutboundMessage): Promise<SentMessage> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('platform unavailable (test)');
    }
    const platformId = `out-${++this.seq}`;
    this.sent.push({ chat, text: message.text, replyTo: message.replyTo, platformId });
    return { platformId };
  }

  async notify(chat: string, notice: WorkNotice, _context: NoticeContext): Promise<void> {
    this.notices.push({ chat, notice });
  }

  state(): ChannelState {
    return this.current;
  }

  setState(state: ChannelState): void {
    this.current = state;
    this.sink?.state(state);
  }

  async disconnect(): Promise<void> {
    this.current = 'disconnected';
  }

  private inSeq = 0;
  /** Delivers a message as the platform would. */
  receive(chat: string, text: string, extra: Partial<InboundMessage> = {}): InboundResult {
    if (!this.sink) throw new Error('not connected');
    return this.sink.inbound({
      channel: this.name,
      chat,
      platformId: `in-${++this.inSeq}`,
      senderId: 'u1',
      senderName: 'Alice',
      text,
      timestamp: Date.now(),
      ...extra,
    });
  }

  sentTo(chat: string): string[] {
    return this.sent.filter((s) => s.chat === chat).map((s) => s.text);
  }
}
