/**
 * Thread streaming on Telegram, which has no threads a bot can open on a message: one status
 * message per piece of work, replying to the message that started it and edited as progress
 * arrives, at most once per interval (Telegram limits edits). The final answer is sent as a
 * normal message by the core; the status message keeps the last progress shown.
 */
import type { Logger } from '../../observability/logger.js';
import { markdownToPlainText } from '../markdown.js';
import { describe } from './polling.js';
import type { ProgressStream } from '../kit/progress.js';
import { TELEGRAM_MESSAGE_LIMIT as LIMIT, type TelegramOutbound } from './outbound.js';

export interface StatusMessageOptions {
  chat: string;
  /** The message that started the work: the status message replies to it. */
  replyTo: string | undefined;
  logger: Logger;
  /** Posts the status message as plain text, then edits it. */
  outbound: Pick<TelegramOutbound, 'postPlain' | 'editPlain'>;
}

/** One piece of work's status message, for ProgressStreams: posted by the first batch, edited by the rest. */
export function statusMessage(options: StatusMessageOptions): ProgressStream {
  const { chat, replyTo } = options;
  let messageId: string | undefined;
  let shown = '';
  return {
    deliver: async (batch) => {
      shown = tail([shown, ...batch.map(markdownToPlainText)].filter(Boolean).join('\n'));
      if (messageId) await options.outbound.editPlain(chat, messageId, shown);
      else messageId = await options.outbound.postPlain(chat, shown, replyTo);
    },
    onError: (error) =>
      options.logger.warn({ chat, err: describe(error) }, 'Telegram status message not updated'),
  };
}

/** The newest progress that fits in one message. */
function tail(text: string): string {
  if (text.length <= LIMIT) return text;
  let start = text.length - (LIMIT - 2);
  const code = text.charCodeAt(start);
  if (code >= 0xdc00 && code <= 0xdfff) start++;
  return `…\n${text.slice(start)}`;
}
