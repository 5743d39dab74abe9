/**
 * Downloads Slack files (url_private) into an agent's inbox through the shared attachment
 * code (safe names, size limits, no symlinks). The bot token goes in the Authorization
 * header, so it is only ever sent to Slack's own file hosts (or the configured API host,
 * for self-hosted proxies and tests), and redirects are refused: an event pointing
 * url_private anywhere else gets nothing. URLs and headers are never logged.
 */
import { AttachmentError, downloadToInbox, notReceived } from '../attachments.js';
import type { Attachment } from '../../domain/channel.js';
import type { SlackFile } from './inbound.js';

export interface SlackDownloadOptions {
  botToken: string;
  /** Absolute inbox folder of the agent that owns the chat. */
  inbox: string;
  /** Hosts (host[:port]) the bot token may be sent to. */
  allowedHosts: Set<string>;
  maxFileBytes: number;
  maxFiles: number;
  fetch?: typeof fetch;
}

export interface DownloadOutcome {
  /** Every file of the message: received, or with why it was not (the agent is told). */
  attachments: Attachment[];
  /** The files not received, with the detail for the log. */
  skipped: { name: string; reason: string }[];
}

export async function downloadSlackFiles(
  files: SlackFile[],
  options: SlackDownloadOptions,
): Promise<DownloadOutcome> {
  const outcome: DownloadOutcome = { attachments: [], skipped: [] };
  const baseFetch = options.fetch ?? fetch;
  const authorisedFetch: typeof fetch = (url, init) =>
    baseFetch(url, {
      ...init,
      headers: { Authorization: `Bearer ${options.botToken}` },
      redirect: 'error',
    });
  for (const [index, file] of files.entries()) {
    const name = file.name ?? file.id ?? 'file';
    const skip = (error: AttachmentError): void => {
      outcome.skipped.push({ name, reason: error.message });
      outcome.attachments.push(notReceived(name, error, file.size));
    };
    if (index >= options.maxFiles) {
      const limit = `more than ${options.maxFiles} files in one message`;
      skip(new AttachmentError(limit, 'too-large', limit));
      continue;
    }
    const source = file.url_private_download ?? file.url_private;
    if (!source || !isAllowedUrl(source, options.allowedHosts)) {
      skip(new AttachmentError('file URL is missing or not on a Slack file host', 'download-failed'));
      continue;
    }
    try {
      const attachment = await downloadToInbox({
        inbox: options.inbox,
        name,
        url: source,
        label: `Slack file ${file.id ?? name}`,
        announcedSize: file.size,
        mime: file.mimetype,
        limits: { maxBytes: options.maxFileBytes },
        fetch: authorisedFetch,
      });
      outcome.attachments.push(attachment);
    } catch (err) {
      outcome.skipped.push({ name, reason: (err as Error).message });
      outcome.attachments.push(notReceived(name, err, file.size));
    }
  }
  return outcome;
}

/** https on the allowed host (plain http only on loopback, for local proxies and tests). */
export function isAllowedUrl(raw: string, allowedHosts: Set<string>): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  const isLoopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback)) return false;
  return allowedHosts.has(url.host);
}
