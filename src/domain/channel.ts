/**
 * The message model and the Channel interface, on the ground floor: the store, the core
 * (router, queue, outbox) and the adapters in src/channels/ all build on it, and none of
 * them is imported from here. The core never mentions a platform; each adapter implements
 * this one interface.
 */

export interface Attachment {
  /** The name the sender gave, made safe. */
  name: string;
  /**
   * The file's name in the agent's received-files folder ($OMNICLAW_HOME/inbox/<agent>/,
   * /workspace/inbox inside the sandbox), once received.
   */
  file?: string;
  /** Messages stored before received files moved out of the agent folder: relative to it (inbox/…). */
  path?: string;
  mime?: string;
  /** Bytes received, or the size the platform announced for a file that was not. */
  size?: number;
  /** Why the file did not arrive ("over the 20 MB limit", "the download failed"): the agent is told. */
  notReceived?: string;
}

export interface InboundMessage {
  /** Channel name: 'local' | 'telegram' | 'discord' | 'slack' | 'whatsapp'. */
  channel: string;
  /** Normalised chat id: local:…, tg:…, dc:…, slack:…, or a WhatsApp JID. */
  chat: string;
  /** The platform's id of this message; (channel, chat, platformId) is unique. */
  platformId: string;
  senderId: string;
  senderName: string;
  text: string;
  /** Epoch ms. */
  timestamp: number;
  /** The bot's own message (echo); stored for context, never answered. */
  fromBot?: boolean;
  /** The bot was @-mentioned on the platform. */
  mentionsBot?: boolean;
  /** The message replies to one of the bot's messages. */
  replyToBot?: boolean;
  replyToPlatformId?: string;
  threadId?: string;
  chatName?: string;
  isGroup?: boolean;
  attachments?: Attachment[];
}

export interface OutboundMessage {
  text: string;
  replyTo?: string;
  thread?: string;
  /** Absolute host paths of files to send with the message. */
  files?: string[];
  /**
   * The platform id of a streamed preview of this message (Channel.stream): the message
   * becomes that preview's final edit instead of a new message.
   */
  edit?: string;
}

/** Where a streamed reply goes. */
export interface StreamTarget {
  replyTo?: string;
  thread?: string;
}

/**
 * A reply shown while the model writes it: the channel posts it and edits it in place at
 * its own bounded rate (updates in between are coalesced; only the latest text is shown).
 */
export interface ReplyPreview {
  /** The whole text so far (not a delta). */
  update(text: string): void;
  /** The preview's platform id once it was posted (synchronously known; none before). */
  readonly platformId: string | undefined;
  /** No more updates: resolves, with the platform id if posted, once no edit is on the wire. */
  end(): Promise<string | undefined>;
}

export interface SentMessage {
  platformId: string;
}

/** What the core tells a channel about the work on a chat (typing, thread streaming, end). */
export type WorkNotice =
  | { kind: 'working' }
  | { kind: 'progress'; text: string }
  | { kind: 'idle' }
  | { kind: 'failed'; error: string };

export interface NoticeContext {
  /** Platform id of the message that triggered the work (threads hang off it). */
  triggerPlatformId?: string;
  /** The route asked for intermediate output to be streamed to a thread. */
  streamThread: boolean;
}

export type ChannelState = 'connecting' | 'connected' | 'disconnected' | 'failed';

/**
 * What the host asks of a channel before it acts. Threads, reactions, edits and typing are
 * not listed: a channel has them when it has the method (`react`, `stream`, `notify`).
 */
export interface ChannelCapabilities {
  maxMessageLength: number;
  files: boolean;
  /** The largest file the bot may send (send_file refuses bigger ones before anything is queued). */
  maxFileBytes: number;
  /**
   * The platform is handed the staged file's path, not its bytes (the terminal chat shows
   * `📎 <path>`): that copy is the delivered file, so it is kept after sending.
   */
  keepsSentFiles?: boolean;
}

export interface InboundResult {
  /** Stored and routed to at least one agent. */
  accepted: boolean;
  /** Why not, when not (unknown chat, duplicate, …). */
  reason?: string;
  /** Row id in the message store, when stored. */
  messageId?: number;
}

/**
 * An emoji someone added to a message (Telegram, Discord, Slack, WhatsApp): the host reads
 * 👍 / 👎 on its own approval requests as approve / deny (issue 11); other reactions are ignored.
 */
export interface InboundReaction {
  channel: string;
  chat: string;
  /** The message reacted to. */
  platformMessageId: string;
  senderId?: string;
  emoji: string;
}

export interface ChannelSink {
  /**
   * Called for every inbound message; the sink persists it before anything else happens.
   * Throws StorageUnavailableError when the database cannot be written: the message is NOT
   * stored, and the channel must keep it (not acknowledge it to the platform) and offer it
   * again later — see held-inbound.ts.
   */
  inbound(message: InboundMessage): InboundResult;
  state(state: ChannelState, detail?: string): void;
  /** A reaction added to a message, for channels that report them (optional: nothing is stored). */
  reaction?(reaction: InboundReaction): void;
}

export interface Channel {
  readonly name: string;
  readonly capabilities: ChannelCapabilities;
  ownsChat(chat: string): boolean;
  connect(sink: ChannelSink): Promise<void>;
  send(chat: string, message: OutboundMessage): Promise<SentMessage>;
  notify?(chat: string, notice: WorkNotice, context: NoticeContext): Promise<void>;
  /** Streams a reply as it is written (platforms that can edit a message; see ReplyPreview). */
  stream?(chat: string, target: StreamTarget): ReplyPreview;
  react?(chat: string, platformMessageId: string, emoji: string, remove: boolean): Promise<void>;
  formatMention?(userIdOrName: string): string;
  state(): ChannelState;
  disconnect(): Promise<void>;
}

/** Which connected channel owns a chat id (the outbox, staged files and tools ask it). */
export interface ChannelDirectory {
  forChat(chat: string): Channel | undefined;
}
