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
import { describeError } from './kit/errors.js';

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

/**
 * The record of a file that did not arrive: stored with the message, so the agent reads
 * "[file photo.jpg (12 MB) not received: over the 10 MB limit]" and can say so.
 */
export function notReceived(name: string | undefined, error: unknown, size?: number): Attachment {
  const note = error instanceof AttachmentError ? error.note : NOTES['download-failed'];
  return { name: safeFileName(name, 'attachment'), notReceived: note, size };
}

/** A file as the platform announced it on a message. */
export interface PlatformFile {
  /** The name the platform gave; made safe here. */
  name: string;
  /** The size the platform announced, if any: refused before anything is fetched if too large. */
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

export interface Download {
  file: PlatformFile;
  /**
   * Where the bytes are: asked only once the announced size is within the limit, since
   * locating can cost a call (Telegram's getFile) or a decryption (WhatsApp).
   */
  locate: () => FileSource | Promise<FileSource>;
  /**
   * Absolute folder to save into: the agent's received-files folder, which the host owns
   * ($OMNICLAW_HOME/inbox/<agent>/). Created if missing; refused if it is a symlink or
   * someone else's.
   */
  inbox: string;
  /**
   * How to describe the file in errors and logs. The URL is never used for that: Telegram
   * file URLs contain the bot token.
   */
  label: string;
  limits?: Partial<AttachmentLimits>;
}

/**
 * Downloads a file into the inbox under a safe, unique name. The file is created with
 * O_EXCL|O_NOFOLLOW (a symlink or an existing file at that path is never written through)
 * and made 0644, so every sandbox uid can read it and only the host can change it.
 */
export async function downloadToInbox({ file, locate, inbox, label, limits }: Download): Promise<Attachment> {
  const { maxBytes, timeoutMs } = { ...DEFAULT_ATTACHMENT_LIMITS, ...limits };
  const refuseOver = (size: number | undefined, how: string): void => {
    if (size !== undefined && size > maxBytes)
      throw new AttachmentError(
        `${label} is ${size} bytes (${how}), over the ${maxBytes}-byte attachment limit; not saved`,
        'too-large',
        `over the ${formatBytes(maxBytes)} limit`,
      );
  };
  const failed = (error: unknown): AttachmentError =>
    error instanceof AttachmentError
      ? error
      : new AttachmentError(`${label}: download failed (${describe(error)})`, 'download-failed');

  refuseOver(file.size, 'announced');
  const source = await locate();
  refuseOver(source.size, 'located');
  prepareInbox(inbox, label);
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await (source.fetch ?? fetch)(source.url, { signal, redirect: 'follow' });
  } catch (error) {
    throw failed(error);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => undefined);
    throw new AttachmentError(`${label}: download failed with HTTP ${response.status}`, 'download-failed');
  }
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) await response.body.cancel().catch(() => undefined);
  refuseOver(declared, 'content-length');
  const name = safeFileName(file.name, 'attachment');
  const { handle, saved } = await createUnique(inbox, name).catch(async (error: unknown) => {
    // Nothing will read the body now: let the connection go rather than wait for the timeout.
    await response.body?.cancel().catch(() => undefined);
    throw error;
  });
  let size = 0;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      // The platform's announced size is not trusted: the limit is enforced on the bytes.
      refuseOver(size, 'received so far');
      await handle.write(chunk);
    }
    await handle.close();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(join(inbox, saved), { force: true });
    throw failed(error);
  }
  return { name, file: saved, mime: file.mime, size };
}

/** The inbox must be the host's own plain folder, never a symlink or someone else's folder. */
function prepareInbox(inbox: string, label: string): void {
  try {
    if (!isAbsolute(inbox)) throw new Error(`inbox folder must be absolute, got ${inbox}`);
    ensureHostFolder(inbox);
  } catch (error) {
    throw new AttachmentError(`${label}: ${(error as Error).message}`, 'unsafe-folder');
  }
}

const MAX_SUFFIX = 1000;

async function createUnique(
  folder: string,
  name: string,
): Promise<{ handle: Awaited<ReturnType<typeof open>>; saved: string }> {
  const ext = extname(name);
  const stem = ext ? name.slice(0, -ext.length) : name;
  for (let n = 0; n < MAX_SUFFIX; n++) {
    const candidate = n === 0 ? name : `${stem}-${n}${ext}`;
    try {
      const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
      const handle = await open(join(folder, candidate), flags, HOST_FILE_MODE);
      // The mode given to open is cut by the umask; the sandbox's uid must be able to read.
      await handle.chmod(HOST_FILE_MODE);
      return { handle, saved: candidate };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new AttachmentError(
    `no free name for ${name} in ${folder} after ${MAX_SUFFIX} tries`,
    'unsafe-folder',
  );
}

/** Codes and messages only, URLs stripped (describeError): never the request, which carries the URL. */
const describe = (error: unknown): string =>
  error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : describeError(error);
