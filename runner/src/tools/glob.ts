/**
 * glob: lists files matching a pattern (`**` crosses folders, `*` and `?` do not, `{a,b}`
 * alternates; picomatch matches). It walks without following symlinks, so a link to /
 * cannot make it wander out of the workspace, and it stops after a fixed number of entries.
 */
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import picomatch from 'picomatch';
import { z } from 'zod';
import { displayPath, resolveInWorkspace } from './paths.js';
import { defineTool } from './workspace-tool.js';

export const GLOB_MAX_RESULTS = 500;
const MAX_VISITED = 50_000;
const SKIPPED_DIRS = new Set(['.git', 'node_modules']);

const schema = z.object({
  pattern: z.string().min(1).describe('Glob pattern, e.g. "**/*.md" or "notes/*.txt".'),
  path: z.string().optional().describe('Folder to search in (default: the agent folder).'),
});

export const globTool = defineTool({
  name: 'glob',
  description: `List files matching a glob pattern (at most ${GLOB_MAX_RESULTS}; .git and node_modules are skipped).`,
  schema,
  summary: (args) => `glob: ${args.pattern}${args.path ? ` in ${args.path}` : ''}`,
  run: async (args, context) => {
    const base = await resolveInWorkspace(args.path ?? '.', context.roots, 'read');
    const matches = globMatcher(args.pattern);
    const found: string[] = [];
    let visited = 0;
    let truncated = false;
    const walk = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (found.length >= GLOB_MAX_RESULTS || visited >= MAX_VISITED) {
          truncated = true;
          return;
        }
        visited += 1;
        const full = join(dir, entry.name);
        const rel = relative(base, full).split(sep).join('/');
        if (matches(rel)) found.push(full);
        // Dirent reports symlinks as symlinks: never descend into them.
        if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name)) await walk(full);
      }
    };
    await walk(base);
    if (found.length === 0) return 'No files match.';
    const lines = found.sort().map((path) => displayPath(path, context.roots));
    return (
      lines.join('\n') + (truncated ? `\n… [stopped after ${found.length} matches / ${visited} entries]` : '')
    );
  },
});

/**
 * A matcher over '/'-separated relative paths. Dotfiles match like any file (the agent's
 * own folder has no hidden-file convention to honour); brackets, `!` and extglobs stay
 * literal, so a file named `[draft].md` can be found by its name.
 */
export function globMatcher(pattern: string): (path: string) => boolean {
  return picomatch(pattern, { dot: true, nobracket: true, noextglob: true, nonegate: true, windows: false });
}
