/**
 * Path confinement for the workspace tools. The OS sandbox is the real boundary; this keeps
 * the model's file tools inside the folders the agent is meant to touch even when the sandbox
 * mounts more (the runner code, engine state), and gives the model a clear error instead.
 *
 * Two steps: a pure lexical check (`confineLexically`, table-tested) and a real-path check
 * (`resolveInWorkspace`) that follows symlinks of everything that exists, so a link in the
 * agent folder pointing to /etc is refused like `/etc` itself.
 */
import { lstat, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Workspace } from '../../../src/protocol/runner-protocol.js';
import { ToolFailure } from './tool-failure.js';

export interface WorkspaceRoots {
  /** Relative paths resolve here (the agent folder). */
  cwd: string;
  /** Folders the tools may write (the agent folder; global memory for the main agent). */
  writable: string[];
  /** Folders the tools may only read (global, server, extra mounts, received files). */
  readOnly: string[];
}

export type AccessMode = 'read' | 'write';
export type Confinement = { ok: true; path: string } | { ok: false; reason: string };

const isInside = (path: string, root: string): boolean =>
  path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

/** Resolves `requested` against the roots without touching the disk. */
export function confineLexically(requested: string, roots: WorkspaceRoots, mode: AccessMode): Confinement {
  if (requested.trim() === '') return { ok: false, reason: 'the path is empty' };
  if (requested.includes('\0')) return { ok: false, reason: 'the path contains a NUL byte' };
  const path = resolve(roots.cwd, requested);
  if (roots.writable.some((root) => isInside(path, root))) return { ok: true, path };
  if (roots.readOnly.some((root) => isInside(path, root))) {
    return mode === 'read'
      ? { ok: true, path }
      : { ok: false, reason: `${path} is read-only for this agent` };
  }
  const allowed = [...roots.writable, ...roots.readOnly].join(', ');
  return { ok: false, reason: `${path} is outside the workspace (allowed: ${allowed})` };
}

/** Builds the roots from the start command's workspace, with real paths (the folders may be symlinks). */
export async function workspaceRoots(workspace: Workspace, main: boolean): Promise<WorkspaceRoots> {
  const real = async (dir: string | undefined): Promise<string | undefined> =>
    dir === undefined ? undefined : realpath(dir).catch(() => undefined);
  const agent = (await real(workspace.agentDir)) ?? resolve(workspace.agentDir);
  const global = await real(workspace.globalDir);
  const server = await real(workspace.serverDir);
  const extras = await Promise.all(workspace.extraDirs.map((dir) => real(dir)));
  // Received files: the host writes them, the agent reads them.
  const inbox = await real(workspace.inboxDir);
  const present = (dirs: (string | undefined)[]): string[] =>
    dirs.filter((d): d is string => d !== undefined);
  // The main agent maintains global memory; everyone else only reads it.
  const writable = present([agent, main ? global : undefined]);
  const readOnly = present([main ? undefined : global, server, ...extras, inbox]);
  return { cwd: agent, writable, readOnly };
}

/**
 * Resolves a path the model gave, following symlinks of the part that exists, and refuses
 * anything that lands outside the roots. The file itself need not exist (write creates it).
 */
export async function resolveInWorkspace(
  requested: string,
  roots: WorkspaceRoots,
  mode: AccessMode,
): Promise<string> {
  if (typeof requested !== 'string') throw new ToolFailure('path must be a string');
  const lexical = confineLexically(requested, roots, mode);
  if (!lexical.ok) throw new ToolFailure(lexical.reason);
  const real = await realPathOfExistingPart(lexical.path);
  const confined = confineLexically(real, roots, mode);
  if (!confined.ok) {
    throw new ToolFailure(
      `${requested} resolves through a symlink to ${real}, which is not allowed: ${confined.reason}`,
    );
  }
  return confined.path;
}

/** The real path of the deepest existing ancestor, with the missing tail appended. */
async function realPathOfExistingPart(path: string): Promise<string> {
  let existing = path;
  const missing: string[] = [];
  for (;;) {
    try {
      const stat = await lstat(existing);
      if (stat.isSymbolicLink()) {
        // A dangling link would let write create its target wherever it points.
        const target = await realpath(existing).catch(() => undefined);
        if (target === undefined)
          throw new ToolFailure(`${existing} is a symlink whose target does not exist`);
        return join(target, ...missing);
      }
      return join(await realpath(existing), ...missing);
    } catch (err) {
      if (err instanceof ToolFailure) throw err;
      const parent = dirname(existing);
      if (parent === existing) return path;
      missing.unshift(existing.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)));
      existing = parent;
    }
  }
}

/** A path to show the model: relative to the agent folder when inside it. */
export function displayPath(path: string, roots: WorkspaceRoots): string {
  const rel = relative(roots.cwd, path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}
