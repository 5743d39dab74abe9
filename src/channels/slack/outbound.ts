/**
 * What the bot says in Slack, through the Web API: replies rendered to mrkdwn and split at
 * ~4000 characters (the kit's sendInParts), files by the files v2 upload flow, edits and
 * streamed replies by chat.update, reactions by name. 429s are waited out (Retry-After) by
 * the WebClient. Slack parses mrkdwn in every post by default, so a streamed preview and a
 * rendered part go out the same way.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { WebClient } from '@slack/web-api';
import type { OutboundMessage, SentMessage } from '../../domain/channel.js';
import { renderMarkdown } from '../markdown.js';
import { splitMessage } from '../split-message.js';
import { sendInParts } from '../kit/outbound.js';
import { SLACK_CHAT_PREFIX } from './inbound.js';

/** Slack truncates a message's text past 40,000 characters and advises staying under 4,000. */
export const SLACK_MESSAGE_LIMIT = 4000;

export class SlackOutbound {
  /** `client` is the connected WebClient; it throws naming the chat when Slack is not connected. */
  constructor(private readonly client: (chat: string) => WebClient) {}

  /** A reply in the thread asked for; a streamed reply's preview becomes its first part (chat.update). */
  async send(chat: string, message: OutboundMessage): Promise<SentMessage> {
    const channel = slackChannelId(chat);
    const thread = message.thread ? { thread_ts: message.thread } : {};
    return sendInParts(chat, message, {
      platform: 'Slack',
      limit: SLACK_MESSAGE_LIMIT,
      dialect: 'slack',
      sendText: (text) => this.post(chat, text, message.thread),
      editText: async (ts, text) => {
        await this.update(chat, ts, text);
        return ts;
      },
      sendFile: async (path) => {
        const file = { file: await readFile(path), filename: basename(path) };
        const upload = await this.client(chat).filesUploadV2({ ...file, channel_id: channel, ...thread });
        return upload.files?.[0]?.files?.[0]?.id;
      },
    });
  }

  /** Replaces the text of a message the bot posted with the first part of `text`, rendered. */
  async edit(chat: string, ts: string, text: string): Promise<void> {
    const [first] = splitMessage(renderMarkdown(text, 'slack'), SLACK_MESSAGE_LIMIT);
    await this.update(chat, ts, first ?? '');
  }

  /** Posts text as it is (in a thread, when given); returns its ts. */
  async post(chat: string, text: string, thread: string | undefined): Promise<string> {
    const channel = slackChannelId(chat);
    const result = await this.client(chat).chat.postMessage({ channel, text, thread_ts: thread });
    if (!result.ts) throw new Error(`slack: chat.postMessage to ${chat} returned no ts`);
    return result.ts;
  }

  async update(chat: string, ts: string, text: string): Promise<void> {
    await this.client(chat).chat.update({ channel: slackChannelId(chat), ts, text });
  }

  /** Adds or removes the named reaction; reacting twice (or removing what is gone) is not worth failing a run over. */
  async react(chat: string, ts: string, name: string, remove: boolean): Promise<void> {
    const client = this.client(chat);
    const args = { channel: slackChannelId(chat), timestamp: ts, name };
    try {
      if (remove) await client.reactions.remove(args);
      else await client.reactions.add(args);
    } catch (err) {
      const code = (err as { data?: { error?: string } }).data?.error;
      if (code !== 'already_reacted' && code !== 'no_reaction') throw err;
    }
  }
}

/** The Slack channel id inside `slack:<channel id>`. */
export function slackChannelId(chat: string): string {
  if (!chat.startsWith(SLACK_CHAT_PREFIX))
    throw new Error(`slack: ${chat} is not a Slack chat id (expected slack:<channel id>)`);
  return chat.slice(SLACK_CHAT_PREFIX.length);
}
