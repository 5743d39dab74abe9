/**
 * WhatsApp on baileys (a linked device, paired by QR). Chat ids are JIDs
 * (…@s.whatsapp.net for people, …@g.us for groups); `@lid` ids are mapped to phone JIDs
 * when baileys knows the mapping. Auth state lives in the instance dir (0700) and is saved
 * on every creds.update. A closed connection is reopened with backoff, except after a
 * logout (or a replaced session), which leaves the channel 'failed' with what to do.
 * The socket comes from an injected factory, so tests drive the adapter through baileys'
 * own event buffer without a network. WhatsApp has no threads: progress is not streamed;
 * "working" is the typing indicator (composing), refreshed until the work ends.
 */
import { mkdir, chmod, readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  useMultiFileAuthState,
  jidNormalizedUser,
  type AuthenticationState,
  type WAMessage,
  type WAMessageKey,
} from 'baileys';
import type { Logger } from '../../observability/logger.js';
import { backoffDelay } from '../../protocol/backoff.js';
import type {
  Channel,
  ChannelCapabilities,
  ChannelSink,
  ChannelState,
  NoticeContext,
  InboundMessage,
  OutboundMessage,
  SentMessage,
  WorkNotice,
} from '../../domain/channel.js';
import { downloadToInbox, notReceived } from '../attachments.js';
import { renderMarkdown } from '../markdown.js';
import { splitMessage } from '../split-message.js';
import { normaliseWhatsAppMessage, type MediaInfo, type WhatsAppIdentity } from './inbound.js';
import { closeStatusCode, decideOnClose, DEFAULT_BACKOFF, type BackoffOptions } from './reconnect.js';
import { printQr } from './qr.js';
import { HeldInbound } from '../held-inbound.js';
import { TypingLoops } from '../work-feedback.js';
import {
  defaultSocketFactory,
  mediaDownloaderWith,
  type MediaDownloader,
  type WhatsAppSocket,
  type WhatsAppSocketFactory,
} from './socket.js';
import { extensionFor, fileContent, textContent } from './outbound.js';
import { WHATSAPP_JID } from '../../domain/chat-id.js';

export type { MediaDownloader, WhatsAppSocket, WhatsAppSocketFactory } from './socket.js';
export { mentionedJids } from './outbound.js';

export interface WhatsAppChannelOptions {
  /** Folder for the auth state (paths.whatsappAuth); created 0700. */
  authDir: string;
  logger: Logger;
  inboxFor(chat: string): string | undefined;
  limits?: { maxFileBytes?: number; maxInboundText?: number; typingRefreshMs?: number; typingMaxMs?: number };
  /**
   * connect() resolves once the connection opens, or after this long while WhatsApp is still
   * unreachable (the channel keeps reconnecting in the background), so one slow platform
   * never holds up start-up. Default 30 s; pairing passes Infinity.
   */
  connectWaitMs?: number;
  /** Show QR codes and wait for pairing (the `channels add` command); the daemon refuses to pair. */
  allowPairing?: boolean;
  onQr?: (qr: string) => void | Promise<void>;
  backoff?: Partial<BackoffOptions>;
  socketFactory?: WhatsAppSocketFactory;
  mediaDownloader?: MediaDownloader;
}

export const WHATSAPP_MESSAGE_LIMIT = 4000;
const RECENT_LIMIT = 500;

export class WhatsAppChannel implements Channel {
  readonly name = 'whatsapp';
  readonly capabilities: ChannelCapabilities = {
    maxMessageLength: WHATSAPP_MESSAGE_LIMIT,
    threads: false,
    reactions: true,
    edit: false,
    typing: true,
    files: true,
    maxFileBytes: 100 * 1024 * 1024, // document limit
  };
  private current: ChannelState = 'disconnected';
  private sink: ChannelSink | undefined;
  private readonly held: HeldInbound;
  private socket: WhatsAppSocket | undefined;
  private unsubscribe: (() => void) | undefined;
  private auth: { state: AuthenticationState; saveCreds: () => Promise<void> } | undefined;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private firstOpen: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private readonly sentIds = new Set<string>();
  private readonly recent = new Map<string, WAMessage>();
  private readonly typing = new TypingLoops();
  private inboundChain: Promise<void> = Promise.resolve();
  private credsSaving: Promise<void> = Promise.resolve();
  private readonly log: Logger;

