/**
 * /etc/passwd and /etc/group as a sandbox shows them: root, the agent at whatever uid the
 * sandbox runs as, nobody. Tools look the uid up (Node's os.userInfo(), git's default
 * identity, ssh) and fail without an entry, so every backend mounts these read-only instead
 * of relying on the image's own (which names only uid 1000).
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_PATHS } from './spec.js';

/** Pure: the passwd and group text for an agent running as uid:gid. */
export function identityFiles(uid: number, gid: number): { passwd: string; group: string } {
  return {
    passwd:
      'root:x:0:0:root:/root:/usr/sbin/nologin\n' +
      `agent:x:${uid}:${gid}:OmniClaw agent:${SANDBOX_PATHS.state}:/bin/sh\n` +
      'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
    group: `root:x:0:\nagent:x:${gid}:\nnogroup:x:65534:\n`,
  };
}

/** Writes `files` (name → text) into a new folder any sandbox uid can read; returns it. */
export function writeEtcFolder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'omniclaw-etc-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text, { mode: 0o644 });
  chmodSync(dir, 0o755); // readable by bwrap when it runs as another user, and by any container uid
  return dir;
}
