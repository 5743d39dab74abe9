/** Claims an instance folder for this daemon: its folders exist, and no other daemon runs on it. */
import { mkdirSync } from 'node:fs';
import type { InstancePaths } from '../config/paths.js';
import { isAlive } from '../transport/control-socket.js';

export async function claimInstance(paths: InstancePaths): Promise<void> {
  for (const dir of [paths.home, paths.groups, paths.globalMemory, paths.sessions, paths.logs]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  // Checked before anything is touched: a second daemon on this instance would otherwise
  // close the first one's live runs as abandoned before failing on its sockets.
  if (await isAlive(paths.socket)) {
    throw new Error(`another OmniClaw daemon is already running on ${paths.socket}; stop it first`);
  }
}
