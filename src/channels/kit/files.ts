/**
 * Received files, the same way on every platform: refused before fetching when the platform
 * announces them too large, fetched through the platform's own `fetchFile` (Telegram asks
 * getFile for a path, WhatsApp decrypts media, Slack adds its token), saved by
 * attachments.ts, and recorded as not received, with why, when anything fails, so the
 * agent can tell the sender. One file failing never drops the message.
 */
import type { Logger } from '../../observability/logger.js';
import type { Attachment } from '../../domain/channel.js';
import {
  AttachmentError,
  checkAnnouncedSize,
  DEFAULT_ATTACHMENT_LIMITS,
  downloadToInbox,
  notReceived,
  type AttachmentLimits,
} from '../attachments.js';
import { describeError } from './errors.js';

/** A file as the platform announced it on a message. */
export interface PlatformFile {
  name: string;
  size?: number;
  mime?: string;
}

/** Where the bytes are: a URL, and the fetch to use for it (with credentials, or no network at all). */
export interface FileSource {
  url: string;
  fetch?: typeof fetch;
  /** A size learnt while locating the file (Telegram's getFile), if the message had none. */
  size?: number;
}

export type FetchFile<F extends PlatformFile> = (file: F) => Promise<FileSource>;

export interface ReceiveOptions {
  /** The platform's name in labels and logs ("Telegram"). */
  platform: string;
  chat: string;
  inbox: string;
  logger: Logger;
  limits?: Partial<AttachmentLimits>;
  /** Files past this many on one message are recorded as not received. */
  maxFiles?: number;
  /** Error text for the log; the default strips URLs (a Telegram file URL carries the token). */
  describe?: (error: unknown) => string;
}

export async function receiveFiles<F extends PlatformFile>(
  files: F[],
  fetchFile: FetchFile<F>,
  options: ReceiveOptions,
): Promise<Attachment[]> {
  const limits = { ...DEFAULT_ATTACHMENT_LIMITS, ...options.limits };
  const attachments: Attachment[] = [];
  for (const [index, file] of files.entries()) {
    const label = `${options.platform} file ${file.name} in ${options.chat}`;
    try {
      if (index >= (options.maxFiles ?? Infinity)) {
        const limit = `more than ${options.maxFiles} files in one message`;
        throw new AttachmentError(limit, 'too-large', limit);
      }
      checkAnnouncedSize(label, file.size, limits.maxBytes);
      const source = await fetchFile(file);
      attachments.push(
        await downloadToInbox({
          inbox: options.inbox,
          name: file.name,
          url: source.url,
          fetch: source.fetch,
          label,
          announcedSize: source.size ?? file.size,
          mime: file.mime,
          limits,
        }),
      );
    } catch (error) {
      options.logger.warn(
        { chat: options.chat, file: file.name, err: (options.describe ?? describeError)(error) },
        `${options.platform} attachment not downloaded`,
      );
      attachments.push(notReceived(file.name, error, file.size));
    }
  }
  return attachments;
}
