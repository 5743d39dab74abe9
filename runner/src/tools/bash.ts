/**
 * bash: runs a shell command in the agent folder. The sandbox is the boundary here (a shell
 * cannot be path-confined); this tool only bounds time and output. The command runs in its
 * own process group so a timeout kills everything it started.
 */
import { spawn } from 'node:child_process';
import { z } from 'zod';
import { CappedBuffer } from './bounded-text.js';
import { defineTool, type ToolContext } from './workspace-tool.js';

export const BASH_OUTPUT_MAX_BYTES = 30_000;
const MAX_TIMEOUT_MS = 10 * 60_000;

const schema = z.object({
  command: z.string().min(1).describe('The shell command to run (bash -c), in the agent folder.'),
  timeout_ms: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('Wall-clock limit in milliseconds (max 600000).'),
});

export const bashTool = defineTool({
  name: 'bash',
  description:
    'Run a shell command with bash in the agent folder and return its exit code and combined output ' +
    `(the middle of long output is cut to ${BASH_OUTPUT_MAX_BYTES} bytes). Each call starts a fresh shell.`,
  schema,
  summary: (args) => `bash: ${args.command.length > 200 ? args.command.slice(0, 200) + '…' : args.command}`,
  run: async (args, context) => {
    const timeoutMs = Math.min(args.timeout_ms ?? context.bashTimeoutMs, MAX_TIMEOUT_MS);
    const result = await runShell(args.command, context, timeoutMs);
    const header = result.timedOut
      ? `Command timed out after ${timeoutMs} ms and was killed.`
      : result.aborted
        ? 'Command was stopped because the agent is shutting down.'
        : `Exit code: ${result.code ?? `signal ${result.signal}`}`;
    return `${header}\n${result.output}`.trimEnd();
  },
});

interface ShellResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  timedOut: boolean;
  aborted: boolean;
}

function runShell(command: string, context: ToolContext, timeoutMs: number): Promise<ShellResult> {
  const { signal } = context;
  return new Promise((resolve) => {
    const output = new CappedBuffer(BASH_OUTPUT_MAX_BYTES);
    const child = spawn('bash', ['-c', command], {
      cwd: context.roots.cwd,
      env: context.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let timedOut = false;
    let aborted = false;
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    const onAbort = (): void => {
      aborted = true;
      killGroup();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    let settled = false;
    const finish = (code: number | null, sig: NodeJS.Signals | null, extra = ''): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      // A background job may keep the pipes open; do not wait for it.
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({ code, signal: sig, output: output.toString() + extra, timedOut, aborted });
    };
    child.once('error', (err) => finish(null, null, `failed to start bash: ${err.message}`));
    // 'close' comes once the pipes are drained. A background job may keep them open, so after
    // the shell exits, give its last output a moment and then stop waiting.
    child.once('close', (code, sig) => finish(code, sig));
    child.once('exit', (code, sig) => {
      setTimeout(() => finish(code, sig), 100);
    });
  });
}
