/**
 * send_message, send_file, react_to_message and format_mention. Each resolves only with the platform's
 * real answer: the agent sees "sent" when the platform accepted the message, or the error.
 */
import { chatAccess, pairedChat } from './authorise.js';
import { RateWindow } from './rate-window.js';
import { defineAgentTool, errorText } from './define-tool.js';
import type { ToolServices } from './services.js';
import { ToolError, type ToolContext, type ToolHandler } from './types.js';

function requireAccess(tool: string, chat: string, context: ToolContext, services: ToolServices): void {
  const access = chatAccess(context.agent, chat, context.chat, services.routes);
  if (!access.allowed) throw new ToolError(`${tool}: ${access.reason}`);
}

/** Messages one agent may send into the chats of the agents config pairs it with, per hour. */
export const PAIRED_MESSAGES_PER_HOUR = 30;

export function messagingTools(services: ToolServices, now?: () => number): ToolHandler[] {
  const paired = new RateWindow(PAIRED_MESSAGES_PER_HOUR, 3600_000, now);
  const sendMessage = defineAgentTool('send_message', async (args, context) => {
    const chat = args.target_jid ?? context.chat;
    const own = chatAccess(context.agent, chat, context.chat, services.routes);
    // Another agent's chat, where config pairs the two (multiAgent.messages). The message is
    // the bot's own, so it wakes nobody there; the rate keeps a loop from flooding the chat.
    const to = own.allowed
      ? undefined
      : pairedChat(context.agent, chat, services.routes, services.messagePairs ?? []);
    if (!own.allowed && to === undefined) throw new ToolError(`send_message: ${own.reason}`);
    if (to !== undefined && !paired.take(context.agent.id))
      throw new ToolError(
        `send_message: not sent: at most ${PAIRED_MESSAGES_PER_HOUR} messages an hour go to other agents' chats; wait before sending more`,
      );
    let sent: { platformId: string };
    try {
      sent = await services.deliver({
        chat,
        text: args.text,
        sender: args.sender,
        agent: context.agent.id,
        runId: context.runId,
      });
    } catch (error) {
      throw new ToolError(`send_message to ${chat} failed: ${errorText(error)}`);
    }
    return `Sent to ${chat} (message id ${sent.platformId}).`;
  });

  const sendFile = defineAgentTool('send_file', async (args, context) => {
    const chat = args.target_jid ?? context.chat;
    requireAccess('send_file', chat, context, services);
    let sent: { platformId: string };
    try {
      sent = await services.sendFile({
        chat,
        path: args.path,
        caption: args.caption,
        agent: context.agent.id,
        runId: context.runId,
      });
    } catch (error) {
      throw new ToolError(`send_file ${args.path} to ${chat} failed: ${errorText(error)}`);
    }
    return `Sent ${args.path} to ${chat} (message id ${sent.platformId}).`;
  });

  const reactToMessage = defineAgentTool('react_to_message', async (args, context) => {
    const chat = args.target_jid ?? context.chat;
    requireAccess('react_to_message', chat, context, services);
    const found = await services.findMessage(chat, args.message_id);
    // The store answers for one chat only; checking again costs nothing and keeps a
    // store bug from letting an agent react in a chat it was never given.
    if (!found || found.chat !== chat) {
      throw new ToolError(
        `react_to_message: no message "${args.message_id}" in chat ${chat}; use the id shown with the message`,
      );
    }
    const remove = args.remove ?? false;
    try {
      await services.react({
        chat,
        platformId: found.platformId,
        emoji: args.emoji,
        remove,
        agent: context.agent.id,
        runId: context.runId,
      });
    } catch (error) {
      throw new ToolError(`react_to_message on ${args.message_id} in ${chat} failed: ${errorText(error)}`);
    }
    return remove
      ? `Removed the ${args.emoji} reaction from message ${args.message_id}.`
      : `Reacted with ${args.emoji} to message ${args.message_id}.`;
  });

  const formatMention = defineAgentTool('format_mention', async (args, context) => {
    try {
      return services.formatMention(context.chat, args.user_name);
    } catch (error) {
      throw new ToolError(`format_mention for "${args.user_name}" failed: ${errorText(error)}`);
    }
  });

  return [sendMessage, sendFile, reactToMessage, formatMention];
}
