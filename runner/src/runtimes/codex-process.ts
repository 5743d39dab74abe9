/**
 * Runs one Codex CLI turn: `codex exec --json [resume <thread>] -` with the prompt on stdin,
 * feeding each JSONL event to the translator. Codex runs in its own process group, so a stop
 * or the idle watchdog kills it with the shell commands and MCP bridge it started.
 *
 * The watchdog exists because Codex waits forever for a model endpoint that accepts the
 * connection and never answers; it only counts while no command or tool call is running.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { readLines } from '../../../src/protocol/line-reader.js';
import { CappedBuffer } from '../tools/bounded-text.js';
import type { CodexTurnTranslator } from './codex-events.js';

/** Codex prints whole command outputs in its events; far more than a protocol line, still bounded. */
const MAX_EVENT_BYTES = 16 * 1024 * 1024;

export interface CodexTurnSpec {
  /** argv[0..] of the Codex CLI (default: node …/@openai/codex/bin/codex.js). */
  command: string[];
  cwd: string;
  model: string;
  resumeThreadId: string | undefined;
  prompt: string;
  env: NodeJS.ProcessEnv;
  idleTimeoutMs: number;
  signal: AbortSignal;
}

export interface CodexTurnExit {
  code: number | null;
  /** The end of stderr, for error messages. */
  stderr: string;
  idleTimedOut: boolean;
  /** Set when a line could not be read (oversized). */
  readError: string | undefined;
}

export function defaultCodexCommand(): string[] {
  const require = createRequire(import.meta.url);
  return [process.execPath, require.resolve('@openai/codex/bin/codex.js')];
}

export function runCodexTurn(spec: CodexTurnSpec, translator: CodexTurnTranslator): Promise<CodexTurnExit> {
  const [program, ...baseArgs] = spec.command;
  const args = [
    ...baseArgs,
    'exec',
    '--json',
    '--skip-git-repo-check',
    // The OmniClaw sandbox is the boundary; Codex's own sandbox would need privileges it lacks there.
    '--dangerously-bypass-approvals-and-sandbox',
    '--cd',
    spec.cwd,
    '--model',
    spec.model,
    ...(spec.resumeThreadId ? ['resume', spec.resumeThreadId] : []),
    '-',
  ];
  return new Promise((resolve) => {
    const child = spawn(program!, args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stderr = new CappedBuffer(8_000);
    let idleTimedOut = false;
    let readError: string | undefined;
    let killTimer: NodeJS.Timeout | undefined;

    const killGroup = (): void => {
      const signalGroup = (sig: NodeJS.Signals): void => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, sig);
        } catch {
          // already gone
        }
      };
      signalGroup('SIGTERM');
      killTimer ??= setTimeout(() => signalGroup('SIGKILL'), 2_000);
    };

    let idleTimer: NodeJS.Timeout | undefined;
    const armIdle = (): void => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        if (translator.busy()) return armIdle();
        idleTimedOut = true;
        killGroup();
      }, spec.idleTimeoutMs);
    };
    armIdle();

    const onAbort = (): void => killGroup();
    spec.signal.addEventListener('abort', onAbort, { once: true });

    readLines(
      child.stdout,
      {
        line: (text) => {
          armIdle();
          translator.handle(text);
        },
        error: (err) => {
          readError = err.message;
          killGroup();
        },
      },
      MAX_EVENT_BYTES,
    );
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on('error', () => undefined);
    child.stdin.end(spec.prompt);

    let settled = false;
    const finish = (code: number | null, extra = ''): void => {
      if (settled) return;
      settled = true;
      clearTimeout(idleTimer);
      clearTimeout(killTimer);
      spec.signal.removeEventListener('abort', onAbort);
      resolve({ code, stderr: stderr.toString() + extra, idleTimedOut, readError });
    };
    child.once('error', (err) => finish(null, `failed to start codex: ${err.message}`));
    // 'close' waits for stdout to drain, so the last events are handled before the turn ends.
    child.once('close', (code) => finish(code));
  });
}
