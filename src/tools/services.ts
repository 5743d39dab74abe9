/**
 * What the agent tools need from the rest of the host. The app implements this small
 * interface (outbox, channels, message store); tests pass a fake. Handlers never reach
 * past it, so every effect of a tool call is visible here.
 */
import type { AgentConfig, Route } from '../config/normalise.js';
import type { MessagePair } from './authorise.js';

export interface DeliveryRequest {
  chat: string;
  text: string;
  /** Platform id of the message to reply to, if any. */
  replyTo?: string;
  /** A role name the agent speaks as ("Researcher"); a channel may show it, or ignore it. */
  sender?: string;
  /** Agent id of the run that sends. */
  agent: string;
  runId: string;
}

/** A message the store knows, as far as reacting to it is concerned. */
export interface KnownMessage {
  chat: string;
  platformId: string;
}

export interface ToolServices {
  /**
   * The configured agents and routes. Read on every call (never cached by the tools), so an
   * object with getters over a reloadable config works.
   */
  readonly agents: readonly AgentConfig[];
  readonly routes: readonly Route[];
  /** Agent pairs config allows to message each other's chats (multiAgent.messages); none when absent. */
  readonly messagePairs?: readonly MessagePair[];

  /**
   * Sends through the persistent outbox. Resolves only once the platform accepted the
   * message; rejects with the platform's error (its message is shown to the agent, so it
   * must hold no secret). Never an optimistic "sent".
   */
  deliver(request: DeliveryRequest): Promise<{ platformId: string }>;

  /**
   * Sends a file from the agent's own folder through the outbox, like deliver(). Rejects
   * when the file is outside the folder, a link, or too big for the chat's platform.
   */
  sendFile(request: { chat: string; path: string; caption?: string; agent: string; runId: string }): Promise<{
    platformId: string;
  }>;

  /** Adds or removes a reaction; rejects when the channel cannot react or the platform refuses. */
  react(request: {
    chat: string;
    platformId: string;
    emoji: string;
    remove: boolean;
    agent: string;
    runId: string;
  }): Promise<void>;

  /** The platform's mention syntax for a person in this chat (e.g. `<@123>` on Discord, `@name` elsewhere). */
  formatMention(chat: string, userName: string): string;

  /**
   * Finds a message of `chat` by its platform id (or, when the id is all digits, the
   * store's row id). Only messages of that chat: undefined otherwise.
   */
  findMessage(chat: string, messageId: string): KnownMessage | undefined | Promise<KnownMessage | undefined>;
}
