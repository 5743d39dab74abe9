/**
 * Delivers a host message (see domain/host-message.ts) to an agent: stored in the agent's
 * first chat like an inbound message — so it survives a crash and is answered once — and
 * the agent is woken through the queue. It counts as addressed to the agent (it triggers
 * even where the chat needs a trigger word), and the agent answers in that chat, where the
 * person running it sees both the request and the answer.
 */
import { randomUUID } from 'node:crypto';
import type { AgentConfig, Route } from '../config/normalise.js';
import { HOST_MESSAGE_PREFIX, type HostMessage } from '../domain/host-message.js';
import type { Store } from '../store/index.js';
import { chatsOfAgent } from '../tools/authorise.js';

export interface AgentMailDeps {
  store: Store;
  agents: () => readonly AgentConfig[];
  routes: () => readonly Route[];
  channelOf: (chat: string) => string | undefined;
  wake: (agent: AgentConfig, chat: string) => void;
  now?: () => number;
}

export class AgentMail {
  constructor(private readonly deps: AgentMailDeps) {}

  /**
   * Stores the message in `chat` (default the recipient's first chat) and wakes the agent:
   * a live run there takes it as its next message, otherwise a run starts. Returns the chat.
   */
  post(
    message: HostMessage,
    chat: string | undefined = this.firstChat(message.to),
  ): { chat: string; messageId: number } {
    const agent = this.deps.agents().find((a) => a.id === message.to);
    if (!agent) throw new Error(`there is no agent "${message.to}"`);
    if (chat === undefined) throw new Error(`agent "${agent.id}" has no chat to receive messages in`);
    const channel = this.deps.channelOf(chat);
    if (channel === undefined)
      throw new Error(`no channel is connected for chat ${chat} of agent "${agent.id}"`);
    const { id } = this.deps.store.messages.insert({
      channel,
      chat,
      platformId: `${HOST_MESSAGE_PREFIX}${randomUUID()}`,
      senderId: `agent:${message.from}`,
      senderName: `agent ${message.from}`,
      text: message.text,
      timestamp: (this.deps.now ?? Date.now)(),
      mentionsBot: true,
    });
    this.deps.wake(agent, chat);
    return { chat, messageId: id };
  }

  private firstChat(agent: string): string | undefined {
    return chatsOfAgent(agent, this.deps.routes())[0];
  }
}
