/**
 * edit: replaces an exact string in a file. The string must be unique unless replace_all is
 * set, so the model cannot change the wrong occurrence by accident.
 */
import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { displayPath, resolveInWorkspace } from './paths.js';
import { ToolFailure } from './tool-failure.js';
import { defineTool } from './workspace-tool.js';
import { WRITE_MAX_BYTES, writeNoFollow } from './write.js';

const schema = z.object({
  path: z.string().describe('File to edit, relative to the agent folder or absolute inside it.'),
  old_string: z.string().min(1).describe('The exact text to replace.'),
  new_string: z.string().describe('The replacement text.'),
  replace_all: z.boolean().optional().describe('Replace every occurrence instead of exactly one.'),
});

export const editTool = defineTool({
  name: 'edit',
  description:
    'Replace an exact piece of text in a file. old_string must occur exactly once unless replace_all is true.',
  schema,
  summary: (args) => `edit: ${args.path}`,
  run: async (args, context) => {
    const path = await resolveInWorkspace(args.path, context.roots, 'write');
    const info = await stat(path).catch(() => {
      throw new ToolFailure(`${args.path} does not exist; use write to create it`);
    });
    if (!info.isFile()) throw new ToolFailure(`${args.path} is not a regular file`);
    if (info.size > WRITE_MAX_BYTES)
      throw new ToolFailure(`${args.path} is too large to edit (${info.size} bytes)`);
    const text = await readFile(path, 'utf8');
    const count = text.split(args.old_string).length - 1;
    if (count === 0) throw new ToolFailure(`old_string was not found in ${args.path}`);
    if (count > 1 && !args.replace_all) {
      throw new ToolFailure(
        `old_string occurs ${count} times in ${args.path}; add context or set replace_all`,
      );
    }
    const updated = args.replace_all
      ? text.split(args.old_string).join(args.new_string)
      : text.replace(args.old_string, () => args.new_string);
    await writeNoFollow(path, updated);
    return `Edited ${displayPath(path, context.roots)}: ${args.replace_all ? count : 1} replacement(s).`;
  },
});
