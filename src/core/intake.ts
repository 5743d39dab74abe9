/**
 * Inbound path: route, persist, then wake the agents a message triggers. Persisting comes
 * before any work, so a crash after this point loses nothing (recovery re-reads the store).
 */
import type { Logger } from 'pino';
import type { InboundMessage, InboundReaction, InboundResult } from '../domain/channel.js';
import type { Store } from '../store/index.js';
import type { AgentConfig } from '../config/normalise.js';
import { cleanInboundText } from '../domain/inbound-text.js';
import { routeMessage, type RoutingTable } from './router.js';
import { StorageUnavailableError } from '../domain/storage-fault.js';
import type { AttachmentInboxes } from './attachment-inbox.js';

export interface IntakeDeps {
  store: Store;
  table: RoutingTable;
  wake: (agent: AgentConfig, chat: string) => void;
  logger: Logger;
  counted?: (channel: string) => void;
  /** Told about a failed write; returns true for a storage fault (disk full, I/O error, read-only). */
  storageFault?: (error: unknown, what: string) => boolean;
  /** Gives the files of a message for several agents to each of them (attachment-inbox.ts). */
  attachments?: Pick<AttachmentInboxes, 'share'>;
  /**
   * Host commands the operator types in a chat (`approve <id>`): answered by the host before
   * routing, never stored or seen by an agent. Returns a result when it took the message.
   */
  intercept?: (message: InboundMessage) => InboundResult | undefined;
  /** A reaction someone added to a message (the host's approval requests take 👍 / 👎). */
  reacted?: (reaction: InboundReaction) => void;
}

export class Intake {
  private accepting = true;
  private readonly unknownChatsLogged = new Set<string>();

  constructor(private readonly deps: IntakeDeps) {}

  stop(): void {
    this.accepting = false;
  }

  /** Reactions are not stored or routed: only the host's own approval requests read them. */
  reaction(reaction: InboundReaction): void {
    this.deps.reacted?.(reaction);
  }

  receive(message: InboundMessage): InboundResult {
    const taken = this.deps.intercept?.(message);
    if (taken) return taken;
    const targets = routeMessage(message, this.deps.table);
    if (!targets.length) {
      if (!this.unknownChatsLogged.has(message.chat)) {
        this.unknownChatsLogged.add(message.chat);
        this.deps.logger.info(
          { chat: message.chat, channel: message.channel, sender: message.senderName },
          'message from a chat with no route dropped (add a route in omniclaw.yaml to answer it); logged once per chat',
        );
      }
      return { accepted: false, reason: `no agent is routed to chat ${message.chat}` };
    }
    const text = cleanInboundText(message.text);
    const shared =
      message.attachments?.length && targets.length > 1 && this.deps.attachments
        ? {
            attachments: this.deps.attachments.share(
              message.attachments,
              targets.map((t) => t.agent.id),
            ),
          }
        : {};
    let stored: { id: number; inserted: boolean };
    try {
      stored = this.deps.store.messages.insert({ ...message, text, ...shared });
    } catch (error) {
      // Not stored, so not acknowledged: the channel keeps the message and offers it again.
      if (this.deps.storageFault?.(error, 'storing an inbound message'))
        throw new StorageUnavailableError(`message ${message.platformId} in ${message.chat}`, error);
      throw error;
    }
    const { id, inserted } = stored;
    if (!inserted) return { accepted: false, reason: 'duplicate message', messageId: id };
    this.deps.counted?.(message.channel);
    // While shutting down the message is still kept (platforms do not resend what they
    // delivered); it is answered after the next start instead of now.
    const woken = this.accepting ? targets.filter((t) => t.triggered).map((t) => t.agent.id) : [];
    // Ids only, never the text (docs/channels.md, "Logs").
    this.deps.logger.info(
      { channel: message.channel, chat: message.chat, message: id, agents: woken },
      woken.length ? 'message accepted' : 'message stored (no agent triggered)',
    );
    if (!this.accepting) return { accepted: true, messageId: id };
    for (const target of targets) if (target.triggered) this.deps.wake(target.agent, message.chat);
    return { accepted: true, messageId: id };
  }
}
