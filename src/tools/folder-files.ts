/**
 * Reading (and listing) files inside a folder an agent can write, without ever leaving it.
 * The agent is a stranger with a shell racing the host: between any check and any use it
 * may swap a file or a folder on the way for a symlink. So nothing here checks a path and
 * then uses it. Each component is opened with O_NOFOLLOW relative to the folder opened
 * before it, and the next open goes through that descriptor — `/proc/self/fd/<fd>/<name>`
 * is Linux's openat(2) for a language without it: the kernel resolves the magic link to the
 * very directory the descriptor holds, whatever happened to its path since. A symlink
 * anywhere (folder or file) fails with ELOOP/ENOTDIR; a file with more than one link (a
 * hard link to something outside) and anything but a regular file are refused; sizes are
 * bounded before a byte is read.
 *
 * Hand-written: no npm library offers openat-style traversal for Node (the usual "safe
 * path" packages compare strings, which is exactly the check-then-use race).
 *
 * Elsewhere than Linux (no /proc/self/fd) it falls back to O_NOFOLLOW on every component by
 * path, which still refuses every symlink present when it looks but leaves a window in
 * which a folder swapped between two opens is followed; docs/security.md says so.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { assertRelativePath } from '../protocol/ids.js';

const VIA_FD = existsSync('/proc/self/fd');

/** A refusal to read: the message is safe to show the agent (it names only the relative path). */
export class FolderFileError extends Error {
  constructor(
    message: string,
    readonly code: 'missing' | 'refused' | 'too-big',
    /** Why a refusal, for callers that word it their own way (send_file). */
    readonly reason?: 'symlink' | 'hard-link' | 'not-file',
  ) {
    super(message);
    this.name = 'FolderFileError';
  }
}

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const FILE_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

function openAt(parent: { fd: number; path: string }, name: string, flags: number): number {
  return openSync(VIA_FD ? `/proc/self/fd/${parent.fd}/${name}` : join(parent.path, name), flags);
}

function refusal(error: unknown, relative: string): FolderFileError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new FolderFileError(`"${relative}" does not exist`, 'missing');
  if (code === 'ELOOP' || code === 'ENOTDIR' || code === 'EMLINK')
    return new FolderFileError(
      `"${relative}" is or passes through a symlink, which is never followed`,
      'refused',
      'symlink',
    );
  return new FolderFileError(`"${relative}" cannot be opened (${code ?? 'error'})`, 'refused');
}

/** Opens the folder `root` (trusted: the host made it, no agent can rename it) and walks `dirs` below it. */
function openFolder(root: string, dirs: string[], relative: string): { fd: number; path: string } {
  let current = { fd: openSync(root, DIR_FLAGS), path: root };
  for (const dir of dirs) {
    let fd: number;
    try {
      fd = openAt(current, dir, DIR_FLAGS);
    } catch (error) {
      closeSync(current.fd);
      throw refusal(error, relative);
    }
    closeSync(current.fd);
    current = { fd, path: join(current.path, dir) };
  }
  return current;
}

export interface OpenedFile {
  fd: number;
  size: number;
  close(): void;
}

/**
 * Opens `relative` (a plain relative path, see ids.ts) inside `root` for reading. Throws
 * FolderFileError for a missing file, a symlink or hard link, a non-file, or a file over
 * `maxBytes`.
 */
export function openInside(root: string, relative: string, maxBytes: number): OpenedFile {
  const parts = assertRelativePath(relative).split('/');
  const name = parts.pop()!;
  let folder: { fd: number; path: string };
  try {
    folder = openFolder(root, parts, relative);
  } catch (error) {
    throw error instanceof FolderFileError ? error : refusal(error, relative);
  }
  let fd: number;
  try {
    fd = openAt(folder, name, FILE_FLAGS);
  } catch (error) {
    throw refusal(error, relative);
  } finally {
    closeSync(folder.fd);
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile())
      throw new FolderFileError(`"${relative}" is not a regular file`, 'refused', 'not-file');
    if (info.nlink !== 1)
      throw new FolderFileError(
        `"${relative}" has other hard links, so it may be a file from elsewhere`,
        'refused',
        'hard-link',
      );
    if (info.size > maxBytes)
      throw new FolderFileError(
        `"${relative}" is ${info.size} bytes, over the limit of ${maxBytes}`,
        'too-big',
      );
    return { fd, size: info.size, close: () => closeSync(fd) };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** Reads the whole of an opened file (its size was bounded when it was opened; a file grown since is cut there). */
export function readOpened(file: OpenedFile): Buffer {
  const buffer = Buffer.alloc(file.size);
  let length = 0;
  for (let n = -1; n !== 0 && length < buffer.length; length += n)
    n = readSync(file.fd, buffer, length, buffer.length - length, null);
  return buffer.subarray(0, length);
}

export function readInside(root: string, relative: string, maxBytes: number): Buffer {
  const file = openInside(root, relative, maxBytes);
  try {
    return readOpened(file);
  } finally {
    file.close();
  }
}

/**
 * The names of the regular files in `dir` (a relative folder inside `root`; symlinks and
 * folders are left out), listed through its descriptor, so a folder swapped for a symlink
 * is refused rather than listed. Empty when the folder does not exist.
 */
export function listFilesInside(root: string, dir: string): string[] {
  let folder: { fd: number; path: string };
  try {
    folder = openFolder(root, assertRelativePath(dir).split('/'), dir);
  } catch (error) {
    if (error instanceof FolderFileError && error.code === 'missing') return [];
    throw error instanceof FolderFileError ? error : refusal(error, dir);
  }
  try {
    return readdirSync(VIA_FD ? `/proc/self/fd/${folder.fd}` : folder.path, { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name);
  } finally {
    closeSync(folder.fd);
  }
}

const NEW_FILE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Writes `data` as `dirs/name` inside `root` (a host-made folder an agent can write), making
 * the folders on the way. Each folder is made and opened through the descriptor of the one
 * before it with O_NOFOLLOW, so a planted symlink at any step (`shared`, `shared/<from>`) is
 * refused, never followed; the file is written under a fresh name (O_CREAT|O_EXCL|O_NOFOLLOW)
 * and renamed over `name` in the same opened folder, so a symlink there is replaced, not
 * written through.
 */
export function writeInside(root: string, dirs: string[], name: string, data: Buffer): void {
  const relative = [...dirs, name].join('/');
  assertRelativePath(relative);
  let current = { fd: openSync(root, DIR_FLAGS), path: root };
  try {
    for (const dir of dirs) {
      const path = VIA_FD ? `/proc/self/fd/${current.fd}/${dir}` : join(current.path, dir);
      try {
        mkdirSync(path, { mode: 0o755 });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw refusal(error, relative);
      }
      let fd: number;
      try {
        fd = openAt(current, dir, DIR_FLAGS);
      } catch (error) {
        throw refusal(error, relative);
      }
      closeSync(current.fd);
      current = { fd, path: join(current.path, dir) };
    }
    const at = (n: string): string => (VIA_FD ? `/proc/self/fd/${current.fd}/${n}` : join(current.path, n));
    const temporary = `.${name}.${randomBytes(4).toString('hex')}.part`;
    const fd = openSync(at(temporary), NEW_FILE_FLAGS, 0o644);
    try {
      writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
    try {
      renameSync(at(temporary), at(name));
    } catch (error) {
      rmSync(at(temporary), { force: true });
      throw refusal(error, relative);
    }
  } finally {
    closeSync(current.fd);
  }
}
