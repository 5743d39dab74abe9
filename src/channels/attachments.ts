/**
 * Attachments from chat apps land in the routed agent's received-files folder
 * ($OMNICLAW_HOME/inbox/<agent>/), which the host owns and the sandbox sees read-only at
 * /workspace/inbox. It used to be inside the agent's own folder, where a racing agent could
 * swap it for a symlink between the host's check and its write (docs/security.md). Everything
 * about a file is hostile until proven otherwise: its name (`../../.ssh/id_rsa`, control
 * characters, 10 kB names, reserved names) and its size (a platform may lie or omit it).
 * This file makes names safe, enforces size limits while streaming, creates files
 * exclusively without following links, and says why a file did not arrive, so the agent
 * can tell the sender instead of never knowing it was sent.
 */
import { constants } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { extname, isAbsolute, join } from 'node:path';
import { ensureHostFolder, HOST_FILE_MODE } from '../sandbox/host-folder.js';
import type { Attachment } from '../domain/channel.js';
import { formatBytes } from '../domain/file-size.js';

/** Bytes, not characters: file systems limit names to 255 bytes; leave room for "-NN". */
const MAX_NAME_BYTES = 120;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;
// Control characters, bidi overrides (a "gpj.exe" trick) and zero-width characters.
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff<>:"|?*\\/]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A file name that is safe to create inside a folder: no separators, no "..", bounded length. */
export function safeFileName(name: string | undefined, fallback = 'file'): string {
  const lastPart = (name ?? '').split(/[/\\]/).pop() ?? '';
  let safe = lastPart.normalize('NFC').replace(LONE_SURROGATE, '_').replace(UNSAFE_CHARS, '_');
  // No hidden files, no "." or "..", no trailing dots or spaces (Windows drops them).
  safe = safe.replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  if (!safe || /^_+$/.test(safe)) safe = safeFileName(fallback, 'file');
  if (WINDOWS_RESERVED.test(safe)) safe = `_${safe}`;
  return truncateBytes(safe, MAX_NAME_BYTES);
}

/** Shortens the stem, keeping a short extension, without cutting a character in half. */
function truncateBytes(name: string, maxBytes: number): string {
  if (Buffer.byteLength(name) <= maxBytes) return name;
  const ext = extname(name);
  const keepExt = ext.length > 1 && Buffer.byteLength(ext) <= 16 ? ext : '';
  let stem = keepExt ? name.slice(0, -keepExt.length) : name;
  const budget = maxBytes - Buffer.byteLength(keepExt);
  const chars = [...stem];
  while (Buffer.byteLength(stem) > budget) {
    chars.pop();
    stem = chars.join('');
  }
  return stem + keepExt;
}

export interface AttachmentLimits {
  /** Largest file downloaded, in bytes. */
  maxBytes: number;
  /** A download that takes longer than this is abandoned. */
  timeoutMs: number;
}

export const DEFAULT_ATTACHMENT_LIMITS: AttachmentLimits = { maxBytes: 20 * 1024 * 1024, timeoutMs: 60_000 };

/** "512 bytes", "12 KB", "3.4 MB", "20 MB": sizes as the agent and the sender read them. */
type AttachmentFailure = 'too-large' | 'download-failed' | 'unsafe-folder';

export class AttachmentError extends Error {
  constructor(
    message: string,
    readonly reason: AttachmentFailure,
    /** What the agent is told about the file (short; no URL, no host path). */
    readonly note: string = NOTES[reason],
  ) {
    super(message);
    this.name = 'AttachmentError';
  }
}

const NOTES: Record<AttachmentFailure, string> = {
  'too-large': 'over the size limit',
  'download-failed': 'the download failed',
  'unsafe-folder': 'it could not be saved',
};

const tooLarge = (message: string, maxBytes: number): AttachmentError =>
  new AttachmentError(message, 'too-large', `over the ${formatBytes(maxBytes)} limit`);

/** Refuses a file the platform announces as too large, before anything is fetched. */
export function checkAnnouncedSize(label: string, size: number | undefined, maxBytes: number): void {
  if (size !== undefined && size > maxBytes) {
    throw tooLarge(
      `${label} is ${size} bytes, over the ${maxBytes}-byte attachment limit; not downloaded`,
      maxBytes,
    );
  }
}

/**
 * The record of a file that did not arrive: stored with the message, so the agent reads
 * "[file photo.jpg (12 MB) not received: over the 10 MB limit]" and can say so.
 */
