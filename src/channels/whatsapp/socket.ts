/**
 * The baileys socket as the WhatsApp channel sees it: the few methods it uses, the factory
 * that makes the real one, and media download. Tests pass their own factory whose socket
 * carries baileys' real event buffer.
 */
import type { Readable } from 'node:stream';
import {
  makeWASocket,
  downloadMediaMessage,
  type AnyMessageContent,
  type AuthenticationState,
  type WAMessage,
  type WASocket,
} from 'baileys';
import type { Logger } from '../../observability/logger.js';

/** The part of baileys' WASocket this adapter uses; tests pass an object with a real event buffer. */
export interface WhatsAppSocket {
  /** baileys' event buffer (makeEventBuffer): the real socket's, or a test's own. */
  ev: WASocket['ev'];
  user?: { id: string; lid?: string } | undefined;
  sendMessage(
    jid: string,
    content: AnyMessageContent,
    options?: { quoted?: WAMessage },
  ): Promise<WAMessage | undefined>;
  sendPresenceUpdate(type: 'composing' | 'paused' | 'available' | 'unavailable', jid?: string): Promise<void>;
  end(error: Error | undefined): void | Promise<void>;
  signalRepository?: { lidMapping?: { getPNForLID(lid: string): Promise<string | null> } };
  updateMediaMessage?: (message: WAMessage) => Promise<WAMessage>;
}

export type WhatsAppSocketFactory = (args: { auth: AuthenticationState; logger: Logger }) => WhatsAppSocket;
export type MediaDownloader = (message: WAMessage, socket: WhatsAppSocket) => Promise<Buffer | Readable>;

/** The real socket. Baileys is chatty: its logs go to our logger at warn and above. */
export const defaultSocketFactory: WhatsAppSocketFactory = ({ auth, logger }) =>
  makeWASocket({
    auth,
    logger: logger.child({ lib: 'baileys' }, { level: 'warn' }) as never,
    printQRInTerminal: false,
    markOnlineOnConnect: false,
    syncFullHistory: false,
  });

/** baileys' download; an expired media URL is refreshed through the phone (reupload request). */
export const mediaDownloaderWith =
  (logger: Logger): MediaDownloader =>
  async (message, socket) =>
    downloadMediaMessage(
      message,
      'stream',
      {},
      {
        logger: logger as never,
        reuploadRequest: socket.updateMediaMessage ?? (async (m: WAMessage) => m),
      },
    );
