/**
 * The disk limit (`limits.diskMb`) of a live run. The file systems OmniClaw runs on usually
 * have no quota switched on, so the host measures the agent's writable folders while its
 * run is alive and stops the run once they are past the limit. Only live runs are
 * measured (an idle agent cannot write); the first measurement is at once (a folder already
 * full stops the run before it does anything), then again after a pause that grows with
 * what a measurement costs, so a huge folder never keeps a core busy.
 *
 * Why not inotify: a recursive watch needs one watch per directory of a tree the agent
 * shapes, and the kernel's watch budget is shared with the whole host. Why not a quota:
 * none of ext4, XFS or btrfs enables one by default; where one is set up (project quotas),
 * it is the stronger limit and this watchdog the fallback.
 */
import type { Logger } from 'pino';
import { measureDiskUsage, type DiskUsage, type MeasureDiskUsage } from './disk-usage.js';
import type { AgentProcess, ExitInfo } from './types.js';

export interface DiskWatchOptions {
  agentId: string;
  /** Host folders the agent can write that count against its limit. */
  folders: string[];
  limitMb: number;
  measure?: MeasureDiskUsage;
  /** Shortest pause between two measurements. */
  minIntervalMs?: number;
  maxIntervalMs?: number;
  logger?: Logger;
}

const MB = 1024 * 1024;
/** Pause = this many times the last measurement's cost: du then takes at most ~2% of a core. */
const COST_FACTOR = 50;

/** Wraps a started run so that it is stopped, with reason `limit`, when its folders outgrow the limit. */
export function watchDisk(proc: AgentProcess, options: DiskWatchOptions): AgentProcess {
  const measure = options.measure ?? measureDiskUsage;
  const minInterval = options.minIntervalMs ?? 2_000;
  const maxInterval = options.maxIntervalMs ?? 60_000;
  let ended = false;
  let verdict: string | undefined;
  let timer: NodeJS.Timeout | undefined;

  const check = async (): Promise<void> => {
    timer = undefined;
    const began = performance.now();
    let usage: DiskUsage | undefined;
    try {
      usage = await measure(options.folders);
    } catch (error) {
      options.logger?.warn(
        { agent: options.agentId, err: (error as Error).message },
        'could not measure the agent folders for the disk limit; trying again',
      );
    }
    if (ended) return;
    verdict = usage && verdictFor(usage, options);
    if (verdict) {
      options.logger?.warn(
        {
          agent: options.agentId,
          usedBytes: usage?.bytes,
          limitMb: options.limitMb,
          folders: options.folders,
        },
        'disk limit reached; stopping the run',
      );
      void proc.kill('limit');
      return;
    }
    const pause = Math.min(maxInterval, Math.max(minInterval, (performance.now() - began) * COST_FACTOR));
    timer = setTimeout(() => void check(), pause);
    timer.unref();
  };
  void check();

  const exited = proc.exited.then((info): ExitInfo => {
    ended = true;
    if (timer) clearTimeout(timer);
    return verdict ? { ...info, reason: 'limit', detail: verdict } : info;
  });
  return {
    stdin: proc.stdin,
    stdout: proc.stdout,
    stderr: proc.stderr,
    exited,
    kill: async (reason) => {
      await proc.kill(reason);
      await exited;
    },
  };
}

/** The sentence for the chat when the run must stop, or undefined while it is within its limit. */
function verdictFor(usage: DiskUsage, options: DiskWatchOptions): string | undefined {
  const agent = `agent "${options.agentId}"`;
  if (usage.bytes > options.limitMb * MB) {
    return (
      `${agent} was stopped: its files take ${Math.ceil(usage.bytes / MB)} MB, over its ${options.limitMb} MB ` +
      'disk limit; delete files in its folder or raise limits.diskMb'
    );
  }
  if (usage.unreadable) {
    return (
      `${agent} was stopped: it made some of its folders unreadable, so their size cannot be checked ` +
      'against its disk limit; make them readable again (chmod -R u+rX)'
    );
  }
  return undefined;
}
