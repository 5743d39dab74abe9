/**
 * Drives the real compiled runner (`node runner/dist/runner/src/main.js`) as a child process over its
 * stdio, the way a sandbox does. Used by the runner tests and the runner benchmark.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLines } from '../../../src/protocol/line-reader.js';
import {
  encodeLine,
  parseRunnerEvent,
  PROTOCOL_VERSION,
  type HostCommand,
  type RunnerEvent,
  type StartCommand,
  type ToolDefinition,
} from '../../../src/protocol/runner-protocol.js';

export const RUNNER_MAIN = fileURLToPath(new URL('../../dist/runner/src/main.js', import.meta.url));

export interface TestWorkspace {
  root: string;
  agentDir: string;
  globalDir: string;
  serverDir: string;
  stateDir: string;
  remove(): void;
}

export function makeWorkspace(): TestWorkspace {
  const root = mkdtempSync(join(tmpdir(), 'omniclaw-runner-'));
  const dirs = { agentDir: 'agent', globalDir: 'global', serverDir: 'server', stateDir: 'state' };
  for (const dir of Object.values(dirs)) mkdirSync(join(root, dir));
  return {
    root,
    agentDir: join(root, dirs.agentDir),
    globalDir: join(root, dirs.globalDir),
    serverDir: join(root, dirs.serverDir),
    stateDir: join(root, dirs.stateDir),
    remove: () => rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }),
  };
}

export const sendMessageTool: ToolDefinition = {
  name: 'send_message',
  description: 'Send a message to the chat right now.',
  inputSchema: {
    type: 'object',
    properties: { text: { type: 'string' }, sender: { type: 'string' } },
    required: ['text'],
  },
};

export function startCommand(
  ws: TestWorkspace,
  anthropicUrl: string,
  overrides: Partial<StartCommand> = {},
): StartCommand {
  return {
    type: 'start',
    v: PROTOCOL_VERSION,
    runId: 'run-1',
    turnId: 'turn-1',
    agent: { id: 'agent-1', name: 'Andy', main: false },
    runtime: 'claude',
    model: 'claude-sonnet-4-5',
    prompt: 'hello',
    workspace: { agentDir: ws.agentDir, globalDir: ws.globalDir, extraDirs: [], stateDir: ws.stateDir },
    endpoints: { anthropic: { baseUrl: anthropicUrl, token: 'run-token-abc' } },
    tools: [sendMessageTool],
    mcpServers: {},
    ...overrides,
  };
}

export interface RunnerHandle {
  child: ChildProcessWithoutNullStreams;
  events: RunnerEvent[];
  /** Unparseable stdout lines: must stay empty (stdout is the protocol only). */
  garbage: string[];
  stderr(): string;
  send(command: HostCommand): void;
  sendRaw(text: string): void;
  waitFor<T extends RunnerEvent['type']>(
    type: T,
    match?: (event: Extract<RunnerEvent, { type: T }>) => boolean,
    timeoutMs?: number,
  ): Promise<Extract<RunnerEvent, { type: T }>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Asks the runner to stop (so its engine ends too), then kills it if it lingers. */
  close(): Promise<void>;
  kill(): void;
}

/**
 * Lower limits than the runner's defaults (claude-options.ts), so the tests that expect an API
 * failure end within seconds; `engineDefaults` leaves them out to test the defaults themselves.
 */
export const FAST_FAILURE_ENV = { CLAUDE_CODE_MAX_RETRIES: '0', API_TIMEOUT_MS: '3000' };

export function startRunner(
  ws: TestWorkspace,
  env: Record<string, string> = {},
  options: { engineDefaults?: boolean } = {},
): RunnerHandle {
  const limits = options.engineDefaults ? {} : FAST_FAILURE_ENV;
  const child = spawn(process.execPath, [RUNNER_MAIN], {
    cwd: ws.agentDir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: ws.root, ...limits, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const events: RunnerEvent[] = [];
  const garbage: string[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.on('error', () => undefined);
  readLines(child.stdout, {
    line: (text) => {
      try {
        events.push(parseRunnerEvent(text));
      } catch {
        garbage.push(text);
      }
      for (const check of [...waiters]) check();
    },
    error: (err) => garbage.push(err.message),
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      for (const check of [...waiters]) check();
    }),
  );

  const handle: RunnerHandle = {
    child,
    events,
    garbage,
    stderr: () => stderr,
    send: (command) => void child.stdin.write(encodeLine(command)),
    sendRaw: (text) => void child.stdin.write(text),
    waitFor: (type, match, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const found = events.find(
            (e): e is Extract<RunnerEvent, { type: typeof type }> =>
              e.type === type && (!match || match(e as Extract<RunnerEvent, { type: typeof type }>)),
          );
          if (found) {
            finish();
            resolve(found);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            finish();
            reject(
              new Error(
                `runner exited before a "${type}" event; events: ${JSON.stringify(events)}\nstderr: ${stderr.slice(-2000)}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(
            new Error(
              `no "${type}" event within ${timeoutMs} ms; events: ${JSON.stringify(events)}\nstderr: ${stderr.slice(-2000)}`,
            ),
          );
        }, timeoutMs);
        const finish = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    exited,
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      handle.send({ type: 'stop', reason: 'test over' });
      const timer = setTimeout(() => handle.kill(), 5_000);
      await exited;
      clearTimeout(timer);
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
  return handle;
}

/** Answers every tool_call the runner sends with `answer(name, args)`. */
export function answerToolCalls(
  runner: RunnerHandle,
  answer: (name: string, args: unknown) => { ok: boolean; content: string },
): void {
  const answered = new Set<string>();
  runner.child.stdout.on('data', () => {
    setImmediate(() => {
      for (const event of runner.events) {
        if (event.type !== 'tool_call' || answered.has(event.callId)) continue;
        answered.add(event.callId);
        runner.send({ type: 'tool_result', callId: event.callId, ...answer(event.name, event.args) });
      }
    });
  });
}

/** Child processes of a process (e.g. the engine under the runner), by pid. */
export function childPids(pid: number): number[] {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return children ? children.split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}

/** True once none of the processes exists any more (polled, bounded). */
export async function processesGone(pids: number[], timeoutMs = 5_000): Promise<boolean> {
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '); // a zombie is gone
    } catch {
      return false;
    }
  };
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!pids.some(alive)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
