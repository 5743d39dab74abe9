/**
 * A live `codex app-server` process and a client for its protocol: JSON-RPC 2.0 requests,
 * responses and notifications, one JSON object per line over stdio, without the `"jsonrpc"`
 * member (shapes: `codex app-server generate-ts`, @openai/codex 0.169). One process serves
 * every turn of a run, so a follow-up costs a `turn/start` request instead of a new Codex.
 *
 * Hand-written because nothing published speaks this protocol: @openai/codex-sdk starts a
 * `codex exec` per turn, and the JSON-RPC libraries (json-rpc-2.0, vscode-jsonrpc) insist on
 * the `"jsonrpc"` member or on Content-Length framing. Codex runs in its own process group,
 * so `kill()` ends it with the shell commands and MCP servers it started.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createRequire } from 'node:module';
import { readLines } from '../../../src/protocol/line-reader.js';
import { CappedBuffer } from '../tools/bounded-text.js';

/** Codex puts whole command outputs in its notifications: far more than a protocol line, still bounded. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export interface AppServerNotification {
  method: string;
  params: Record<string, unknown>;
}

export interface AppServerSpec {
  /** argv of the Codex CLI (default: node …/@openai/codex/bin/codex.js). */
  command: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  onNotification: (notification: AppServerNotification) => void;
  log: (message: string, fields?: Record<string, unknown>) => void;
}

export interface AppServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The end of stderr, for error messages. */
  stderr: string;
}

/** A JSON-RPC error answer from Codex, with its message. */
export class AppServerError extends Error {
  constructor(
    readonly method: string,
    readonly code: number | undefined,
    message: string,
  ) {
    super(`codex app-server refused ${method}: ${message}`);
  }
}

export interface CodexAppServer {
  readonly pid: number | undefined;
  request<T>(method: string, params: unknown): Promise<T>;
  /** Resolves when the process has ended (also after `kill`). */
  readonly exited: Promise<AppServerExit>;
  /** SIGTERM to the process group, SIGKILL after 2 s; resolves once it has exited. */
  kill(): Promise<AppServerExit>;
}

export function defaultCodexCommand(): string[] {
  const require = createRequire(import.meta.url);
  return [process.execPath, require.resolve('@openai/codex/bin/codex.js')];
}

/** Starts `codex app-server` and completes the `initialize` handshake. */
export async function startCodexAppServer(spec: AppServerSpec): Promise<CodexAppServer> {
  const [program, ...baseArgs] = spec.command;
  const child = spawn(program!, [...baseArgs, 'app-server', '--listen', 'stdio://'], {
    cwd: spec.cwd,
    env: spec.env,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const server = connect(child, spec);
  try {
    await server.request('initialize', {
      clientInfo: { name: 'omniclaw', title: 'OmniClaw runner', version: '0.1.0' },
      capabilities: { experimentalApi: false, requestAttestation: false },
    });
  } catch (err) {
    const exit = await server.kill();
    throw new Error(`${(err as Error).message}; its last output: ${exit.stderr.slice(-600) || 'none'}`, {
      cause: err,
    });
  }
  child.stdin.write(`${JSON.stringify({ method: 'initialized' })}\n`);
  return server;
}

function connect(child: ChildProcessWithoutNullStreams, spec: AppServerSpec): CodexAppServer {
  const stderr = new CappedBuffer(8_000);
  const pending = new Map<
    number,
    { method: string; resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  let nextId = 1;
  let exit: AppServerExit | undefined;

  const exited = new Promise<AppServerExit>((resolve) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null, extra = ''): void => {
      if (exit) return;
      exit = { code, signal, stderr: stderr.toString() + extra };
      for (const { method, reject } of pending.values()) {
        reject(
          new Error(`codex app-server ended (code ${code}, signal ${signal}) before answering ${method}`),
        );
      }
      pending.clear();
      resolve(exit);
    };
    child.once('error', (err) => finish(null, null, `failed to start codex: ${err.message}`));
    // 'close' waits for stdout to drain, so the last notifications are handled first.
    child.once('close', (code, signal) => finish(code, signal));
  });

  const write = (message: Record<string, unknown>): void => {
    if (!exit) child.stdin.write(`${JSON.stringify(message)}\n`);
  };

  const onLine = (text: string): void => {
    let message: {
      id?: number | string;
      method?: string;
      params?: unknown;
      result?: unknown;
      error?: { code?: number; message?: string };
    };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      spec.log('codex app-server printed a line that is not JSON', { line: text.slice(0, 200) });
      return;
    }
    if (message.method !== undefined && message.id !== undefined) {
      // A request from Codex (an approval, a question for the user). Approvals are off and
      // there is no one to ask inside a run: refuse, so Codex goes on instead of waiting.
      spec.log('codex app-server asked something the runner does not answer', { method: message.method });
      write({
        id: message.id,
        error: { code: -32601, message: `${message.method} is not supported by OmniClaw` },
      });
      return;
    }
    if (message.method !== undefined) {
      spec.onNotification({
        method: message.method,
        params: (message.params ?? {}) as Record<string, unknown>,
      });
      return;
    }
    const waiting = typeof message.id === 'number' ? pending.get(message.id) : undefined;
    if (!waiting) return;
    pending.delete(message.id as number);
    if (message.error)
      waiting.reject(
        new AppServerError(waiting.method, message.error.code, message.error.message ?? 'no message'),
      );
    else waiting.resolve(message.result);
  };

  readLines(
    child.stdout,
    {
      line: onLine,
      error: (err) => {
        spec.log('codex app-server printed a line that could not be read; stopping it', {
          error: err.message,
        });
        signalGroup('SIGKILL');
      },
    },
    MAX_MESSAGE_BYTES,
  );
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  child.stdin.on('error', () => undefined);

  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };

  return {
    pid: child.pid,
    exited,
    request: <T>(method: string, params: unknown): Promise<T> => {
      if (exit) return Promise.reject(new Error(`codex app-server has ended; cannot send ${method}`));
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject });
        write({ id, method, params });
      });
    },
    kill: async () => {
      if (!exit) {
        signalGroup('SIGTERM');
        const timer = setTimeout(() => signalGroup('SIGKILL'), 2_000);
        await exited;
        clearTimeout(timer);
      }
      // The group may outlive its leader (a command Codex started): make sure it ends too.
      signalGroup('SIGKILL');
      return exited;
    },
  };
}
