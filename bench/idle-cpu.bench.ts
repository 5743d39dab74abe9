/**
 * Idle CPU of the whole host: the daemon as a real subprocess (`node bin/omniclaw.js start`,
 * a temp OMNICLAW_HOME, the terminal chat, HTTP, control socket, outbox, scheduler) with 500
 * agents configured and 10,000 tasks registered (due in a day, cron/interval/once mixed),
 * beside the same daemon with one agent and no tasks, both measured over the same window.
 * CPU is utime + stime of the daemon process from /proc/<pid>/stat (10 ms ticks), read once
 * the daemon is ready and has settled; wake-ups are its voluntary context switches. The
 * window is 60 s (OMNICLAW_BENCH_IDLE_MS to change it); the per-hour figure is that window
 * extrapolated (OMNICLAW_BENCH_IDLE_MS=3600000 measures a whole hour). Needs a build (`npm run build`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/app.js';
import { openStore } from '../src/store/index.js';
import { registerBackgroundTasks } from './background-tasks.js';
import { round, type BenchResult } from './types.js';

const WINDOW_MS = Number(process.env.OMNICLAW_BENCH_IDLE_MS ?? 60_000);
const SETTLE_MS = 5_000;
const AGENTS = 500;
const TASKS = 10_000;
const TICKS_PER_S = 100; // USER_HZ on Linux

/** CPU ms (user + system) and voluntary context switches of a process so far. */
function usage(pid: number): { cpuMs: number; wakeups: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const wakeups = Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return { cpuMs: (ticks * 1000) / TICKS_PER_S, wakeups };
}

function config(agents: number): string {
  const lines = [
    'http: { host: 127.0.0.1, port: 0 }',
    'models: { anthropic: { baseUrl: "http://127.0.0.1:9", apiKey: "sk-ant-bench-0123456789" } }',
    'sandbox: { default: none }',
    'channels: { whatsapp: { enabled: false } }',
    'agents:',
    ...Array.from(
      { length: agents },
      (_, i) => `  - { id: a${i}, sandbox: none${i === 0 ? ', main: true' : ''} }`,
    ),
  ];
  return lines.join('\n') + '\n';
}

/** Tasks written into the instance database before the daemon starts (as agents would have made them). */
function registerTasks(home: string, count: number): void {
  const store = openStore(join(home, 'omniclaw.db'));
  registerBackgroundTasks(store, count, AGENTS);
  store.close();
}

interface Running {
  label: string;
  daemon: ChildProcess;
  home: string;
  exited: Promise<void>;
}

async function startDaemon(label: string, agents: number, tasks: number): Promise<Running> {
  const home = mkdtempSync(join(tmpdir(), 'omniclaw-bench-cpu-'));
  writeFileSync(join(home, 'omniclaw.yaml'), config(agents), { mode: 0o600 });
  if (tasks) registerTasks(home, tasks);
  let stderr = '';
  const daemon = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/omniclaw.js'), 'start'], {
    env: {
      PATH: process.env.PATH,
      HOME: home,
      OMNICLAW_HOME: home,
      OMNICLAW_LOG_LEVEL: 'info',
      OMNICLAW_LOCAL_MODEL_URLS: 'none',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => daemon.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label}: not running after 60 s: ${stderr}`)), 60_000);
    daemon.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8000);
      if (/OmniClaw is running/.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => reject(new Error(`${label}: daemon exited early: ${stderr}`)));
  });
  return { label, daemon, home, exited };
}

async function stopDaemon(running: Running): Promise<void> {
  running.daemon.kill('SIGTERM');
  const deadline = setTimeout(() => running.daemon.kill('SIGKILL'), 15_000);
  await running.exited;
  clearTimeout(deadline);
  rmSync(running.home, { recursive: true, force: true });
}

export default async function idleCpuBench(): Promise<BenchResult[]> {
  const started: Running[] = [];
  try {
    started.push(await startDaemon(`${AGENTS} agents, ${TASKS.toLocaleString('en')} tasks`, AGENTS, TASKS));
    started.push(await startDaemon('1 agent, no tasks', 1, 0));
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const before = started.map((s) => usage(s.daemon.pid!));
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const after = started.map((s) => usage(s.daemon.pid!));
    return started.flatMap((s, i) => {
      const cpuMs = after[i]!.cpuMs - before[i]!.cpuMs;
      const wakeups = after[i]!.wakeups - before[i]!.wakeups;
      const perHourS = (cpuMs / WINDOW_MS) * 3600;
      return [
        {
          name: `whole daemon idle CPU, ${s.label}, ${WINDOW_MS / 1000} s window`,
          value: round(cpuMs),
          unit: 'ms CPU',
          note: `${round(perHourS, 2)} s CPU per hour ${WINDOW_MS >= 3_600_000 ? 'measured' : 'extrapolated from the window'} (10 ms tick resolution); ${wakeups} voluntary wake-ups`,
        },
      ];
    });
  } finally {
    await Promise.all(started.map(stopDaemon));
  }
}
