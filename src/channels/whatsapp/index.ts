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
  type BaileysEventMap,
  type WAMessage,
  type WAMessageKey,
} from 'baileys';
import type { Logger } from '../../observability/logger.js';
import { backoffDelay, type Backoff } from '../../protocol/backoff.js';
import type {
  ChannelCapabilities,
  ChannelState,
  OutboundMessage,
  SentMessage,
} from '../../domain/channel.js';
import { KitChannel } from '../kit/channel.js';
import type { FileSource } from '../kit/files.js';
import { checkUpload, sendInParts } from '../kit/outbound.js';
import { Recent } from '../kit/recent.js';
import { normaliseWhatsAppMessage } from './inbound.js';
import { closeStatusCode, decideOnClose, RECONNECT_BACKOFF } from './reconnect.js';
import { printQr } from './qr.js';
import {
  defaultSocketFactory,
  mediaDownloaderWith,
  type MediaDownloader,
  type WhatsAppSocket,
  type WhatsAppSocketFactory,
} from './socket.js';
import { fileContent, sendFailure, textContent } from './outbound.js';
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
  /** Reconnect waits; RECONNECT_BACKOFF by default. */
  backoff?: Partial<Backoff>;
  socketFactory?: WhatsAppSocketFactory;
  mediaDownloader?: MediaDownloader;
}

export const WHATSAPP_MESSAGE_LIMIT = 4000;
const RECENT_LIMIT = 500;

export class WhatsAppChannel extends KitChannel {
  readonly name = 'whatsapp';
  readonly capabilities: ChannelCapabilities = {
    maxMessageLength: WHATSAPP_MESSAGE_LIMIT,
    files: true,
    maxFileBytes: 100 * 1024 * 1024, // document limit
  };
  /** The live socket; undefined while closed or waiting to reconnect. Others' events are ignored. */
  private socket: WhatsAppSocket | undefined;
  private auth: { state: AuthenticationState; saveCreds: () => Promise<void> } | undefined;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** Ends the connect() still waiting for the first open: resolved, or with why it can never open. */
  private settleFirstOpen: ((error?: Error) => void) | undefined;
  /** Our sent ids, so their echoes (from this or another device) are never taken as input. */
  private readonly sentIds = new Recent(RECENT_LIMIT);
  /** Recent inbound messages, to quote or react to. */
  private readonly recent = new Recent<WAMessage>(RECENT_LIMIT);
  private credsSaving: Promise<void> = Promise.resolve();

  constructor(private readonly options: WhatsAppChannelOptions) {
    super({
      platform: 'WhatsApp',
      owns: WHATSAPP_JID,
      logger: options.logger.child({ channel: 'whatsapp' }),
      inboxFor: options.inboxFor,
      attachmentLimits: { maxBytes: options.limits?.maxFileBytes ?? 20 * 1024 * 1024 },
      // WhatsApp hands each message over once: held while the database is down, redeliveries dropped.
      holdWhileStorageDown: true,
      dedupe: RECENT_LIMIT,
      // WhatsApp drops "typing…" after ~10 s; it is refreshed while the agent works.
      typing: {
        intervalMs: options.limits?.typingRefreshMs ?? 8_000,
        maxMs: options.limits?.typingMaxMs ?? 15 * 60_000,
      },
    });
  }

  /** Resolves when the connection is open; rejects when it can never open (logged out, not paired). */
  protected async open(): Promise<void> {
    await mkdir(this.options.authDir, { recursive: true, mode: 0o700 });
    await chmod(this.options.authDir, 0o700);
    this.auth = await useMultiFileAuthState(this.options.authDir);
    const waitMs = this.options.connectWaitMs ?? 30_000;
    return new Promise<void>((resolve, reject) => {
      // Once connect() has returned on the timeout, a later failure is reported through state() only.
      const timer = Number.isFinite(waitMs)
        ? setTimeout(() => {
            this.logger.warn(`whatsapp: not connected after ${waitMs} ms; still trying in the background`);
            this.settleFirstOpen?.();
          }, waitMs)
        : undefined;
      this.settleFirstOpen = (error) => {
        clearTimeout(timer);
        this.settleFirstOpen = undefined;
        if (error) reject(error);
        else resolve();
      };
      // Opened once the first open can be settled: a socket that reports at once is not missed.
      this.openSocket();
    });
  }

