/**
 * Takes a file the agent asked to send (send_file) out of its folder, safely. The agent has
 * a shell in that folder and may swap any path component for a symlink at any moment, so
 * the file is opened once with O_NOFOLLOW, and everything after is decided on that open fd:
 * it must be a regular file with one link, and the inode we hold must be the one the path
 * resolves to inside the agent's real folder (a symlinked parent swapped in before the open
 * fails this; one swapped in after the open does not matter, the fd is already fixed). The
 * bytes are then copied from the fd into a host-owned folder the sandbox never sees, so
 * what the outbox sends later cannot be changed by the agent either.
 */
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, realpath, stat } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { basename, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { formatBytes } from '../domain/file-size.js';

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
  const root = await realpath(request.agentRoot);
  const shown = request.path;
  let handle;
  try {
    handle = await open(
      join(root, request.path),
      constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
    );
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new AgentFileError(`${shown} is a symbolic link; send the file itself`);
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new AgentFileError(`there is no file ${shown} in your folder`);
    throw new AgentFileError(`${shown} cannot be opened (${code ?? 'error'})`);
  }
  try {
    const held = await handle.stat();
    if (!held.isFile()) throw new AgentFileError(`${shown} is not a regular file`);
    if (held.nlink !== 1) throw new AgentFileError(`${shown} is hard-linked elsewhere; send a copy of it`);
    // The inode we hold must be the one the path names inside the real folder.
    const resolved = await realpath(join(root, request.path)).catch(() => undefined);
    const inside =
      resolved !== undefined && !relative(root, resolved).startsWith('..') && resolved.startsWith(root + sep);
    const now = resolved ? await stat(resolved).catch(() => undefined) : undefined;
    if (!inside || !now || now.ino !== held.ino || now.dev !== held.dev)
      throw new AgentFileError(`${shown} leads outside your folder; only files in your folder can be sent`);
    if (held.size > request.maxBytes)
      throw new AgentFileError(
        `${shown} is ${formatBytes(held.size)}; ${request.platform} takes files up to ${formatBytes(request.maxBytes)}`,
      );
    if (held.size === 0) throw new AgentFileError(`${shown} is empty`);
    // A folder per file, so the platform shows the file's own name.
    const folder = join(request.stagingDir, randomUUID());
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const staged = join(folder, basename(request.path));
    // Bounded read: a file that grows after the size check stops at the limit.
    const source = createReadStream('', {
      fd: handle.fd,
      autoClose: false,
      start: 0,
      end: request.maxBytes - 1,
    });
    await pipeline(source, createWriteStream(staged, { flags: 'wx', mode: 0o600 }));
    return staged;
  } finally {
    await handle.close();
  }
}
