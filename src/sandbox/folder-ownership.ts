/**
 * Who owns what a sandbox writes, on the host, for every backend alike. A host running as
 * root never lets an agent be root: bwrap drops to an unprivileged host uid and Docker runs
 * the container as the same uid, so the agent's folders can pass from one backend to the
 * other (auto falls back from Docker to bwrap on its own) and a setuid file an agent makes
 * belongs to nobody who matters. A host running as a normal user needs nothing: every
 * backend writes as that user.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { SandboxSpec } from './types.js';
import { DEFAULT_SANDBOX_ID } from '../config/schema.js';

const run = promisify(execFile);

export interface HostIdentity {
  uid: number;
  gid: number;
}

const hostIsRoot = (): boolean => process.getuid?.() === 0;

/**
 * The host uid/gid that owns a sandbox's files: the configured unprivileged one when the
 * host is root, the host's own otherwise.
 */
export function sandboxIdentity(configured: Partial<HostIdentity> = {}): HostIdentity {
  if (hostIsRoot()) {
    return { uid: configured.uid ?? DEFAULT_SANDBOX_ID, gid: configured.gid ?? DEFAULT_SANDBOX_ID };
  }
  return { uid: process.getuid?.() ?? 1000, gid: process.getgid?.() ?? 1000 };
}

/**
 * Hands folder trees to `owner` with `chown -R -P` (one process for all of them): it never
 * follows a symlink, and (fts with openat) a directory swapped for a link mid-walk by a
 * running agent in a shared folder is not followed either — chown following an agent's
 * link to /etc/shadow would hand the host to the agent. coreutils does this walk safely; a
 * hand-written one would not.
 */
export async function chownTrees(paths: readonly string[], owner: HostIdentity): Promise<void> {
  if (!paths.length) return;
  try {
    await run('chown', ['-R', '-P', `${owner.uid}:${owner.gid}`, '--', ...paths], { timeout: 60_000 });
  } catch (err) {
    // A running agent renaming or deleting its files mid-walk makes chown report entries
    // that vanished, or a folder it was about to enter that is a link or file by then (never
    // followed: -P): nothing there needs an owner, so that alone is not a failure (otherwise
    // an agent racing renames in a shared folder would stop other agents' runs from starting).
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    const lines = stderr ? stderr.split('\n') : [];
    if (!lines.length || !lines.every(changedMidWalk)) throw err;
  }
}

const changedMidWalk = (line: string): boolean =>
  line.endsWith(': No such file or directory') ||
  (line.startsWith('chown: cannot read directory ') && line.endsWith(': Not a directory'));

/**
 * Before a run on a root host: every folder of the spec under OmniClaw's own roots (the
 * instance home: groups/<agent>, groups/global, sessions/<agent>, …) belongs to the
 * sandbox's uid, whichever backend ran it last. Host-owned folders (received files) and
 * anything outside the roots (your extra mounts) are left alone.
 */
export async function prepareFolderOwnership(
  spec: SandboxSpec,
  owner: HostIdentity,
  ownedRoots: readonly string[],
): Promise<void> {
  if (!hostIsRoot() || owner.uid === 0) return;
  const owned = spec.mounts.filter(
    (m) =>
      m.hostPath !== '/dev/null' &&
      !m.hostOwned &&
      ownedRoots.some((root) => m.hostPath === root || m.hostPath.startsWith(root + '/')),
  );
  await chownTrees(
    owned.map((m) => m.hostPath),
    owner,
  );
}
