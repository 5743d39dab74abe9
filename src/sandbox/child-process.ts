/**
 * Wraps a spawned process (bwrap, docker run, ssh, plain node) as an AgentProcess, with the
 * wall-clock timeout every backend must enforce.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { AgentProcess, ExitInfo } from './types.js';

export interface WrapOptions {
  timeoutMs: number;
  /** Extra clean-up when the process is killed (e.g. `docker kill <name>`). */
  onKill?: () => Promise<void>;
  /** Grace period between SIGTERM and SIGKILL. */
  killGraceMs?: number;
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
    child.once('exit', (code, signal) => finish({ code, signal, reason }));
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
