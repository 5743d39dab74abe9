/**
 * Scheduler benchmarks: lateness (due → claimed and handed to the queue) with 10 and 10,000
 * tasks registered; CPU of an idle scheduler with 10,000 tasks of 500 agents; start-up with
 * 10,000 tasks. Real SQLite file, real timers; the queue is replaced by a no-op start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentConfig } from '../src/config/normalise.js';
import { silentLogger } from '../src/observability/logger.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { openStore, type Store, storeDatabase } from '../src/store/index.js';
import { registerBackgroundTasks } from './background-tasks.js';
import { percentile, round, type Benchmark, type BenchResult } from './types.js';

const AGENTS = 500;
const agents = new Map<string, AgentConfig>(
  Array.from({ length: AGENTS }, (_, i) => [
    `a${i}`,
    { id: `a${i}`, main: i === 0, name: `A${i}` } as AgentConfig,
  ]),
);

function scheduler(store: Store, onLateness: (ms: number) => void): Scheduler {
  return new Scheduler({
    tasks: store.tasks,
    timezone: 'UTC',
    graceMs: 60_000,
    logger: silentLogger(),
    agent: (id) => agents.get(id),
    start: () => Promise.resolve({ ok: true }),
    observe: { lateness: (_t, ms) => onLateness(ms) },
  });
}

async function lateness(registered: number): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'omniclaw-bench-sched-'));
  const store = openStore(join(dir, 'db'));
  const DUE = Math.min(300, registered);
  registerBackgroundTasks(store, registered - DUE, AGENTS);
  const start = Date.now() + 500;
  // The due tasks: over up to 6 s, ten at a time within 63 ms of each other.
  storeDatabase(store).transaction(() => {
    for (let i = 0; i < DUE; i++) {
      const at = start + Math.floor(i / 10) * 200 + (i % 10 === 0 ? 0 : i % 10) * 7;
      store.tasks.create({
        id: `due-${i}`,
        agent: `a${i % AGENTS}`,
        chat: 'c',
        prompt: 'p',
        scheduleType: 'once',
        scheduleValue: new Date(at).toISOString(),
        nextRunAt: at,
      });
    }
  })();
  const late: number[] = [];
  const s = scheduler(store, (ms) => late.push(ms));
  s.start();
  while (late.length < DUE && Date.now() < start + 30_000) await new Promise((r) => setTimeout(r, 50));
  await s.settled();
  s.stop();
  store.close();
  rmSync(dir, { recursive: true, force: true });
  return [
    {
      name: `lateness with ${registered.toLocaleString('en')} tasks registered, p50`,
      value: round(percentile(late, 50)),
      unit: 'ms',
    },
    {
      name: `lateness with ${registered.toLocaleString('en')} tasks registered, p99`,
      value: round(percentile(late, 99)),
      unit: 'ms',
      target: '≤ 1000 ms',
      note: `${late.length} of ${DUE} due runs`,
    },
  ];
}

async function idleAndStartup(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'omniclaw-bench-sched-'));
  let store = openStore(join(dir, 'db'));
  registerBackgroundTasks(store, 10_000, AGENTS);
  store.close();
  // Start-up: open (migrations checked), recover open runs, arm the timer.
  const t0 = performance.now();
  store = openStore(join(dir, 'db'));
  const s = scheduler(store, () => undefined);
  s.start();
  const startupMs = performance.now() - t0;
  // Idle: nothing due in the window; the process should do nothing at all.
  const windowMs = 10_000;
  const cpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, windowMs));
  const cpu = process.cpuUsage(cpu0);
  s.stop();
  store.close();
  rmSync(dir, { recursive: true, force: true });
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return [
    { name: 'start-up with 10,000 tasks (open db, recover, arm)', value: round(startupMs), unit: 'ms' },
    {
      name: 'idle CPU, 10,000 tasks of 500 agents, 10 s window',
      value: round(cpuMs),
      unit: 'ms CPU',
      note: `${round(((cpuMs / windowMs) * 3600_000) / 1000, 1)} s CPU per hour extrapolated (includes the bench process's own timer)`,
    },
  ];
}

const bench: Benchmark = async () => [
  ...(await lateness(10)),
  ...(await lateness(10_000)),
  ...(await idleAndStartup()),
];
export default bench;
