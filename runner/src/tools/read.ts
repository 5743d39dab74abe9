/**
 * read: shows a text file with line numbers, a window of lines at a time. It streams the
 * file and stops at the window, so a multi-gigabyte log costs no more than its first lines.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { displayPath, resolveInWorkspace } from './paths.js';
import { ToolFailure } from './tool-failure.js';
import { defineTool } from './workspace-tool.js';

export const READ_MAX_LINES = 2_000;
export const READ_MAX_BYTES = 100_000;
const MAX_LINE_CHARS = 2_000;

const schema = z.object({
  path: z.string().describe('File to read, relative to the agent folder or absolute inside the workspace.'),
  offset: z.number().int().positive().optional().describe('First line to show (1-based).'),
  limit: z.number().int().positive().optional().describe(`How many lines to show (max ${READ_MAX_LINES}).`),
});

export const readTool = defineTool({
  name: 'read',
  description:
    `Read a text file with line numbers (at most ${READ_MAX_LINES} lines or ${READ_MAX_BYTES} bytes per call; ` +
    'use offset/limit for more).',
  schema,
  summary: (args) => `read: ${args.path}`,
  run: async (args, context) => {
    const path = await resolveInWorkspace(args.path, context.roots, 'read');
    const info = await stat(path).catch(() => {
      throw new ToolFailure(`${args.path} does not exist`);
    });
    if (info.isDirectory()) throw new ToolFailure(`${args.path} is a directory; use glob to list it`);
    if (!info.isFile()) throw new ToolFailure(`${args.path} is not a regular file`);
    if (await looksBinary(path))
      return `${displayPath(path, context.roots)} is a binary file (${info.size} bytes).`;
    const offset = args.offset ?? 1;
    const limit = Math.min(args.limit ?? READ_MAX_LINES, READ_MAX_LINES);
    return readWindow(path, offset, limit, info.size);
  },
});

async function looksBinary(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const sample = Buffer.alloc(8_192);
    const { bytesRead } = await handle.read(sample, 0, sample.length, 0);
    return sample.subarray(0, bytesRead).includes(0);
  } finally {
    await handle.close();
  }
}

async function readWindow(path: string, offset: number, limit: number, size: number): Promise<string> {
  const stream = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const shown: string[] = [];
  let bytes = 0;
  let number = 0;
  let more = false;
  try {
    for await (const line of lines) {
      number += 1;
      if (number < offset) continue;
      if (shown.length >= limit || bytes >= READ_MAX_BYTES) {
        more = true;
        break;
      }
      const text = line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}… [line cut]` : line;
      const entry = `${String(number).padStart(6)}\t${text}`;
      shown.push(entry);
      bytes += Buffer.byteLength(entry) + 1;
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  if (shown.length === 0)
    return number < offset ? `(the file has ${number} lines; nothing at line ${offset})` : '(empty file)';
  const last = offset + shown.length - 1;
  const note = more
    ? `\n… [showing lines ${offset}-${last} of a ${size}-byte file; read on with offset ${last + 1}]`
    : '';
  return shown.join('\n') + note;
}
