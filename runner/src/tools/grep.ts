/**
 * grep: searches file contents with the system grep (extended regular expressions). Using
 * grep rather than a JavaScript RegExp keeps a pathological pattern from freezing the runner:
 * the search runs in its own process with a time limit and bounded output.
 */
import { spawn } from 'node:child_process';
import { z } from 'zod';
import { CappedBuffer } from './bounded-text.js';
import { displayPath, resolveInWorkspace } from './paths.js';
import { ToolFailure } from './tool-failure.js';
import { defineTool } from './workspace-tool.js';

export const GREP_MAX_BYTES = 30_000;
const GREP_TIMEOUT_MS = 20_000;

const schema = z.object({
  pattern: z.string().min(1).describe('Extended regular expression (grep -E).'),
  path: z.string().optional().describe('File or folder to search (default: the agent folder).'),
  glob: z.string().optional().describe('Only files whose name matches this glob, e.g. "*.md".'),
  ignore_case: z.boolean().optional(),
});

export const grepTool = defineTool({
  name: 'grep',
  description:
    'Search file contents for a regular expression (grep -E, recursive, binary files skipped). ' +
    'Returns path:line:text lines.',
  schema,
  summary: (args) => `grep: ${args.pattern}${args.path ? ` in ${args.path}` : ''}`,
  run: async (args, context) => {
    const target = await resolveInWorkspace(args.path ?? '.', context.roots, 'read');
    // -r (not -R): symlinks found while recursing are not followed.
    const argv = ['-r', '-n', '-I', '-E', '--exclude-dir=.git', '--exclude-dir=node_modules'];
    if (args.ignore_case) argv.push('-i');
    if (args.glob) argv.push(`--include=${args.glob}`);
    // Relative paths keep the output short; grep runs in the agent folder.
    // With no operand, grep -r searches the working folder and prints paths without "./".
    const operand = displayPath(target, context.roots);
    argv.push('-e', args.pattern, ...(operand === '.' ? [] : ['--', operand]));
    const { code, output, errors, timedOut } = await runGrep(argv, context.roots.cwd, context.signal);
    if (timedOut)
      throw new ToolFailure(`grep took longer than ${GREP_TIMEOUT_MS} ms; narrow the path or pattern`);
    if (code === 1) return 'No matches.';
    if (code !== 0 && !output) throw new ToolFailure(`grep failed: ${errors.trim() || `exit code ${code}`}`);
    return output.trimEnd();
  },
});

function runGrep(
  argv: string[],
  cwd: string,
  signal: AbortSignal,
): Promise<{ code: number | null; output: string; errors: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const output = new CappedBuffer(GREP_MAX_BYTES);
    const errors = new CappedBuffer(2_000);
    const child = spawn('grep', argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'], signal });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, GREP_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => errors.push(chunk));
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ code: 2, output: '', errors: err.message, timedOut });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: output.toString(), errors: errors.toString(), timedOut });
    });
  });
}
