/** The host's implementation of what agent tools need (src/tools/services.ts). */
import type { Route, AgentConfig } from '../config/normalise.js';
import type { Store } from '../store/index.js';
import type { MessagePair } from '../tools/authorise.js';
import type { DeliveryRequest, KnownMessage, ToolServices } from '../tools/services.js';
import type { ChannelDirectory } from '../domain/channel.js';
import type { Outbox } from './outbox.js';
import { join } from 'node:path';
import { stageAgentFile } from './agent-file.js';

export class HostToolServices implements ToolServices {
  constructor(
    private readonly deps: {
      table: { agents: AgentConfig[]; routes: Route[] };
      store: Store;
      outbox: Outbox;
      channels: ChannelDirectory;
      files: { agentFolder: (agentId: string) => string; stagingDir: string };
      messagePairs?: readonly MessagePair[];
    },
  ) {}

  get messagePairs(): readonly MessagePair[] {
    return this.deps.messagePairs ?? [];
  }

  get agents(): readonly AgentConfig[] {
    return this.deps.table.agents;
  }

  get routes(): readonly Route[] {
    return this.deps.table.routes;
  }

  deliver(request: DeliveryRequest): Promise<{ platformId: string }> {
    const channel = this.deps.channels.forChat(request.chat);
    if (!channel) return Promise.reject(new Error(`no channel is configured for chat ${request.chat}`));
    const text = request.sender ? `*${request.sender}*: ${request.text}` : request.text;
    return this.deps.outbox.deliver({
      channel: channel.name,
      chat: request.chat,
      text,
      replyTo: request.replyTo,
      agent: request.agent,
      runId: request.runId,
    });
  }

  async sendFile(request: {
    chat: string;
    path: string;
    caption?: string;
    agent: string;
    runId: string;
  }): Promise<{ platformId: string }> {
    const channel = this.deps.channels.forChat(request.chat);
    if (!channel) throw new Error(`no channel is configured for chat ${request.chat}`);
    if (!channel.capabilities.files) throw new Error(`the ${channel.name} channel cannot send files`);
    const staged = await stageAgentFile({
      agentRoot: this.deps.files.agentFolder(request.agent),
      path: request.path,
      stagingDir: join(this.deps.files.stagingDir, request.agent),
      maxBytes: channel.capabilities.maxFileBytes,
      platform: channel.name,
    });
    // Persisted with the staged copy before anything is sent: sent once, also across a crash.
    return this.deps.outbox.deliver({
      channel: channel.name,
      chat: request.chat,
      text: request.caption ?? '',
      files: [staged],
      agent: request.agent,
      runId: request.runId,
    });
  }

  async react(request: { chat: string; platformId: string; emoji: string; remove: boolean }): Promise<void> {
    const channel = this.deps.channels.forChat(request.chat);
    if (!channel?.react) throw new Error(`the ${channel?.name ?? 'unknown'} channel cannot add reactions`);
    await channel.react(request.chat, request.platformId, request.emoji, request.remove);
  }

  formatMention(chat: string, userName: string): string {
    const channel = this.deps.channels.forChat(chat);
    return channel?.formatMention?.(userName) ?? `@${userName}`;
  }

  findMessage(chat: string, messageId: string): KnownMessage | undefined {
    return this.deps.store.messages.find(chat, messageId);
  }
}
