/**
 * Thread streaming on Telegram, which has no threads a bot can open on a message: one status
 * message per piece of work, replying to the message that started it and edited as progress
 * arrives, at most once per interval (Telegram limits edits). The final answer is sent as a
 * normal message by the core; the status message keeps the last progress shown.
 */
import { markdownToPlainText } from '../markdown.js';
import type { ProgressStream } from '../kit/progress.js';
import { TELEGRAM_MESSAGE_LIMIT as LIMIT, type TelegramOutbound } from './outbound.js';

/**
 * One piece of work's status message, for ProgressStreams: posted by the first batch (as plain
 * text, replying to `replyTo`, the message that started the work), edited by the rest.
 */
export function statusMessage(
  outbound: Pick<TelegramOutbound, 'postPlain' | 'editPlain'>,
  chat: string,
  replyTo: string | undefined,
): ProgressStream {
  let messageId: string | undefined;
  let shown = '';
  return async (batch) => {
    shown = tail([shown, ...batch.map(markdownToPlainText)].filter(Boolean).join('\n'));
    if (messageId) await outbound.editPlain(chat, messageId, shown);
    else messageId = await outbound.postPlain(chat, shown, replyTo);
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
