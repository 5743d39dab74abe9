/**
 * A stand-in for the baileys socket: the WhatsApp protocol cannot be faked on a server, so
 * the adapter gets an object whose `ev` is baileys' own event buffer (makeEventBuffer; a
 * test emits `messages.upsert`, `connection.update` … on it) and whose send calls are
 * recorded, each with the message id it returned.
 */
import { makeEventBuffer, type AnyMessageContent, type WAMessage } from 'baileys';
import type { WhatsAppSocket } from '../../src/channels/whatsapp/index.js';
import { silentLogger } from '../../src/observability/logger.js';

export interface FakeSocket extends WhatsAppSocket {
  sent: { jid: string; content: AnyMessageContent; options?: { quoted?: WAMessage }; id: string }[];
  presence: { type: string; jid?: string }[];
  ended: boolean;
  emit(event: string, data: unknown): void;
}

export function fakeSocket(lidMap: Record<string, string> = {}): FakeSocket {
  const ev = makeEventBuffer(silentLogger() as never);
  let sentCount = 0;
  const socket: FakeSocket = {
    ev,
    user: { id: '15550001111:7@s.whatsapp.net', lid: '99887766:7@lid' },
    sent: [],
    presence: [],
    ended: false,
    async sendMessage(jid, content, options) {
      const id = `SENT${++sentCount}`;
      socket.sent.push({ jid, content, options, id });
      return { key: { remoteJid: jid, id, fromMe: true } } as WAMessage;
    },
    async sendPresenceUpdate(type, jid) {
      socket.presence.push({ type, jid });
    },
    end() {
      socket.ended = true;
    },
    signalRepository: {
      lidMapping: { getPNForLID: async (lid) => lidMap[lid.split('@')[0]!.split(':')[0]!] ?? null },
    },
    emit(event, data) {
      (ev.emit as (e: string, d: unknown) => boolean)(event, data);
    },
  };
  return socket;
}
