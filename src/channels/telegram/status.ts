/**
 * Thread streaming on Telegram, which has no threads a bot can open on a message: one status
 * message per piece of work, replying to the message that started it and edited as progress
 * arrives, at most once per interval (Telegram limits edits). The final answer is sent as a
 * normal message by the core; the status message keeps the last progress shown.
 */
import type { Logger } from '../../observability/logger.js';
import { markdownToPlainText } from '../markdown.js';
import { describe } from './polling.js';
import { ProgressThrottle } from '../work-feedback.js';

const LIMIT = 4096;

export interface StatusMessageOptions {
  intervalMs: number;
  logger: Logger;
  /** Posts the status message; returns its id. */
  post: (chat: string, text: string, replyTo: string | undefined) => Promise<string>;
  edit: (chat: string, messageId: string, text: string) => Promise<void>;
}

interface Status {
  messageId?: string;
  text: string;
  throttle: ProgressThrottle;
}

export class TelegramStatusMessages {
  private readonly statuses = new Map<string, Status>();

  constructor(private readonly options: StatusMessageOptions) {}

  push(key: string, chat: string, progress: string, replyTo: string | undefined): void {
    let status = this.statuses.get(key);
    if (!status) {
      const created: Status = {
        text: '',
        throttle: new ProgressThrottle(
          async (batch) => {
            created.text = tail([created.text, ...batch.map(markdownToPlainText)].filter(Boolean).join('\n'));
            if (created.messageId) await this.options.edit(chat, created.messageId, created.text);
            else created.messageId = await this.options.post(chat, created.text, replyTo);
          },
          this.options.intervalMs,
          (error) =>
            this.options.logger.warn({ chat, err: describe(error) }, 'Telegram status message not updated'),
        ),
      };
      status = created;
      this.statuses.set(key, status);
    }
    status.throttle.push(progress);
  }

  /** Delivers the last progress and forgets the status message. */
  async close(key: string): Promise<void> {
    const status = this.statuses.get(key);
    if (!status) return;
    this.statuses.delete(key);
    await status.throttle.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.statuses.keys()].map((key) => this.close(key)));
  }
}

/** The newest progress that fits in one message. */
function tail(text: string): string {
  if (text.length <= LIMIT) return text;
  let start = text.length - (LIMIT - 2);
  const code = text.charCodeAt(start);
  if (code >= 0xdc00 && code <= 0xdfff) start++;
  return `…\n${text.slice(start)}`;
}