  constructor(private readonly options: WhatsAppChannelOptions) {
    this.log = options.logger.child({ channel: 'whatsapp' });
    this.held = new HeldInbound({ logger: this.log, store: (m) => this.store(m) });
  }

  ownsChat(chat: string): boolean {
    return WHATSAPP_JID.test(chat);
  }

  state(): ChannelState {
    return this.current;
  }

  /** Resolves when the connection is open; rejects when it can never open (logged out, not paired). */
  async connect(sink: ChannelSink): Promise<void> {
    this.sink = sink;
    this.stopped = false;
    await mkdir(this.options.authDir, { recursive: true, mode: 0o700 });
    await chmod(this.options.authDir, 0o700);
    this.auth = await useMultiFileAuthState(this.options.authDir);
    const opened = new Promise<void>((resolve, reject) => (this.firstOpen = { resolve, reject }));
    // Once connect() has returned on the timeout, a later failure is reported through state().
    opened.catch(() => undefined);
    this.openSocket();
    const waitMs = this.options.connectWaitMs ?? 30_000;
    if (!Number.isFinite(waitMs)) return opened;
    let timer: NodeJS.Timeout | undefined;
    const stillTrying = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.log.warn(`whatsapp: not connected after ${waitMs} ms; still trying in the background`);
        resolve();
      }, waitMs);
    });
    try {
      await Promise.race([opened, stillTrying]);
    } finally {
      clearTimeout(timer);
    }
  }

  async send(chat: string, message: OutboundMessage): Promise<SentMessage> {
    const socket = this.requireSocket(chat);
    const quoted = message.replyTo ? this.quotable(chat, message.replyTo) : undefined;
    let first: string | undefined;
    for (const text of splitMessage(renderMarkdown(message.text, 'whatsapp'), WHATSAPP_MESSAGE_LIMIT)) {
      // Only the first chunk quotes the message replied to; the rest follow it.
      const id = this.remember(
        await socket.sendMessage(chat, textContent(text), quoted && !first ? { quoted } : undefined),
      );
      first ??= id;
    }
    for (const path of message.files ?? []) {
      const id = this.remember(await socket.sendMessage(chat, fileContent(path, await readFile(path))));
      first ??= id;
    }
    if (!first) throw new Error(`whatsapp: nothing was sent to ${chat} (empty text and no files)`);
    return { platformId: first };
  }

  async notify(chat: string, notice: WorkNotice, _context: NoticeContext): Promise<void> {
    if (notice.kind === 'working') {
      // WhatsApp drops "typing…" after ~10 s; it is refreshed while the agent works.
      this.typing.start(chat, {
        send: () => this.requireSocket(chat).sendPresenceUpdate('composing', chat),
        intervalMs: this.options.limits?.typingRefreshMs ?? 8_000,
        maxMs: this.options.limits?.typingMaxMs ?? 15 * 60_000,
        onError: (err) =>
          this.log.debug({ chat, err: (err as Error).message }, 'whatsapp presence update failed'),
      });
    } else if (notice.kind === 'idle' || notice.kind === 'failed') {
      if (!this.typing.active(chat)) return;
      this.typing.stop(chat);
      await this.presence('paused', chat);
    }
    // 'progress': WhatsApp has no threads to stream into; the final answer is sent as usual.
  }

  async react(chat: string, platformMessageId: string, emoji: string, remove: boolean): Promise<void> {
    const socket = this.requireSocket(chat);
    const key = this.quotable(chat, platformMessageId).key;
    await socket.sendMessage(chat, { react: { text: remove ? '' : emoji, key } });
  }

  /** WhatsApp mentions are "@<number>" in the text; send() turns them into real mentions. */
  formatMention(jidOrNumber: string): string {
    return `@${jidOrNumber.split('@')[0]!.split(':')[0]}`;
  }

  async disconnect(): Promise<void> {
    this.stopped = true;
    this.held.stop();
    clearTimeout(this.reconnectTimer);
    this.typing.stopAll();
    this.closeSocket();
    this.firstOpen?.reject(new Error('whatsapp: disconnected before the connection opened'));
    this.firstOpen = undefined;
    await this.inboundChain;
    await this.credsSaving;
    if (this.current !== 'failed') this.setState('disconnected');
  }

  private openSocket(): void {
    const factory = this.options.socketFactory ?? defaultSocketFactory;
    const socket = factory({ auth: this.auth!.state, logger: this.options.logger });
    this.socket = socket;
    this.setState('connecting');
    const handler = (events: Record<string, unknown>): Promise<void> => this.onEvents(socket, events);
    if (socket.ev.process) {
      this.unsubscribe = socket.ev.process(handler);
    } else {
      const names = ['connection.update', 'creds.update', 'messages.upsert'] as const;
      const listeners = names.map(
        (name) => [name, (data: unknown) => void handler({ [name]: data })] as const,
      );
      for (const [name, listener] of listeners) socket.ev.on(name, listener);
      this.unsubscribe = () => listeners.forEach(([name, listener]) => socket.ev.off(name, listener));
    }
  }

  private async onEvents(socket: WhatsAppSocket, events: Record<string, unknown>): Promise<void> {
    if (socket !== this.socket) return;
    if (events['creds.update']) await this.saveCreds();
    const update = events['connection.update'] as
      { connection?: string; qr?: string; lastDisconnect?: { error?: unknown } } | undefined;
    if (update?.qr) await this.onQr(update.qr);
    if (update?.connection === 'open') this.onOpen(socket);
    if (update?.connection === 'close') this.onClose(closeStatusCode(update.lastDisconnect?.error));
    const upsert = events['messages.upsert'] as { messages?: WAMessage[]; type?: string } | undefined;
    if (upsert && Array.isArray(upsert.messages)) {
      for (const msg of upsert.messages) this.enqueue(socket, msg);
    }
  }

  /** Saves run one after another (never two writers on creds.json); disconnect() waits for them. */
  private saveCreds(): Promise<void> {
    this.credsSaving = this.credsSaving
      .then(() => this.auth?.saveCreds())
      .catch((err: unknown) =>
        this.log.error(
          { err: (err as Error).message, dir: this.options.authDir },
          'whatsapp: saving credentials failed',
        ),
      );
    return this.credsSaving;
  }

  private async onQr(qr: string): Promise<void> {
    if (!this.options.allowPairing) {
      this.fail(
        'WhatsApp is not paired (or the pairing was lost); run `omniclaw channels add whatsapp` to pair',
      );
      return;
    }
    this.setState('connecting', 'waiting for the QR code to be scanned');
    await (this.options.onQr ?? printQr)(qr);
  }

  private onOpen(socket: WhatsAppSocket): void {
    this.attempt = 0;
    this.setState('connected');
    this.log.info(
      { user: socket.user?.id ? jidNormalizedUser(socket.user.id) : undefined },
      'whatsapp connected',
    );
    this.firstOpen?.resolve();
    this.firstOpen = undefined;
  }

  private onClose(statusCode: number | undefined): void {
    this.closeSocket();
    if (this.stopped) return;
    const decision = decideOnClose(statusCode);
    if (decision.action === 'stop') return this.fail(decision.why);
    const backoff = { ...DEFAULT_BACKOFF, ...this.options.backoff };
    const delay = decision.immediate
      ? 0
      : backoffDelay(++this.attempt, {
          baseMs: backoff.initialMs,
          maxMs: backoff.maxMs,
          factor: backoff.factor,
          jitter: 0.2,
        });
    this.log.warn({ code: statusCode, delayMs: delay }, `whatsapp: ${decision.why}; reconnecting`);
    this.setState('connecting', `${decision.why}; reconnecting in ${delay} ms`);
    this.reconnectTimer = setTimeout(() => {
      if (!this.stopped) this.openSocket();
    }, delay);
  }

  private fail(why: string): void {
    this.stopped = true;
    this.closeSocket();
    this.log.error(`whatsapp: ${why}`);
    this.setState('failed', why);
    this.firstOpen?.reject(new Error(`whatsapp: ${why}`));
    this.firstOpen = undefined;
  }

  private closeSocket(): void {
    const socket = this.socket;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.socket = undefined;
    try {
      socket?.end(undefined);
    } catch {
      // Already closed.
    }
  }

  private enqueue(socket: WhatsAppSocket, msg: WAMessage): void {
    this.inboundChain = this.inboundChain
      .then(() => this.handleMessage(socket, msg))
      .catch((err: unknown) =>
        this.log.error({ err: (err as Error).message }, 'whatsapp inbound message dropped'),
      );
  }

  private async handleMessage(socket: WhatsAppSocket, msg: WAMessage): Promise<void> {
    if (!this.sink || (msg.key?.id && this.sentIds.has(msg.key.id))) return;
    const decision = await normaliseWhatsAppMessage(
      msg,
      this.identity(socket),
      async (lid) => (await socket.signalRepository?.lidMapping?.getPNForLID(lid)) ?? undefined,
      this.options.limits?.maxInboundText,
    );
    if (decision.kind === 'ignore') {
      this.log.trace({ reason: decision.reason }, 'whatsapp message ignored');
      return;
    }
    const { message, media } = decision;
    this.rememberInbound(message.chat, msg);
    if (media) await this.attachMedia(socket, msg, media, message);
    this.held.offer(message);
  }

  private store(message: InboundMessage): void {
    if (!this.sink) return;
    // An unrouted chat is logged once by the intake, not here.
    this.sink.inbound(message);
  }

  private async attachMedia(
    socket: WhatsAppSocket,
    msg: WAMessage,
    media: MediaInfo,
    message: { chat: string; platformId: string; text: string; attachments?: unknown[] },
  ): Promise<void> {
    const inbox = this.options.inboxFor(message.chat);
    if (!inbox) return;
    const label = `WhatsApp ${media.kind} in message ${message.platformId}`;
    const download = this.options.mediaDownloader ?? mediaDownloaderWith(this.log);
    const name = media.name ?? `${media.kind}-${message.platformId}${extensionFor(media.mime)}`;
    try {
      const attachment = await downloadToInbox({
        inbox,
        name,
        url: 'whatsapp-media:',
        label,
        announcedSize: media.size,
        mime: media.mime,
        limits: { maxBytes: this.options.limits?.maxFileBytes ?? 20 * 1024 * 1024 },
        fetch: async () => {
          const body = await download(msg, socket);
          return new Response(Buffer.isBuffer(body) ? body : (Readable.toWeb(body) as ReadableStream));
        },
      });
      (message as { attachments?: unknown[] }).attachments = [attachment];
    } catch (err) {
      this.log.warn({ chat: message.chat, err: (err as Error).message }, 'whatsapp media not downloaded');
      (message as { attachments?: unknown[] }).attachments = [notReceived(name, err, media.size)];
    }
  }

  private identity(socket: WhatsAppSocket): WhatsAppIdentity {
    const id = socket.user?.id;
    return {
      phoneJid: id ? jidNormalizedUser(id) : '',
      lidJid: socket.user?.lid ? jidNormalizedUser(socket.user.lid) : undefined,
    };
  }

  /** A message to quote or react to: the one we saw, or a key rebuilt from its id. */
  private quotable(chat: string, id: string): WAMessage {
    const seen = this.recent.get(`${chat}|${id}`);
    if (seen) return seen;
    const key: WAMessageKey = { remoteJid: chat, id, fromMe: this.sentIds.has(id) };
    return { key, message: { conversation: '' } } as WAMessage;
  }

  private rememberInbound(chat: string, msg: WAMessage): void {
    this.recent.set(`${chat}|${msg.key.id}`, msg);
    if (this.recent.size > RECENT_LIMIT) this.recent.delete(this.recent.keys().next().value as string);
  }

  /** Our sent ids, so their echoes (from this or another device) are never taken as input. */
  private remember(sent: WAMessage | undefined): string | undefined {
    const id = sent?.key?.id ?? undefined;
    if (!id) return undefined;
    this.sentIds.add(id);
    if (this.sentIds.size > RECENT_LIMIT) this.sentIds.delete(this.sentIds.values().next().value as string);
    return id;
  }

  private async presence(type: 'composing' | 'paused', chat: string): Promise<void> {
    try {
      await this.socket?.sendPresenceUpdate(type, chat);
    } catch (err) {
      this.log.debug({ chat, err: (err as Error).message }, 'whatsapp presence update failed');
    }
  }

  private requireSocket(chat: string): WhatsAppSocket {
    if (!this.ownsChat(chat))
      throw new Error(`whatsapp: ${chat} is not a WhatsApp chat id (…@s.whatsapp.net or …@g.us)`);
    if (!this.socket || this.current !== 'connected') {
      throw new Error(`whatsapp: not connected (state ${this.current}); cannot send to ${chat}`);
    }
    return this.socket;
  }

  private setState(state: ChannelState, detail?: string): void {
    this.current = state;
    this.sink?.state(state, detail);
  }
}

export const createWhatsAppChannel = (options: WhatsAppChannelOptions): WhatsAppChannel =>
  new WhatsAppChannel(options);
