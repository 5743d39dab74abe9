/**
 * Attachments from chat apps land in an agent's inbox/ folder, which the agent sees inside
 * its sandbox. Everything about them is hostile until proven otherwise: the file name
 * (`../../.ssh/id_rsa`, control characters, 10 kB names, reserved names), the size (a
 * platform may lie or omit it) and the folder (a symlink planted by the agent). This file
 * makes names safe, enforces size limits while streaming, and never follows a symlink.
 */
import { constants } from 'node:fs';
import { lstat, mkdir, open, realpath, rm } from 'node:fs/promises';
import { basename, extname, isAbsolute, join } from 'node:path';
import type { Attachment } from './types.js';

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

export class AttachmentError extends Error {
  constructor(
    message: string,
    readonly reason: 'too-large' | 'download-failed' | 'unsafe-folder',
  ) {
    super(message);
    this.name = 'AttachmentError';
  }
}

export interface DownloadRequest {
  /** Absolute folder to save into (the agent's inbox/); created if missing. */
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
 * O_EXCL|O_NOFOLLOW, so a symlink or an existing file at that path is never written through.
 * The returned path is relative to the agent folder (`inbox/<name>`).
 */
export async function downloadToInbox(request: DownloadRequest): Promise<Attachment> {
  const limits = { ...DEFAULT_ATTACHMENT_LIMITS, ...request.limits };
  const { label } = request;
  if (request.announcedSize !== undefined && request.announcedSize > limits.maxBytes) {
    throw new AttachmentError(
      `${label} is ${request.announcedSize} bytes, over the ${limits.maxBytes}-byte attachment limit; not downloaded`,
      'too-large',
    );
  }
  const folder = await prepareInbox(request.inbox, label);
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
    throw new AttachmentError(
      `${label} is ${declared} bytes, over the ${limits.maxBytes}-byte limit`,
      'too-large',
    );
  }
  const { handle, name } = await createUnique(folder, safeFileName(request.name, 'attachment'));
  const target = join(folder, name);
  let size = 0;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      // The platform's announced size is not trusted: the limit is enforced on the bytes.
      if (size > limits.maxBytes) {
        throw new AttachmentError(
          `${label} exceeded the ${limits.maxBytes}-byte limit while downloading`,
          'too-large',
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
  return { name, path: `${basename(request.inbox)}/${name}`, mime: request.mime, size };
}

/** The inbox must be a real folder, not a symlink an agent planted to write elsewhere. */
async function prepareInbox(inbox: string, label: string): Promise<string> {
  if (!isAbsolute(inbox))
    throw new AttachmentError(`${label}: inbox folder must be absolute, got ${inbox}`, 'unsafe-folder');
  await mkdir(inbox, { recursive: true, mode: 0o700 });
  const info = await lstat(inbox);
  if (info.isSymbolicLink() || !info.isDirectory()) {
    throw new AttachmentError(
      `${label}: inbox ${inbox} is not a plain folder (symlink?); refusing to write`,
      'unsafe-folder',
    );
  }
  return realpath(inbox);
}

const MAX_SUFFIX = 1000;

async function createUnique(
  folder: string,
  name: string,
): Promise<{ handle: Awaited<ReturnType<typeof open>>; name: string }> {
  const ext = extname(name);
  const stem = ext ? name.slice(0, -ext.length) : name;
  for (let n = 0; n < MAX_SUFFIX; n++) {
    const candidate = n === 0 ? name : `${stem}-${n}${ext}`;
    try {
      const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
      return { handle: await open(join(folder, candidate), flags, 0o600), name: candidate };
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
