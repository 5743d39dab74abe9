/**
 * Received files, the same way on every platform: each file fetched through the platform's
 * own `fetchFile` (Telegram asks getFile for a path, WhatsApp decrypts media, Slack adds its
 * token) and saved by attachments.ts, which refuses it before fetching when the platform
 * announces it too large; recorded as not received, with why, when anything fails, so the
 * agent can tell the sender. One file failing never drops the message.
 */
import type { Logger } from '../../observability/logger.js';
import type { Attachment } from '../../domain/channel.js';
import {
  AttachmentError,
  downloadToInbox,
  notReceived,
  type AttachmentLimits,
  type FileSource,
  type PlatformFile,
} from '../attachments.js';
import { describeError } from './errors.js';

export type { FileSource, PlatformFile };

export type FetchFile<F extends PlatformFile> = (file: F) => Promise<FileSource>;

/** How a channel receives files; its intake options (IntakeOptions) carry these. */
export interface FileOptions {
  /** The platform's name in labels and logs ("Telegram"). */
  platform: string;
  logger: Logger;
  attachmentLimits?: Partial<AttachmentLimits>;
  /** Files past this many on one message are recorded as not received. */
  maxFilesPerMessage?: number;
  /** Error text for logs; the default strips URLs (a Telegram file URL carries the token). */
  describe?: (error: unknown) => string;
}

/** The files on one message in `chat`, saved into `inbox`: one attachment for each, received or not. */
export async function receiveFiles<F extends PlatformFile>(
  files: F[],
  fetchFile: FetchFile<F>,
  { chat, inbox, ...options }: FileOptions & { chat: string; inbox: string },
): Promise<Attachment[]> {
  const attachments: Attachment[] = [];
  for (const [index, file] of files.entries()) {
    const label = `${options.platform} file ${file.name} in ${chat}`;
    try {
      if (index >= (options.maxFilesPerMessage ?? Infinity)) {
        const limit = `more than ${options.maxFilesPerMessage} files in one message`;
        throw new AttachmentError(limit, 'too-large', limit);
      }
      const limits = options.attachmentLimits;
      attachments.push(await downloadToInbox({ file, locate: () => fetchFile(file), inbox, label, limits }));
    } catch (error) {
      options.logger.warn(
        { chat, file: file.name, err: (options.describe ?? describeError)(error) },
        `${options.platform} attachment not downloaded`,
      );
      attachments.push(notReceived(file.name, error, file.size));
    }
  }
  return attachments;
}