export function notReceived(name: string | undefined, error: unknown, size?: number): Attachment {
  const note = error instanceof AttachmentError ? error.note : NOTES['download-failed'];
  return {
    name: safeFileName(name, 'attachment'),
    notReceived: note,
    ...(size !== undefined ? { size } : {}),
  };
}

export interface DownloadRequest {
  /**
   * Absolute folder to save into: the agent's received-files folder, which the host owns
   * ($OMNICLAW_HOME/inbox/<agent>/). Created if missing; refused if it is a symlink or
   * someone else's.
   */
  inbox: string;
  /** The name the platform gave; made safe here. */
  name: string | undefined;
  url: string;
  /**
   * How to describe the file in errors and logs. The URL is never used for that: Telegram
   * file URLs contain the bot token.
   */
  label: string;
  /** The size the platform announced, if any: refused before downloading if too large. */
  announcedSize?: number;
  mime?: string;
  limits?: Partial<AttachmentLimits>;
  fetch?: typeof fetch;
}

/**
 * Downloads a file into the inbox under a safe, unique name. The file is created with
 * O_EXCL|O_NOFOLLOW (a symlink or an existing file at that path is never written through)
 * and made 0644, so every sandbox uid can read it and only the host can change it.
 */
export async function downloadToInbox(request: DownloadRequest): Promise<Attachment> {
  const limits = { ...DEFAULT_ATTACHMENT_LIMITS, ...request.limits };
  const { label } = request;
  checkAnnouncedSize(label, request.announcedSize, limits.maxBytes);
  const folder = prepareInbox(request.inbox, label);
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let response: Response;
  try {
    response = await (request.fetch ?? fetch)(request.url, { signal, redirect: 'follow' });
  } catch (error) {
    throw new AttachmentError(`${label}: download failed (${describe(error)})`, 'download-failed');
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => undefined);
    throw new AttachmentError(`${label}: download failed with HTTP ${response.status}`, 'download-failed');
  }
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > limits.maxBytes) {
    await response.body.cancel().catch(() => undefined);
    throw tooLarge(`${label} is ${declared} bytes, over the ${limits.maxBytes}-byte limit`, limits.maxBytes);
  }
  const name = safeFileName(request.name, 'attachment');
  const { handle, file } = await createUnique(folder, name);
  const target = join(folder, file);
  let size = 0;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      // The platform's announced size is not trusted: the limit is enforced on the bytes.
      if (size > limits.maxBytes) {
        throw tooLarge(
          `${label} exceeded the ${limits.maxBytes}-byte limit while downloading`,
          limits.maxBytes,
        );
      }
      await handle.write(chunk);
    }
    await handle.close();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(target, { force: true });
    if (error instanceof AttachmentError) throw error;
    throw new AttachmentError(`${label}: download failed (${describe(error)})`, 'download-failed');
  }
  return { name, file, mime: request.mime, size };
}

/** The inbox must be the host's own plain folder, never a symlink or someone else's folder. */
function prepareInbox(inbox: string, label: string): string {
  if (!isAbsolute(inbox))
    throw new AttachmentError(`${label}: inbox folder must be absolute, got ${inbox}`, 'unsafe-folder');
  try {
    ensureHostFolder(inbox);
  } catch (error) {
    throw new AttachmentError(`${label}: ${(error as Error).message}`, 'unsafe-folder');
  }
  return inbox;
}

const MAX_SUFFIX = 1000;

async function createUnique(
  folder: string,
  name: string,
): Promise<{ handle: Awaited<ReturnType<typeof open>>; file: string }> {
  const ext = extname(name);
  const stem = ext ? name.slice(0, -ext.length) : name;
  for (let n = 0; n < MAX_SUFFIX; n++) {
    const candidate = n === 0 ? name : `${stem}-${n}${ext}`;
    try {
      const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
      const handle = await open(join(folder, candidate), flags, HOST_FILE_MODE);
      // The mode given to open is cut by the umask; the sandbox's uid must be able to read.
      await handle.chmod(HOST_FILE_MODE);
      return { handle, file: candidate };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new AttachmentError(
    `no free name for ${name} in ${folder} after ${MAX_SUFFIX} tries`,
    'unsafe-folder',
  );
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
  // Only codes and messages, never the request: it would carry the URL (and its token).
  return [error.name === 'TimeoutError' ? 'timed out' : error.message, cause?.code]
    .filter(Boolean)
    .join(', ');
}