  async send(chat: string, message: OutboundMessage): Promise<SentMessage> {
    const socket = this.requireSocket(chat);
    const quoted = message.replyTo ? this.quotable(chat, message.replyTo) : undefined;
    const parts = sendInParts(chat, message, {
      platform: 'whatsapp',
      limit: WHATSAPP_MESSAGE_LIMIT,
      dialect: 'whatsapp',
      // Only the first part quotes the message replied to; the rest follow it.
      sendText: async (part, replyTo) =>
        this.remember(await socket.sendMessage(chat, textContent(part), replyTo ? { quoted } : undefined)),
      sendFile: async (path) => {
        await checkUpload('whatsapp', chat, path, this.capabilities.maxFileBytes);
        return this.remember(await socket.sendMessage(chat, fileContent(path, await readFile(path))));
      },
    });
    return parts.catch((error: unknown) => {
      throw sendFailure(chat, error);
    });
  }

  /** Typing is "composing", refreshed by the kit while the work runs. No threads: progress is not shown. */
  protected override async sendTyping(chat: string): Promise<void> {
    await this.requireSocket(chat).sendPresenceUpdate('composing', chat);
  }

  /** When the work ends, "paused" takes "typing…" down at once rather than after WhatsApp's ~10 s. */
  protected override async workEnded(chat: string): Promise<void> {
    try {
      await this.socket?.sendPresenceUpdate('paused', chat);
    } catch (err) {
      this.logger.debug({ chat, err: this.describe(err) }, 'whatsapp presence update failed');
    }
  }

  async react(chat: string, platformMessageId: string, emoji: string, remove: boolean): Promise<void> {
    const socket = this.requireSocket(chat);
    const key = this.quotable(chat, platformMessageId).key;
    await this.reacting(chat, platformMessageId, emoji, remove, () =>
      socket.sendMessage(chat, { react: { text: remove ? '' : emoji, key } }),
    );
  }

  /** WhatsApp mentions are "@<number>" in the text; send() turns them into real mentions. */
  formatMention(jidOrNumber: string): string {
    return `@${jidOrNumber.split('@')[0]!.split(':')[0]}`;
  }

  protected async close(): Promise<void> {
    this.closeSocket();
    this.settleFirstOpen?.(new Error('whatsapp: disconnected before the connection opened'));
    await this.credsSaving;
  }

  private openSocket(): void {
    const factory = this.options.socketFactory ?? defaultSocketFactory;
    const socket = factory({ auth: this.auth!.state, logger: this.options.logger });
    this.socket = socket;
    this.setState('connecting');
    socket.ev.process((events) => this.onEvents(socket, events));
  }

  /**
   * One batch of baileys events. Those of a socket already closed or replaced are ignored (baileys'
   * end() still emits a close on it); that is asked again after each await, since a save or a QR
   * code can outlast a disconnect. Messages already in the batch are still taken.
   */
  private async onEvents(socket: WhatsAppSocket, events: Partial<BaileysEventMap>): Promise<void> {
    const live = (): boolean => socket === this.socket;
    if (!live()) return;
    if (events['creds.update']) await this.saveCreds();
    const update = events['connection.update'];
    if (update?.qr && live()) await this.onQr(update.qr);
    if (update?.connection === 'open' && live()) this.onOpen(socket);
    if (update?.connection === 'close' && live()) this.onClose(closeStatusCode(update.lastDisconnect?.error));
    const messages = events['messages.upsert']?.messages;
    if (Array.isArray(messages)) {
      for (const msg of messages) this.intake.queue(() => this.handleMessage(socket, msg));
    }
  }

