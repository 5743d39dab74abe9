/**
 * The copy of a share_request, done only once it is approved (or its pair is allowed).
 * Every source file is opened inside the source agent's folder through folder-files.ts (one
 * component at a time, never a symlink, no hard links, regular files only), the whole
 * request bounded by `maxBytes`; all are read before anything is written, so a refused file
 * means nothing was copied. Each lands through writeInside in the target's folder, whose
 * `shared` and `shared/<source>` the target agent could have swapped for a symlink: that is
 * refused, never followed.
 */
import { mkdirSync } from 'node:fs';
import { formatBytes } from '../domain/file-size.js';
import { FolderFileError, openInside, readOpened, writeInside } from '../tools/folder-files.js';
import type { ShareMove } from './share-book.js';

export class ShareCopyError extends Error {
  override name = 'ShareCopyError';
}

/**
 * Opens every source file as copyShare does and checks it, without reading it: what a
 * request would copy now, in bytes. Throws ShareCopyError for the first file refused
 * (delegate_task refuses a bad attachment before it asks or runs anything).
 */
export function measureShare(
  moves: readonly ShareMove[],
  folderOf: (agent: string) => string,
  maxBytes: number,
): number {
  return readSources(moves, folderOf, maxBytes, false).reduce((total, file) => total + file.size, 0);
}

/** Copies every move; resolves to the landed paths (relative to each target's folder). */
export function copyShare(
  moves: readonly ShareMove[],
  folderOf: (agent: string) => string,
  maxBytes: number,
): string[] {
  const read = readSources(moves, folderOf, maxBytes, true);
  for (const { move, lands, data } of read) {
    const parts = lands.split('/');
    const name = parts.pop()!;
    try {
      // The agent folder itself is the host's (made the way sandbox/spec.ts makes it); below it, writeInside.
      mkdirSync(folderOf(move.target), { recursive: true });
      writeInside(folderOf(move.target), parts, name, data!);
    } catch (error) {
      const why = error instanceof FolderFileError ? error.message : (error as Error).message;
      throw new ShareCopyError(`could not write ${lands} in "${move.target}"'s folder: ${why}`);
    }
  }
  return read.map(({ move, lands }) => `${move.target}: ${lands}`);
}

interface SourceFile {
  move: ShareMove;
  lands: string;
  size: number;
  data?: Buffer;
}

/** Every source file opened safely, the whole request within `maxBytes`; read when `read`. */
function readSources(
  moves: readonly ShareMove[],
  folderOf: (agent: string) => string,
  maxBytes: number,
  read: boolean,
): SourceFile[] {
  let total = 0;
  const files: SourceFile[] = [];
  for (const move of moves)
    for (const file of move.files) {
      let found: SourceFile;
      try {
        const opened = openInside(folderOf(move.source), file.path, maxBytes - total);
        try {
          const data = read ? readOpened(opened) : undefined;
          found = { move, lands: file.lands, size: data?.length ?? opened.size, data };
        } finally {
          opened.close();
        }
      } catch (error) {
        throw new ShareCopyError(sourceProblem(error, move.source, file.path, maxBytes));
      }
      total += found.size;
      files.push(found);
    }
  return files;
}

function sourceProblem(error: unknown, source: string, path: string, maxBytes: number): string {
  if (!(error instanceof FolderFileError))
    return `${path} in "${source}"'s folder cannot be opened (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
  if (error.code === 'too-big')
    return `${path} in "${source}"'s folder takes the request over its limit of ${formatBytes(maxBytes)} (multiAgent.sharing.maxBytes); share fewer or smaller files`;
  if (error.reason === 'symlink')
    return `${path} in "${source}"'s folder is or passes through a symbolic link, which is never followed; share the file itself`;
  return `${path} in "${source}"'s folder: ${error.message}`;
}
