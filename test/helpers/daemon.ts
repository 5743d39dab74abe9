/**
 * The daemon and the CLI as real subprocesses (`node bin/omniclaw.js …`), each instance in
 * a temp OMNICLAW_HOME with the echo runner. The environment is built from scratch so the
 * machine's own credentials, HOME and local model servers never leak into a test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3, { type Database } from 'better-sqlite3';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'omniclaw.js');
export const ECHO_RUNNER = join(ROOT, 'test', 'fixtures', 'echo-runner.mjs');

/** A config for daemon tests: no isolation (the echo runner is harmless), fast retries. */
export const DAEMON_CONFIG = `
http: { port: 0 }
models:
  anthropic: { apiKey: sk-ant-fake-daemon-test-0123456789 }
sandbox: { default: none }
queue:
  retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 50 }
  drainTimeoutMs: 20000
agents:
  - { id: main, main: true, sandbox: none }
`;

export interface Instance {
  home: string;
  /** A HOME for the subprocesses, so nothing of the real user's is read. */
  userHome: string;
  env: Record<string, string>;
  cleanup(): void;
}

/** A temp instance directory, with `config` written as omniclaw.yaml (null: no config yet). */
export function makeInstance(
  config: string | null = DAEMON_CONFIG,
  env: Record<string, string> = {},
): Instance {
  const root = mkdtempSync(join(tmpdir(), 'omniclaw-daemon-'));
  const home = join(root, 'home');
  const userHome = join(root, 'user');
  mkdirSync(home, { mode: 0o700 });
  mkdirSync(userHome, { mode: 0o700 });
  if (config !== null) writeFileSync(join(home, 'omniclaw.yaml'), config, { mode: 0o600 });
  return {
    home,
    userHome,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: userHome,
      OMNICLAW_HOME: home,
      OMNICLAW_RUNNER: ECHO_RUNNER,
      OMNICLAW_HTTP_PORT: '0',
      // First-start model detection must never reach a real Ollama / LM Studio here.
      OMNICLAW_LOCAL_MODEL_URLS: 'none',
      ...env,
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs one CLI command to its end. */
export function cli(
  instance: Instance,
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...instance.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export interface Daemon {
  process: ChildProcess;
  http: { host: string; port: number };
  /** Everything the daemon wrote to stderr so far. */
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Stops it with SIGTERM (if still running) and waits for the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `omniclaw start` and resolves once it says it is running (with its http port). */
export function startDaemon(instance: Instance, extraEnv: Record<string, string> = {}): Promise<Daemon> {
  const child = spawn(process.execPath, [BIN, 'start'], {
    cwd: ROOT,
    env: { ...instance.env, ...extraEnv },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the daemon did not start within 30 s:\n${stderr}`));
    }, 30_000);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const match = /health on http:\/\/([^:/\s]+):(\d+)\/healthz/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve({
          process: child,
          http: { host: match[1]!, port: Number(match[2]) },
          stderr: () => stderr,
          exited,
          stop: async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the daemon exited (code ${code}, signal ${signal}) before it ran:\n${stderr}`));
    });
  });
}

/** Reads the instance database without writing to it (the daemon may be running). */
export function readDb<T>(instance: Instance, read: (db: Database) => T): T {
  const db = new BetterSqlite3(join(instance.home, 'omniclaw.db'), { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

export interface OutboxRow {
  id: number;
  chat: string;
  text: string;
  status: string;
  attempts: number;
}

export const outboxRows = (instance: Instance, chat = 'local:default'): OutboxRow[] =>
  readDb(
    instance,
    (db) =>
      db
        .prepare('SELECT id, chat, text, status, attempts FROM outbox WHERE chat = ? ORDER BY id')
        .all(chat) as OutboxRow[],
  );

/** Waits until `check` returns a truthy value. */
export async function until<T>(
  check: () => T | undefined | false,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const start = Date.now();
  for (;;) {
    let value: T | undefined | false;
    try {
      value = check();
    } catch {
      value = undefined; // e.g. the database is not created yet
    }
    if (value) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function httpGet(
  daemon: Daemon,
  path: string,
): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(`http://${daemon.http.host}:${daemon.http.port}${path}`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}
