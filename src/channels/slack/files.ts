/**
 * Where a Slack file's bytes are, for the kit's receiveFiles (kit/files.ts: size limits,
 * safe names, no symlinks, "not received" notes). The bot token goes in the Authorization
 * header, so it is only ever sent to Slack's own file hosts (or the configured API host,
 * for self-hosted proxies and tests), and redirects are refused: an event pointing
 * url_private anywhere else gets nothing. URLs and headers are never logged.
 */
import { AttachmentError } from '../attachments.js';
import type { FetchFile, PlatformFile } from '../kit/files.js';

/** A file on a Slack message, as the kit receives it: where it is, if Slack said. */
export type SlackInboundFile = PlatformFile & { url?: string };

/** Fetches with the bot token, from the allowed hosts only. */
export function slackFileSource(botToken: string, allowedHosts: Set<string>): FetchFile<SlackInboundFile> {
  const authorisedFetch: typeof fetch = (url, init) =>
    fetch(url, { ...init, headers: { Authorization: `Bearer ${botToken}` }, redirect: 'error' });
  return async (file) => {
    if (!file.url || !isAllowedUrl(file.url, allowedHosts))
      throw new AttachmentError('file URL is missing or not on a Slack file host', 'download-failed');
    return { url: file.url, fetch: authorisedFetch };
  };
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
