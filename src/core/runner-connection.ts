/**
 * The host's end of the runner protocol over a sandboxed process's stdio. Invalid lines
 * end the run with a clear error; they never reach the host's control flow as exceptions.
 */
import { EventEmitter } from 'node:events';
import type { AgentProcess, ExitInfo } from '../sandbox/types.js';
import {
  encodeLine,
  parseRunnerEvent,
  ProtocolError,
  type HostCommand,
  type RunnerEvent,
} from '../protocol/runner-protocol.js';
import { readLines } from '../protocol/line-reader.js';

export interface RunnerConnectionEvents {
  event: [RunnerEvent];
  /** The connection is unusable (protocol violation); the run must end. */
  protocolError: [ProtocolError];
  exit: [ExitInfo & { stderrTail: string }];
}

const STDERR_TAIL_BYTES = 4096;

export class RunnerConnection extends EventEmitter<RunnerConnectionEvents> {
  private stderrTail = '';
  private closed = false;

  constructor(
    readonly process: AgentProcess,
    private readonly onStderrLine?: (line: string) => void,
  ) {
    super();
    readLines(process.stdout, {
      line: (text) => {
        if (this.closed) return;
        try {
          this.emit('event', parseRunnerEvent(text));
        } catch (err) {
          this.fail(err instanceof ProtocolError ? err : new ProtocolError(String(err)));
        }
      },
      error: (err) => this.fail(err),
    });
    readLines(
      process.stderr,
      {
        line: (text) => {
          this.stderrTail = (this.stderrTail + text + '\n').slice(-STDERR_TAIL_BYTES);
          this.onStderrLine?.(text);
        },
        // An absurd stderr line is only noise: keep reading the protocol.
        error: () => undefined,
      },
      64 * 1024,
    );
    void process.exited.then((info) => {
      this.closed = true;
      this.emit('exit', { ...info, stderrTail: this.stderrTail });
    });
  }

  send(command: HostCommand): boolean {
    if (this.closed || this.process.stdin.destroyed) return false;
    return this.process.stdin.write(encodeLine(command));
  }

  get stderr(): string {
    return this.stderrTail;
  }

  private fail(err: ProtocolError): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('protocolError', err);
    void this.process.kill('killed');
  }
}
