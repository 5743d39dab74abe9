/**
 * What the bot says in Slack, through the Web API: replies rendered to mrkdwn and split at
 * ~4000 characters, files by the files v2 upload flow, edits and streamed replies by
 * chat.update, reactions by name. 429s are waited out (Retry-After) by the WebClient.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { WebClient } from '@slack/web-api';
import type { OutboundMessage, ReplyPreview, SentMessage, StreamTarget } from '../../domain/channel.js';
import type { Logger } from '../../observability/logger.js';
import { renderMarkdown } from '../markdown.js';
import { ThrottledPreview } from '../reply-preview.js';
import { splitMessage } from '../split-message.js';
import { SLACK_CHAT_PREFIX } from './inbound.js';
import { slackReactionName } from './reactions.js';

/** Slack truncates a message's text past 40,000 characters and advises staying under 4,000. */
export const SLACK_MESSAGE_LIMIT = 4000;

export interface SlackOutboundOptions {
  /** The connected WebClient; throws naming the chat when Slack is not connected. */
  client(chat: string): WebClient;
  logger: Logger;
  /** Least time between two edits of a streamed reply. */
  streamEditIntervalMs?: number;
}

export class SlackOutbound {
  constructor(private readonly options: SlackOutboundOptions) {}

  async send(chat: string, message: OutboundMessage): Promise<SentMessage> {
    const client = this.options.client(chat);
    const channel = slackChannelId(chat);
    const chunks = render(message.text);
    let first: string | undefined;
    if (message.edit && chunks.length) {
      // A streamed reply: its preview becomes the first chunk (chat.update), the rest follows.
      await client.chat.update({ channel, ts: message.edit, text: chunks.shift()! });
      first = message.edit;
    }
    for (const text of chunks) {
      const result = await client.chat.postMessage({
        channel,
        text,
        thread_ts: message.thread,
        mrkdwn: true,
      });
      first ??= result.ts;
    }
    for (const path of message.files ?? []) {
      const file = { file: await readFile(path), filename: basename(path) };
      const upload = message.thread
        ? await client.filesUploadV2({ ...file, channel_id: channel, thread_ts: message.thread })
        : await client.filesUploadV2({ ...file, channel_id: channel });
      first ??= upload.files?.[0]?.files?.[0]?.id;
    }
    if (!first) throw new Error(`slack: nothing to send to ${chat} (empty text and no files)`);
    return { platformId: first };
  }

  /** Replaces the text of a message the bot posted (chat.update). */
  async edit(chat: string, ts: string, text: string): Promise<void> {
    const [first] = render(text);
    await this.options.client(chat).chat.update({ channel: slackChannelId(chat), ts, text: first ?? '' });
  }

  /** The reply as it is written, in the thread it answers; chat.update at most once per second (tier 3). */
  stream(chat: string, target: StreamTarget): ReplyPreview {
    const channel = slackChannelId(chat);
    return new ThrottledPreview({
      intervalMs: this.options.streamEditIntervalMs ?? 1_000,
      maxLength: SLACK_MESSAGE_LIMIT,
      post: async (text) => {
        const result = await this.options
          .client(chat)
          .chat.postMessage({ channel, text, thread_ts: target.thread });
        if (!result.ts) throw new Error(`slack: chat.postMessage to ${chat} returned no ts`);
        return result.ts;
      },
      edit: async (ts, text) => {
        await this.options.client(chat).chat.update({ channel, ts, text });
      },
      onError: (error) =>
        this.options.logger.warn(
          { chat, err: (error as Error).message },
          'slack reply preview stopped; the reply is still sent',
        ),
    });
  }

  async react(chat: string, ts: string, emoji: string, remove: boolean): Promise<void> {
    const client = this.options.client(chat);
    const args = { channel: slackChannelId(chat), timestamp: ts, name: slackReactionName(emoji) };
    try {
      if (remove) await client.reactions.remove(args);
      else await client.reactions.add(args);
    } catch (err) {
      const code = (err as { data?: { error?: string } }).data?.error;
      // Reacting twice (or removing what is gone) is not worth failing a run over.
      if (code === 'already_reacted' || code === 'no_reaction') return;
      throw new Error(`slack: reaction ${args.name} on ${chat}/${ts} failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
}

/** The Slack channel id inside `slack:<channel id>`. */
export function slackChannelId(chat: string): string {
  if (!chat.startsWith(SLACK_CHAT_PREFIX))
    throw new Error(`slack: ${chat} is not a Slack chat id (expected slack:<channel id>)`);
  return chat.slice(SLACK_CHAT_PREFIX.length);
}

const render = (text: string): string[] => splitMessage(renderMarkdown(text, 'slack'), SLACK_MESSAGE_LIMIT);
