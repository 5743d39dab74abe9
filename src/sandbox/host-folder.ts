/**
 * Folders the host writes and a sandbox only reads (received files: $OMNICLAW_HOME/inbox/
 * <agent>/, mounted read-only at /workspace/inbox). The host never writes through a path an
 * agent can change, so these folders must be what they claim: real directories (no symlink
 * anywhere below the instance home), owned by OmniClaw's own user and writable by nobody
 * else. Mode 0755 lets any sandbox uid read them through its bind mount (uid 1000 inside
 * Docker, an unprivileged host uid for bwrap as root); other users of the machine are kept
 * out by the instance home, which is 0700.
 */
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export const HOST_FOLDER_MODE = 0o755;
export const HOST_FILE_MODE = 0o644;

export class HostFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostFolderError';
  }
}

/**
 * Creates `folder` and its parent (both below the instance home, which must exist or is
 * created as 0700) and checks each: a plain directory, not a symlink, owned by this
 * process's user. A wrong mode is corrected; anything else is refused with what to do.
 */
export function ensureHostFolder(folder: string): void {
  const parent = dirname(folder);
  mkdirSync(dirname(parent), { recursive: true, mode: 0o700 });
  const uid = process.geteuid?.();
  for (const dir of [parent, folder]) {
    try {
      mkdirSync(dir, { mode: HOST_FOLDER_MODE });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const info = lstatSync(dir);
    if (info.isSymbolicLink() || !info.isDirectory()) {
      throw new HostFolderError(
        `${dir} is not a plain folder (a symlink?); OmniClaw stores received files only in its own folders. ` +
          `Move it away and restart.`,
      );
    }
    if (uid !== undefined && info.uid !== uid) {
      throw new HostFolderError(
        `${dir} belongs to uid ${info.uid}, not to the user OmniClaw runs as (uid ${uid}); ` +
          `give it back: chown -R ${uid} ${dir}`,
      );
    }
    // Only OmniClaw may write here, and every sandbox uid must be able to read.
    if ((info.mode & 0o7777) !== HOST_FOLDER_MODE) chmodSync(dir, HOST_FOLDER_MODE);
  }
}
