/**
 * The gateway's Unix socket, and who may connect to it.
 *
 * Connecting to a Unix socket needs write permission on the socket file and search
 * permission on every folder of the path *as the connecting process resolves it*. A sandbox
 * gets the socket file itself bind-mounted (never its folder), so inside the sandbox only the
 * file's own mode counts, whatever uid the sandbox runs as (bwrap maps the host user into a
 * user namespace; docker `--user 1000` is uid 1000 on the host kernel; rootless docker and
 * podman map to a sub-uid). Hence:
 *   - the socket file is 0666, so every sandbox uid can connect to its mounted copy;
 *   - its folder is 0700 and owned by the operator, so other users of the machine cannot
 *     reach the socket on the host side at all;
 *   - and every request still needs a live per-run token.
 */
import { chmodSync, lstatSync, mkdirSync, statSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import type { Server } from 'node:http';
import type { Logger } from 'pino';

/** sun_path is 108 bytes on Linux and 104 on macOS, including the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 103;

function isListening(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/** Makes the folder, clears a stale socket from a crashed run, refuses anything else. */
async function prepare(path: string, logger: Logger): Promise<void> {
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new Error(
      `gateway: socket path is ${bytes} bytes, longer than Unix sockets allow (${MAX_SOCKET_PATH_BYTES}): ${path}; use a shorter state folder`,
    );
  }
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const dirMode = statSync(dir).mode & 0o777;
  if (dirMode & 0o077) {
    logger.warn(
      { dir, mode: dirMode.toString(8) },
      'gateway: socket folder is open to other users; make it 0700 so only sandboxes (through their mount) reach the socket',
    );
  }
  let existing;
  try {
    existing = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!existing.isSocket())
    throw new Error(`gateway: ${path} exists and is not a socket; refusing to replace it`);
  if (await isListening(path))
    throw new Error(
      `gateway: another process is already listening on ${path} (is another omniclaw running with the same home?)`,
    );
  unlinkSync(path);
}

export async function listenOnSocket(server: Server, path: string, logger: Logger): Promise<void> {
  await prepare(path, logger);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o666);
}

/** Removes the socket file if it is still ours (a socket); ignores it being gone. */
export function removeSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // already gone
  }
}
