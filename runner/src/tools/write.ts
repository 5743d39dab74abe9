/**
 * write: creates or replaces a file inside a writable root. The final open refuses to follow
 * a symlink (O_NOFOLLOW), so a link swapped in after the path check cannot redirect it.
 */
import { constants } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { displayPath, resolveInWorkspace } from './paths.js';
import { ToolFailure } from './tool-failure.js';
import { defineTool } from './workspace-tool.js';

export const WRITE_MAX_BYTES = 5 * 1024 * 1024;

const schema = z.object({
  path: z.string().describe('File to write, relative to the agent folder or absolute inside it.'),
  content: z.string().describe('The complete new content of the file.'),
});

export const writeTool = defineTool({
  name: 'write',
  description:
    'Create or overwrite a file in the agent folder with the given content (parent folders are created).',
  schema,
  summary: (args) => `write: ${args.path}`,
  run: async (args, context) => {
    const bytes = Buffer.byteLength(args.content);
    if (bytes > WRITE_MAX_BYTES)
      throw new ToolFailure(`content of ${bytes} bytes exceeds ${WRITE_MAX_BYTES}`);
    const path = await resolveInWorkspace(args.path, context.roots, 'write');
    await mkdir(dirname(path), { recursive: true });
    await writeNoFollow(path, args.content);
    return `Wrote ${bytes} bytes to ${displayPath(path, context.roots)}.`;
  },
});

export async function writeNoFollow(path: string, content: string): Promise<void> {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;
  const handle = await open(path, flags, 0o644).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ELOOP') throw new ToolFailure(`${path} is a symlink; refusing to write through it`);
    if (err.code === 'EISDIR') throw new ToolFailure(`${path} is a directory`);
    throw new ToolFailure(`cannot write ${path}: ${err.message}`);
  });
  try {
    await handle.writeFile(content, 'utf8');
  } finally {
    await handle.close();
  }
}