  /** Saves run one after another (never two writers on creds.json); disconnect() waits for them. */
  private saveCreds(): Promise<void> {
    this.credsSaving = this.credsSaving
      .then(() => this.auth?.saveCreds())
      .catch((err: unknown) =>
        this.logger.error(
          { err: this.describe(err), dir: this.options.authDir },
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
    this.logger.info(
      { user: socket.user?.id ? jidNormalizedUser(socket.user.id) : undefined },
      'whatsapp connected',
    );
    this.settleFirstOpen?.();
  }

  private onClose(statusCode: number | undefined): void {
    this.closeSocket();
    const decision = decideOnClose(statusCode);
    if (decision.action === 'stop') return this.fail(decision.why);
    const delay = decision.immediate
      ? 0
      : backoffDelay(++this.attempt, { ...RECONNECT_BACKOFF, ...this.options.backoff });
    this.logger.warn({ code: statusCode, delayMs: delay }, `whatsapp: ${decision.why}; reconnecting`);
    this.setState('connecting', `${decision.why}; reconnecting in ${delay} ms`);
    this.reconnectTimer = setTimeout(() => this.openSocket(), delay);
  }

  private fail(why: string): void {
    this.closeSocket();
    this.logger.error(`whatsapp: ${why}`);
    this.setState('failed', why);
    this.settleFirstOpen?.(new Error(`whatsapp: ${why}`));
  }

  /** Stops the socket, or the reconnect waiting for its turn; the old socket's events are then ignored. */
  private closeSocket(): void {
    clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    this.socket = undefined;
    // baileys' end() is idempotent and async: a failure while closing leaves nothing to undo.
    Promise.resolve()
      .then(() => socket?.end(undefined))
      .catch((err: unknown) =>
        this.logger.debug({ err: this.describe(err) }, 'whatsapp: closing the socket failed'),
      );
  }

  private async handleMessage(socket: WhatsAppSocket, msg: WAMessage): Promise<void> {
    if (!this.intake.connected || (msg.key?.id && this.sentIds.has(msg.key.id))) return;
    const decision = await normaliseWhatsAppMessage(
      msg,
      socket.user ?? {},
      async (lid) => (await socket.signalRepository?.lidMapping?.getPNForLID(lid)) ?? undefined,
      this.options.limits?.maxInboundText,
    );
    if (decision.kind === 'ignore') {
      this.logger.trace({ reason: decision.reason }, 'whatsapp message ignored');
      return;
    }
    if (decision.kind === 'reaction') return this.intake.reaction(decision.reaction);
    const { message, file } = decision;
    this.recent.remember(`${message.chat}|${msg.key.id}`, msg);
    await this.intake.deliver(message, file ? [file] : [], () => this.mediaSource(socket, msg));
  }

  /** Media is downloaded and decrypted by baileys: no URL of ours is fetched. */
  private async mediaSource(socket: WhatsAppSocket, msg: WAMessage): Promise<FileSource> {
    const download = this.options.mediaDownloader ?? mediaDownloaderWith(this.logger);
    return {
      url: 'whatsapp-media:',
      fetch: async () => {
        const body = await download(msg, socket);
        return new Response(Buffer.isBuffer(body) ? body : (Readable.toWeb(body) as ReadableStream));
      },
    };
  }

  /** A message to quote or react to: the one we saw, or a key rebuilt from its id. */
  private quotable(chat: string, id: string): WAMessage {
    const seen = this.recent.get(`${chat}|${id}`);
    if (seen) return seen;
    const key: WAMessageKey = { remoteJid: chat, id, fromMe: this.sentIds.has(id) };
    return { key, message: { conversation: '' } } as WAMessage;
  }

  private remember(sent: WAMessage | undefined): string | undefined {
    const id = sent?.key?.id ?? undefined;
    if (id) this.sentIds.remember(id);
    return id;
  }

  private requireSocket(chat: string): WhatsAppSocket {
    if (!this.ownsChat(chat))
      throw new Error(`whatsapp: ${chat} is not a WhatsApp chat id (…@s.whatsapp.net or …@g.us)`);
    if (!this.socket || this.state() !== 'connected') {
      throw new Error(`whatsapp: not connected (state ${this.state()}); cannot send to ${chat}`);
    }
    return this.socket;
  }

  /** Logged out or replaced: 'failed' stays, with what to do, after the channel is stopped. */
  protected override setState(state: ChannelState, detail?: string): void {
    if (state !== 'disconnected' || this.state() !== 'failed') super.setState(state, detail);
  }
}

export const createWhatsAppChannel = (options: WhatsAppChannelOptions): WhatsAppChannel =>
  new WhatsAppChannel(options);
