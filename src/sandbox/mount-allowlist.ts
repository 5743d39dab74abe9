/**
 * Mount security as pure decisions: which host paths an agent may see, and how. No I/O
 * here: the caller (mounts.ts) resolves symlinks first and hands in real paths, so every
 * rule below is checked against where a path really leads, not what it is called.
 *
 * Lessons behind the rules: a path built from an unchecked name escapes its folder
 * (`..`); a `:` or `,` in a path injects options into `docker -v`/`--mount`; a symlink with
 * a harmless name can lead to ~/.ssh; credentials in a mounted folder are credentials
 * handed to the agent.
 */
import { isAbsolute, posix } from 'node:path';
import type { Mount } from './types.js';

export interface AllowedRoot {
  /** Absolute path (after `~` expansion and realpath). */
  path: string;
  /** Mounts under this root may be read-write (still only when the agent may write). */
  allowReadWrite: boolean;
  description?: string;
}

export interface MountAllowlist {
  allowedRoots: AllowedRoot[];
  /** Extra blocked names, matched per path component like the defaults. */
  blockedPatterns: string[];
  /** Non-main agents may only mount read-only (default true). */
  nonMainReadOnly: boolean;
}

/**
 * Names that hold credentials or keys. A path is refused when any of its components is one
 * of these, or starts with one followed by a dot (`.env.local`, `id_rsa.pub`,
 * `credentials.json`).
 */
export const DEFAULT_BLOCKED_NAMES: readonly string[] = [
  '.ssh',
  '.gnupg',
  '.gpg',
  '.aws',
  '.azure',
  '.gcloud',
  'gcloud',
  '.kube',
  '.docker',
  '.env',
  '.netrc',
  '.npmrc',
  '.pypirc',
  '.git-credentials',
  '.password-store',
  '.vault-token',
  '.terraform.d',
  '.omniclaw',
  'id_rsa',
  'id_dsa',
  'id_ecdsa',
  'id_ed25519',
  'credentials',
  'private_key',
  'secrets',
];

/** Where a mount lands inside the sandbox: /workspace/extra/<name>. */
export const EXTRA_MOUNT_BASE = '/workspace/extra';

/** Characters that cannot appear in a host path handed to a sandbox CLI. */
const UNSAFE_PATH_CHARS = /[:,\n\r\0]/;
/** One component of a container name: boring characters only. */
const SAFE_NAME_COMPONENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export interface MountRequest {
  agentId: string;
  isMain: boolean;
  /** Position in the agent's `mounts` list, for error messages. */
  index: number;
  /** The path exactly as written in the config, for messages (defaults to requestedPath). */
  configuredPath?: string;
  /** The path as written in the config (after `~` expansion), before symlinks are resolved. */
  requestedPath: string;
  /** The same path with every symlink resolved. */
  realPath: string;
  /** Relative name under /workspace/extra; defaults to the last component of the real path. */
  containerName?: string;
  readonly: boolean;
}

export interface MountContext {
  allowlist: MountAllowlist | null;
  /** Where the allowlist was looked for (for the "how to fix" part of errors). */
  allowlistPath: string;
  /** Paths that must never be visible, nor any folder holding them (instance home, allowlist dir). */
  protectedPaths: string[];
}

export type MountDecision = { ok: true; mount: Mount } | { ok: false; error: string };

const isInside = (child: string, parent: string): boolean =>
  child === parent || child.startsWith(parent.endsWith('/') ? parent : parent + '/');

/** The blocked name a path contains, if any (checked per component). */
export function blockedComponent(path: string, extraPatterns: readonly string[] = []): string | undefined {
  const patterns = [...DEFAULT_BLOCKED_NAMES, ...extraPatterns].map((p) => p.toLowerCase());
  for (const component of path.split('/')) {
    const name = component.toLowerCase();
    if (!name) continue;
    const hit = patterns.find((p) => name === p || name.startsWith(p + '.'));
    if (hit) return component;
  }
  return undefined;
}

