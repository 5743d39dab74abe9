/**
 * Takes a file the agent asked to send (send_file) out of its folder, safely. The agent has
 * a shell in that folder and may swap any path component for a symlink at any moment, so
 * the file is opened the way every host read in an agent folder is (tools/folder-files.ts):
 * each component with O_NOFOLLOW through the descriptor of the folder before it, a regular
 * file with one link, everything after decided on that open fd. (A realpath-then-stat check
 * here before was a check-then-use race: the isolation suite's folder swap leaked a host
 * file through it.) The bytes are then copied from the fd into a host-owned folder the sandbox never sees, so
 * what the outbox sends later cannot be changed by the agent either.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { formatBytes } from '../domain/file-size.js';
import { FolderFileError, openInside, type OpenedFile } from '../tools/folder-files.js';

export interface StageRequest {
  /** The agent's folder on the host (groups/<agent>). */
  agentRoot: string;
  /** Relative to the agent folder (already checked by the tool's schema: no "..", no "/"). */
  path: string;
  /** Host-owned folder for files waiting in the outbox; never mounted into a sandbox. */
  stagingDir: string;
  maxBytes: number;
  /** For the error: "Telegram takes files up to 50 MB". */
  platform: string;
}

export class AgentFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentFileError';
  }
}

/** Copies the agent's file into the staging folder; resolves to the staged host path. */
export async function stageAgentFile(request: StageRequest): Promise<string> {
  const shown = request.path;
  let file: OpenedFile;
  try {
    // One component at a time through the folder's descriptors (folder-files.ts): a file or
    // folder swapped for a symlink at any moment is refused, never followed. No size bound
    // here: the platform's limit below has its own message.
    file = openInside(request.agentRoot, request.path, Number.MAX_SAFE_INTEGER);
  } catch (error) {
    throw agentFileError(error, shown);
  }
  try {
    if (file.size > request.maxBytes)
      throw new AgentFileError(
        `${shown} is ${formatBytes(file.size)}; ${request.platform} takes files up to ${formatBytes(request.maxBytes)}`,
      );
    if (file.size === 0) throw new AgentFileError(`${shown} is empty`);
    // A folder per file, so the platform shows the file's own name.
    const folder = join(request.stagingDir, randomUUID());
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const staged = join(folder, basename(request.path));
    // Bounded read: a file that grows after the size check stops at the limit.
    const source = createReadStream('', {
      fd: file.fd,
      autoClose: false,
      start: 0,
      end: request.maxBytes - 1,
    });
    try {
      await pipeline(source, createWriteStream(staged, { flags: 'wx', mode: 0o600 }));
    } catch (error) {
      await rm(folder, { recursive: true, force: true });
      throw error;
    }
    return staged;
  } finally {
    file.close();
  }
}

/** The agent reads these: each says what to do instead. */
function agentFileError(error: unknown, shown: string): AgentFileError {
  if (!(error instanceof FolderFileError))
    return new AgentFileError(
      `${shown} cannot be opened (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  if (error.code === 'missing') return new AgentFileError(`there is no file ${shown} in your folder`);
  if (error.reason === 'symlink')
    return new AgentFileError(
      `${shown} is or passes through a symbolic link, which could lead outside your folder; only files in your folder can be sent, so send the file itself`,
    );
  if (error.reason === 'hard-link')
    return new AgentFileError(`${shown} is hard-linked elsewhere; send a copy of it`);
  if (error.reason === 'not-file') return new AgentFileError(`${shown} is not a regular file`);
  return new AgentFileError(`${shown} cannot be sent (${error.message})`);
}
