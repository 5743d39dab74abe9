/**
 * The I/O side of mount security: reads the allowlist file (kept outside the project and
 * never mounted), expands `~`, resolves symlinks, then lets the pure rules in
 * mount-allowlist.ts decide. Every refusal is an error naming the agent, the mount, why,
 * and how to fix it.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { decideMount, type MountAllowlist } from './mount-allowlist.js';
import type { Mount } from './types.js';

export const defaultAllowlistPath = (home: string = homedir()): string =>
  join(home, '.config', 'omniclaw', 'mount-allowlist.json');

const allowlistFileSchema = z.strictObject({
  allowedRoots: z
    .array(
      z.strictObject({
        path: z.string().min(1),
        allowReadWrite: z.boolean().default(false),
        description: z.string().optional(),
      }),
    )
    .default([]),
  blockedPatterns: z.array(z.string().min(1)).default([]),
  nonMainReadOnly: z.boolean().default(true),
});

export class MountSecurityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MountSecurityError';
  }
}

export function expandHome(path: string, home: string = homedir()): string {
  if (path === '~') return home;
  return path.startsWith('~/') ? join(home, path.slice(2)) : path;
}

/**
 * Reads the allowlist. A missing file means "no extra mounts" (null); a malformed one is an
 * error, since silently ignoring it would hide a mistake in a security setting.
 */
export function loadMountAllowlist(file: string, home: string = homedir()): MountAllowlist | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new MountSecurityError(`cannot read the mount allowlist ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new MountSecurityError(`the mount allowlist ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = allowlistFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MountSecurityError(
      `the mount allowlist ${file} is invalid at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
    );
  }
  const roots = parsed.data.allowedRoots.flatMap((root) => {
    const expanded = expandHome(root.path, home);
    if (!isAbsolute(expanded)) {
      throw new MountSecurityError(
        `the mount allowlist ${file}: root "${root.path}" must be absolute or start with ~/`,
      );
    }
    try {
      return [{ ...root, path: realpathSync(expanded) }];
    } catch {
      return []; // A root that does not exist allows nothing; not an error (e.g. an unplugged disk).
    }
  });
  return { ...parsed.data, allowedRoots: roots };
}

export interface ExtraMountInput {
  hostPath: string;
  containerPath?: string;
  readonly: boolean;
}

export interface ResolveMountsOptions {
  agentId: string;
  isMain: boolean;
  mounts: ExtraMountInput[];
  allowlist: MountAllowlist | null;
  allowlistPath: string;
  /** Never visible to an agent, nor any folder containing them: the instance home, the allowlist. */
  protectedPaths: string[];
  home?: string;
}

/** Validates an agent's extra mounts; throws MountSecurityError on the first refusal. */
export function resolveExtraMounts(options: ResolveMountsOptions): Mount[] {
  const protectedPaths = options.protectedPaths.map((p) => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  });
  protectedPaths.push(dirname(options.allowlistPath));
  const seen = new Set<string>();
  return options.mounts.map((mount, index) => {
    const requestedPath = expandHome(mount.hostPath, options.home);
    let realPath: string;
    try {
      realPath = realpathSync(requestedPath);
    } catch (err) {
      throw new MountSecurityError(
        `agent "${options.agentId}", mounts[${index}] (${mount.hostPath}) refused: it cannot be resolved ` +
          `(${(err as NodeJS.ErrnoException).code ?? (err as Error).message}). Create the folder or fix the path.`,
      );
    }
    const decision = decideMount(
      {
        agentId: options.agentId,
        isMain: options.isMain,
        index,
        configuredPath: mount.hostPath,
        requestedPath,
        realPath,
        containerName: mount.containerPath,
        readonly: mount.readonly,
      },
      { allowlist: options.allowlist, allowlistPath: options.allowlistPath, protectedPaths },
    );
    if (!decision.ok) throw new MountSecurityError(decision.error);
    if (seen.has(decision.mount.containerPath)) {
      throw new MountSecurityError(
        `agent "${options.agentId}", mounts[${index}] (${mount.hostPath}) refused: ` +
          `${decision.mount.containerPath} is already used by another mount. Set a different containerPath.`,
      );
    }
    seen.add(decision.mount.containerPath);
    return decision.mount;
  });
}