/** Checks a relative container name; returns why it is unsafe, or undefined when it is fine. */
export function containerNameProblem(name: string): string | undefined {
  if (!name) return 'it is empty';
  if (isAbsolute(name)) return 'it is absolute; give a name relative to /workspace/extra';
  if (UNSAFE_PATH_CHARS.test(name)) return 'it contains ":", "," or a control character';
  for (const part of name.split('/')) {
    if (part === '..' || part === '.') return 'it contains "." or ".." components';
    if (!SAFE_NAME_COMPONENT.test(part)) {
      return `the component "${part}" is not 1–100 of A-Z a-z 0-9 . _ - starting with a letter or digit`;
    }
  }
  return undefined;
}

/** Decides whether one extra mount is allowed, and where it goes. */
export function decideMount(request: MountRequest, context: MountContext): MountDecision {
  const where = `agent "${request.agentId}", mounts[${request.index}] (${request.configuredPath ?? request.requestedPath})`;
  const refuse = (why: string, fix: string): MountDecision => ({
    ok: false,
    error: `${where} refused: ${why}. ${fix}`,
  });

  const { allowlist } = context;
  if (!allowlist) {
    return refuse(
      `no mount allowlist at ${context.allowlistPath}`,
      `Create it, e.g. {"allowedRoots":[{"path":"~/projects","allowReadWrite":false}],"blockedPatterns":[]}.`,
    );
  }
  for (const path of [request.requestedPath, request.realPath]) {
    if (!isAbsolute(path)) return refuse(`"${path}" is not an absolute path`, 'Use an absolute path or ~/….');
    if (UNSAFE_PATH_CHARS.test(path)) {
      return refuse(
        'the path contains ":", "," or a control character, which could inject sandbox options',
        'Rename the folder or mount a parent without those characters.',
      );
    }
    const trimmed = (p: string): string => p.replace(/(.)\/+$/, '$1');
    if (trimmed(posix.normalize(path)) !== trimmed(path)) {
      return refuse('the path contains "..", "." or repeated slashes', 'Write the plain absolute path.');
    }
    const blocked = blockedComponent(path, allowlist.blockedPatterns);
    if (blocked) {
      const via =
        path === request.realPath && request.realPath !== request.requestedPath ? ' (through a symlink)' : '';
      return refuse(
        `it leads to "${blocked}"${via}, a name that holds credentials`,
        'Mount a folder that contains no keys or secrets.',
      );
    }
  }
  for (const secret of context.protectedPaths) {
    if (isInside(request.realPath, secret) || isInside(secret, request.realPath)) {
      return refuse(
        `it overlaps ${secret}, which holds OmniClaw's state, secrets or mount allowlist`,
        'Mount a folder outside it that does not contain it.',
      );
    }
  }
  const root = allowlist.allowedRoots.find((r) => isInside(request.realPath, r.path));
  if (!root) {
    const roots = allowlist.allowedRoots.map((r) => r.path).join(', ') || '(none)';
    return refuse(
      `${request.realPath} is not under an allowed root (${roots})`,
      `Add a root that contains it to ${context.allowlistPath}.`,
    );
  }
  if (!request.readonly) {
    if (!root.allowReadWrite) {
      return refuse(
        `read-write was asked but the root ${root.path} allows read-only`,
        `Set "allowReadWrite": true for that root in ${context.allowlistPath}, or mount it read-only.`,
      );
    }
    if (!request.isMain && allowlist.nonMainReadOnly) {
      return refuse(
        'only the main agent may mount read-write',
        `Mount it read-only, or set "nonMainReadOnly": false in ${context.allowlistPath}.`,
      );
    }
  }
  const name = request.containerName ?? posix.basename(request.realPath);
  const nameProblem = containerNameProblem(name);
  if (nameProblem) {
    return refuse(
      `the container name "${name}" is unsafe: ${nameProblem}`,
      'Set containerPath to a plain name.',
    );
  }
  return {
    ok: true,
    mount: {
      hostPath: request.realPath,
      containerPath: `${EXTRA_MOUNT_BASE}/${name}`,
      readonly: request.readonly,
    },
  };
}
