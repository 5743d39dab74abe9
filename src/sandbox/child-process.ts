/**
 * Wraps a spawned process (bwrap, docker run, ssh, plain node) as an AgentProcess, with the
 * wall-clock timeout every backend must enforce.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { AgentProcess, ExitInfo } from './types.js';

export interface WrapOptions {
  timeoutMs: number;
  /** Extra clean-up when the process is killed (e.g. `docker kill <name>`). */
  onKill?: () => Promise<void>;
  /** Grace period between SIGTERM and SIGKILL. */
  killGraceMs?: number;
}

/** How long an exited process's pipes may stay open (a grandchild holding them) before the exit is told anyway. */
const DRAIN_MS = 2_000;

/** Resolves once every stream being read has closed, or after DRAIN_MS. A stream nobody reads is not waited for. */
function drained(streams: readonly Readable[]): Promise<void> {
  const open = streams.filter((s) => s.readableFlowing === true && !s.closed);
  if (!open.length) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, DRAIN_MS);
    void Promise.all(open.map((s) => new Promise((closed) => s.once('close', closed)))).then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export function wrapChildProcess(child: ChildProcessWithoutNullStreams, options: WrapOptions): AgentProcess {
  let reason: ExitInfo['reason'];
  const exited = new Promise<ExitInfo>((resolve) => {
    let settled = false;
    const finish = (info: ExitInfo): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(info);
    };
    // 'exit' can come before the last chunks of stdout/stderr are read (a loaded machine):
    // the runner's final events and its last complaint are read before the exit is told.
    child.once('exit', (code, signal) => {
      void drained([child.stdout, child.stderr]).then(() => finish({ code, signal, reason }));
    });
    child.once('error', () => finish({ code: -1, signal: null, reason }));
  });
  // Writes to a dead runner must not crash the host.
  child.stdin.on('error', () => undefined);

  const kill = async (why: ExitInfo['reason'] = 'killed'): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    reason ??= why;
    await options.onKill?.().catch(() => undefined);
    child.kill('SIGTERM');
    const grace = setTimeout(() => child.kill('SIGKILL'), options.killGraceMs ?? 2_000);
    await exited;
    clearTimeout(grace);
  };
  const timer = setTimeout(() => void kill('timeout'), options.timeoutMs);
  timer.unref();

  return { stdin: child.stdin, stdout: child.stdout, stderr: child.stderr, exited, kill };
}
