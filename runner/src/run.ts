/**
 * One run of the runner: wait for `start`, load the runtime it names, relay follow-ups and
 * tool results to it, turn what it reports into protocol events, and end cleanly on `stop`,
 * on stdin end, on a fatal runtime error or on an invalid line. Resolves with the exit code.
 */
import type { Readable, Writable } from 'node:stream';
import type {
  HostCommand,
  ProtocolError,
  RunnerEvent,
  StartCommand,
} from '../../src/protocol/runner-protocol.js';
import { PROTOCOL_VERSION } from '../../src/protocol/runner-protocol.js';
import { startProtocolIO, type ProtocolIO } from './protocol-io.js';
import type { Runtime, RuntimeSink, RuntimeTable } from './runtime.js';
import { PendingToolCalls } from './tool-calls.js';

export type Log = (message: string, fields?: Record<string, unknown>) => void;

export interface RunnerDeps {
  input: Readable;
  output: Writable;
  runtimes: RuntimeTable;
  log: Log;
  /** Runs after `start` arrives and before the runtime starts (e.g. the gateway forwarder). */
  beforeRuntime?: (start: StartCommand) => Promise<void>;
  /** Longest wait for a runtime to stop before the runner exits anyway. */
  stopTimeoutMs?: number;
}

export const EXIT_OK = 0;
export const EXIT_RUNTIME_FAILED = 1;
export const EXIT_PROTOCOL_ERROR = 2;

export function runRunner(deps: RunnerDeps): Promise<number> {
  const { log } = deps;
  const toolCalls = new PendingToolCalls();
  let runtime: Runtime | undefined;
  let state: 'waiting' | 'starting' | 'running' | 'stopping' = 'waiting';
  /** Follow-ups that arrive while the runtime is still loading. */
  const early: { turnId: string; text: string }[] = [];
  let finish!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (finish = resolve));

  const shutdown = async (code: number, why: string): Promise<void> => {
    if (state === 'stopping') return;
    state = 'stopping';
    log('runner stopping', { why, code });
    io.close();
    toolCalls.closeAll('the run ended before the host answered this tool call');
    if (runtime) {
      const stopped = runtime
        .stop()
        .catch((err: unknown) => log('runtime stop failed', { error: String(err) }));
      const timeout = new Promise((resolve) => setTimeout(resolve, deps.stopTimeoutMs ?? 5_000).unref());
      await Promise.race([stopped, timeout]);
    }
    await io.flush();
    finish(code);
  };

  const fatal = (
    message: string,
    code: number,
    extra: { turnId?: string; sessionInvalid?: boolean } = {},
  ): void => {
    if (state === 'stopping') return;
    io.emit({ type: 'error', message, fatal: true, ...extra });
    void shutdown(code, message);
  };

  // Once the run is ending (stop, fatal error) nothing more goes out: an engine finishing its
  // turn during shutdown must not answer after the host was told the run failed.
  const emit = (event: RunnerEvent): void => {
    if (state !== 'stopping') io.emit(event);
  };
  const sink: RuntimeSink = {
    progress: (turnId, kind, text) => emit({ type: 'progress', turnId, kind, text }),
    delta: (turnId, text, reset) => emit({ type: 'delta', turnId, text, ...(reset ? { reset: true } : {}) }),
    reply: (turnId, text) => emit({ type: 'reply', turnId, text }),
    session: (sessionId) => emit({ type: 'session', sessionId }),
    done: (turnId, usage) => emit({ type: 'done', turnId, usage }),
    error: (message, options) => {
      if (options.fatal) {
        fatal(message, EXIT_RUNTIME_FAILED, {
          turnId: options.turnId,
          sessionInvalid: options.sessionInvalid,
        });
      } else {
        emit({
          type: 'error',
          message,
          fatal: false,
          turnId: options.turnId,
          sessionInvalid: options.sessionInvalid,
        });
      }
    },
    callTool: (name, args, turnId) => {
      const { callId, outcome } = toolCalls.open(name);
      emit({ type: 'tool_call', callId, turnId, name, args });
      return outcome;
    },
    log,
  };

  const start = async (command: StartCommand): Promise<void> => {
    state = 'starting';
    let loaded: Runtime;
    try {
      await deps.beforeRuntime?.(command);
      loaded = await deps.runtimes[command.runtime]();
      runtime = loaded;
      if (state !== 'starting') return; // stopped while loading
      await loaded.start(command, sink);
    } catch (err) {
      fatal(
        `the ${command.runtime} runtime of agent "${command.agent.name}" failed to start: ${(err as Error).message}`,
        EXIT_RUNTIME_FAILED,
        {
          turnId: command.turnId,
        },
      );
      return;
    }
    if (state !== 'starting') return;
    state = 'running';
    io.emit({ type: 'ready', v: PROTOCOL_VERSION, runtime: command.runtime });
    for (const message of early.splice(0)) loaded.push(message.turnId, message.text);
  };

  const onCommand = (command: HostCommand): void => {
    if (state === 'stopping') return;
    switch (command.type) {
      case 'start':
        if (state !== 'waiting')
          return fatal('the host sent "start" twice; a runner serves one run', EXIT_PROTOCOL_ERROR);
        log('run starting', { run: command.runId, agent: command.agent.id, runtime: command.runtime });
        void start(command);
        return;
      case 'message':
        if (state === 'waiting') return fatal('the host sent "message" before "start"', EXIT_PROTOCOL_ERROR);
        if (state === 'starting') return void early.push({ turnId: command.turnId, text: command.text });
        try {
          runtime?.push(command.turnId, command.text);
        } catch (err) {
          fatal(
            `the runtime could not take message ${command.turnId}: ${(err as Error).message}`,
            EXIT_RUNTIME_FAILED,
            {
              turnId: command.turnId,
            },
          );
        }
        return;
      case 'tool_result':
        if (!toolCalls.settle(command.callId, { ok: command.ok, content: command.content })) {
          io.emit({
            type: 'error',
            fatal: false,
            message: `the host answered tool call "${command.callId}", which is not waiting for an answer (unknown or already answered); ignored`,
          });
        }
        return;
      case 'stop':
        void shutdown(EXIT_OK, `host asked to stop${command.reason ? `: ${command.reason}` : ''}`);
        return;
    }
  };

  const io: ProtocolIO = startProtocolIO(deps.input, deps.output, {
    command: onCommand,
    invalid: (err: ProtocolError) =>
      fatal(`invalid protocol line from the host: ${err.message}`, EXIT_PROTOCOL_ERROR),
    end: () => void shutdown(EXIT_OK, 'stdin closed'),
  });
  return exited;
}
