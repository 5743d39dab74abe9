/**
 * Why a runner exited, said twice: the detail for the log (exit code, the last lines of its
 * stderr) and the one sentence for the chat. A host-written detail (the disk watchdog's
 * "agent … was stopped: its files take 9 MB, over its 5 MB disk limit; …") is meant for the
 * chat; anything from the runner (exit codes, stderr) is not.
 */
import { failureNotice } from './failure-notice.js';

/** Why the process ended, as the runner connection reports it. */
export interface RunnerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  reason?: 'timeout' | 'killed' | 'limit' | 'unavailable' | 'storage';
  stderrTail: string;
  /** A sentence the host wrote (disk watchdog, missing image). */
  detail?: string;
}

/** The detail for the log. */
export function exitDetail(info: RunnerExit, timeoutMs: number): string {
  if (info.detail) return info.detail;
  if (info.reason === 'timeout')
    return `the agent ran longer than its ${Math.round(timeoutMs / 1000)} s time limit and was stopped`;
  if (info.reason === 'limit') return 'the agent exceeded its memory or process limit and was stopped';
  return (
    `the agent runner exited (code ${info.code ?? info.signal})` +
    (info.stderrTail ? `: ${info.stderrTail.trim().split('\n').slice(-3).join(' | ')}` : '')
  );
}

/** The chat's sentence for a runner that exited. */
export function exitNotice(info: Pick<RunnerExit, 'reason' | 'detail'>, timeoutMs: number): string {
  // A sandbox that cannot run (no image) says what to do in a sentence of its own.
  if (info.reason === 'unavailable' && info.detail) return info.detail;
  if (info.detail) return `Sorry, I could not answer your message: ${info.detail}`;
  if (info.reason === 'timeout') return failureNotice('timeout', { timeoutMs });
  if (info.reason === 'limit') return failureNotice('limit');
  return failureNotice('runner');
}
