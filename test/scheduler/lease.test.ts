/**
 * Exactly once beyond the one-daemon lock: two schedulers on one database file (each with
 * its own SQLite connection, real timers) race on the same due tasks; claims carry leases
 * that a live owner renews and that another scheduler recovers only once they ran out.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentConfig } from '../../src/config/normalise.js';
import { silentLogger } from '../../src/observability/logger.js';
import { Scheduler, type SchedulerDeps } from '../../src/scheduler/scheduler.js';
import type { TaskRunOutcome } from '../../src/scheduler/task-run.js';
import { openStore, storeDatabase, type Store } from '../../src/store/index.js';
import { until } from '../helpers/host.js';

const agent = { id: 'main', main: true, name: 'Main' } as AgentConfig;
const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Executed {
  by: string;
  task: string;
  dueAt: number;
}

/** A scheduler on its own connection to `file`; its runs wait `queueMs` (the agent queue), then run `runMs`. */
function schedulerOn(
  file: string,
  name: string,
  executed: Executed[],
  timing: { queueMs: () => number; runMs: () => number },
  overrides: Partial<SchedulerDeps> = {},
): { store: Store; scheduler: Scheduler } {
  const store = openStore(file);
  const scheduler = new Scheduler({
    tasks: store.tasks,
    timezone: 'UTC',
    graceMs: 60_000,
    logger: silentLogger(),
    agent: (id) => (id === 'main' ? agent : undefined),
    start: (request) =>
      new Promise<TaskRunOutcome>((resolve) => {
        setTimeout(() => {
          // A claim taken over meanwhile must not run here (returns false then).
          if (store.tasks.started(request.runRow, `${name}-${request.runRow}`) === false)
            return resolve({ ok: false, claimLost: true });
          executed.push({ by: name, task: request.task.id, dueAt: request.dueAt });
          setTimeout(() => resolve({ ok: true, result: name }), timing.runMs());
        }, timing.queueMs());
      }),
    ...overrides,
  });
  cleanups.push(() => {
    scheduler.stop();
    try {
      store.close();
    } catch {
      // closed by the test already
    }
  });
  return { store, scheduler };
}

/** Statuses of the open runs in the log, read straight from the database. */
const openRuns = (store: Store): string[] =>
  storeDatabase(store)
    .prepare("SELECT status FROM task_runs WHERE status IN ('queued', 'running')")
    .pluck()
    .all() as string[];

function tempDb(): string {
  const home = mkdtempSync(join(tmpdir(), 'omniclaw-lease-'));
  cleanups.unshift(() => rmSync(home, { recursive: true, force: true }));
  return join(home, 'db.sqlite');
}

describe('two schedulers on one database', () => {
  it('race on the same due tasks and never run one due time twice, also when one starts while the other holds claims', async () => {
    const file = tempDb();
    const executed: Executed[] = [];
    const timing = { queueMs: () => 50 + Math.random() * 250, runMs: () => Math.random() * 200 };
    const a = schedulerOn(file, 'a', executed, timing);
    const firstSecond = Math.ceil(Date.now() / 1000) * 1000 + 1000;
    for (let i = 0; i < 20; i++) {
      a.store.tasks.create({
        id: `every-${i}`,
        agent: 'main',
        chat: 'tg:1',
        prompt: 'p',
        scheduleType: 'cron',
        scheduleValue: '* * * * * *',
        nextRunAt: firstSecond,
      });
    }
    a.scheduler.start();
    // The second scheduler starts while the first has claims queued in its agent queue.
    await until(() => openRuns(a.store).includes('queued'), 5_000, 'queued claims');
    // Both schedulers live in this one process, so whichever timer expires first takes every
    // task of that second. b's clock runs 30 ms ahead in odd seconds and behind in even ones,
    // so the two take turns (also on a loaded machine: expired timers run in expiry order).
    const skewed = () => Date.now() + (Math.floor(Date.now() / 1000) % 2 ? 30 : -30);
    const b = schedulerOn(file, 'b', executed, timing, { now: skewed });
    b.scheduler.start();
    await until(
      () => executed.length > 40 && executed.some((e) => e.by === 'b') && executed.some((e) => e.by === 'a'),
      15_000,
      'runs by both schedulers',
    );
    a.scheduler.stop();
    b.scheduler.stop();
    await Promise.all([a.scheduler.settled(), b.scheduler.settled()]);

    const keys = executed.map((e) => `${e.task}@${e.dueAt}`);
    expect(keys.length).toBeGreaterThan(40);
    expect(keys.length - new Set(keys).size).toBe(0);
    expect(new Set(executed.map((e) => e.by))).toEqual(new Set(['a', 'b']));
    // Every run either of them started is in the log once, finished, none taken over.
    const runs = Array.from({ length: 20 }, (_, i) => a.store.tasks.runs(`every-${i}`, 100)).flat();
    expect(runs.filter((r) => r.status === 'ok')).toHaveLength(executed.length);
    expect(runs.filter((r) => r.status === 'interrupted')).toEqual([]);
  }, 30_000);

  it("a live owner's lease is renewed and left alone; once it runs out, its running run is interrupted and its queued claim runs once elsewhere", async () => {
    const file = tempDb();
    const executed: Executed[] = [];
    const leaseMs = 400;
    // The first scheduler's runs never end, and one of its claims never leaves its queue.
    let queued = 0;
    const a = schedulerOn(
      file,
      'a',
      executed,
      { queueMs: () => 0, runMs: () => 0 },
      {
        leaseMs,
        start: (request) =>
          new Promise<TaskRunOutcome>(() => {
            if (queued++ === 0) return; // stays queued
            a.store.tasks.started(request.runRow, `a-${request.runRow}`);
            executed.push({ by: 'a', task: request.task.id, dueAt: request.dueAt });
          }),
      },
    );
    const at = Date.now() + 100;
    for (const id of ['first', 'second']) {
      a.store.tasks.create({
        id,
        agent: 'main',
        chat: 'tg:1',
        prompt: 'p',
        scheduleType: 'once',
        scheduleValue: new Date(at).toISOString(),
        nextRunAt: at,
      });
    }
    a.scheduler.start();
    await until(() => executed.length === 1, 5_000, 'one run started, one queued');
    const b = schedulerOn(file, 'b', executed, { queueMs: () => 0, runMs: () => 0 }, { leaseMs });
    b.scheduler.start();
    // Three lease lengths: the owner is alive and renews, so nothing is taken over.
    await sleep(leaseMs * 3);
    const open = () => openRuns(b.store).sort();
    expect(open()).toEqual(['queued', 'running']);
    expect(executed).toHaveLength(1);

    // The owner stops renewing (its database is gone from under it, as a frozen host would).
    a.store.close();
    await until(() => open().length === 0, 5_000, 'the leases to run out and be recovered');
    const ran = executed[0]!.task;
    const other = ran === 'first' ? 'second' : 'first';
    expect(b.store.tasks.runs(ran)).toEqual([expect.objectContaining({ status: 'interrupted' })]);
    expect(b.store.tasks.get(ran)).toMatchObject({ status: 'failed', lastStatus: 'interrupted' });
    // The claim that never started had no effect: it runs once, on the live scheduler.
    await until(() => executed.length === 2, 5_000, 'the queued claim to run on b');
    expect(executed[1]).toMatchObject({ by: 'b', task: other });
    await b.scheduler.settled();
    expect(b.store.tasks.runs(other)).toEqual([expect.objectContaining({ status: 'ok' })]);
    expect(b.store.tasks.get(other)).toMatchObject({ status: 'completed' });
  }, 30_000);
});
