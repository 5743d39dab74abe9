/**
 * The terminal chat: the built-in channel that needs no account. `omniclaw chat` connects
 * to the daemon's control socket, subscribes to a chat (local:<name>), sends messages and
 * sees progress and replies. Chat ids are `local:<name>`.
 */
import { randomUUID } from 'node:crypto';
import type { ControlClient, ControlSocket } from '../transport/control-socket.js';
import { CHAT_PREFIXES } from '../domain/chat-id.js';
import { StorageUnavailableError } from '../domain/storage-fault.js';
import { MAX_INBOUND_TEXT } from '../domain/inbound-text.js';
import type {
  Channel,
  ChannelCapabilities,
  ChannelSink,
  ChannelState,
  InboundResult,
  NoticeContext,
  OutboundMessage,
  ReplyPreview,
  SentMessage,
  StreamTarget,
  WorkNotice,
} from '../domain/channel.js';
import { ThrottledPreview } from './reply-preview.js';
import { inboundMessage } from './kit/message.js';

const CHAT_PATTERN = /^local:[A-Za-z0-9_-]{1,64}$/;

export class LocalChannel implements Channel {
  readonly name = 'local';
  readonly capabilities: ChannelCapabilities = {
    maxMessageLength: 1_000_000,
    files: true,
    maxFileBytes: 1024 * 1024 * 1024, // the file stays on this machine
    keepsSentFiles: true,
  };
  /** Which chats each connected terminal watches; a terminal is forgotten when it closes. */
  private readonly watching = new Map<ControlClient, Set<string>>();
  /** Set while connected. */
  private sink: ChannelSink | undefined;

  constructor(
    private readonly control: ControlSocket,
    private readonly operatorName: string = process.env.USER ?? 'you',
  ) {}

  ownsChat(chat: string): boolean {
    return chat.startsWith(CHAT_PREFIXES.local);
  }

  async connect(sink: ChannelSink): Promise<void> {
    this.sink = sink;
    this.control.handle('subscribe', (message, client) => this.subscribe(message, client));
    this.control.handle('message', (message, client) => this.receive(message, client));
    sink.state('connected');
  }

  async send(chat: string, message: OutboundMessage): Promise<SentMessage> {
    const platformId = message.edit ?? `local-${randomUUID()}`;
    const { text, files = [], edit } = message;
    // With nobody watching, the reply is still delivered: it stays in the outbox history.
    // (JSON leaves `edit` out when it is undefined.)
    this.tell(chat, { type: 'reply', chat, text, files, platformId, edit });
    return { platformId };
  }

  /**
   * The reply as it is written: `partial` messages with the whole text so far, at most one per
   * 50 ms (a terminal has no rate limit, but a burst of deltas need not be a burst of writes).
   * The final `reply` carries the same platformId, with `edit` set.
   */
  stream(chat: string, _target: StreamTarget): ReplyPreview {
    const platformId = `local-${randomUUID()}`;
    return new ThrottledPreview({
      intervalMs: 50,
      maxLength: this.capabilities.maxMessageLength,
      post: async (text) => {
        this.tell(chat, { type: 'partial', chat, text, platformId });
        return platformId;
      },
      edit: async (_id, text) => this.tell(chat, { type: 'partial', chat, text, platformId }),
      onError: () => undefined,
    });
  }

  async notify(chat: string, notice: WorkNotice, _context: NoticeContext): Promise<void> {
    this.tell(chat, { ...notice, type: notice.kind, chat });
  }

  /** Every terminal watching the chat. */
  private tell(chat: string, message: Parameters<ControlClient['send']>[0]): void {
    for (const [client, chats] of this.watching) if (chats.has(chat)) client.send(message);
  }

  state(): ChannelState {
    return this.sink ? 'connected' : 'disconnected';
  }

  async disconnect(): Promise<void> {
    this.sink = undefined;
    this.watching.clear();
  }

  private subscribe(message: Record<string, unknown>, client: ControlClient): void {
    const chat = validChat(message, client);
    if (!chat) return;
    let chats = this.watching.get(client);
    if (!chats) {
      this.watching.set(client, (chats = new Set()));
      client.onClose(() => this.watching.delete(client));
    }
    chats.add(chat);
    client.send({ type: 'subscribed', chat });
  }

  private receive(message: Record<string, unknown>, client: ControlClient): void {
    const chat = validChat(message, client);
    if (!chat) return;
    const text = typeof message.text === 'string' ? message.text : '';
    if (!text.trim()) return refuse(client, 'empty message');
    // The person is right here: a message over the one inbound limit is refused, not cut.
    if (Buffer.byteLength(text) > MAX_INBOUND_TEXT)
      return refuse(client, `message too long (over ${MAX_INBOUND_TEXT} bytes)`);
    if (!this.sink) return refuse(client, 'the terminal chat is not connected; try again in a moment');
    const platformId = typeof message.id === 'string' && message.id ? message.id.slice(0, 100) : randomUUID();
    let result: InboundResult;
    try {
      result = this.sink.inbound(
        inboundMessage({
          channel: this.name,
          chat,
          platformId,
          senderId: 'operator',
          senderName: this.operatorName,
          text,
          timestamp: Date.now(),
        }),
      );
    } catch (error) {
      if (!(error instanceof StorageUnavailableError)) throw error;
      // The person is right here: say so, rather than hold a message they can send again.
      result = {
        accepted: false,
        reason:
          'the database cannot store messages right now (disk full?); nothing was saved, send it again later',
      };
    }
    client.send(
      result.accepted
        ? { type: 'accepted', chat, id: platformId, messageId: result.messageId }
        : { type: 'rejected', chat, id: platformId, reason: result.reason ?? 'not accepted' },
    );
  }
}

const refuse = (client: ControlClient, message: string): void => client.send({ type: 'error', message });

/** The request's chat (local:default if it names none), or undefined when it is not a valid one (refused). */
function validChat(message: Record<string, unknown>, client: ControlClient): string | undefined {
  const chat = String(message.chat ?? 'local:default');
  if (CHAT_PATTERN.test(chat)) return chat;
  refuse(client, `invalid chat "${chat}": use local:<name> (letters, digits, - and _)`);
  return undefined;
}
