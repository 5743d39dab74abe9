/**
 * The scheduler with real timers and a real SQLite database; the agent queue is replaced by
 * an injected `start` that records what would run (the end-to-end tests run real agents).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentConfig } from '../../src/config/normalise.js';
import { silentLogger } from '../../src/observability/logger.js';
import { Scheduler, type SchedulerDeps, type TaskStartRequest } from '../../src/scheduler/scheduler.js';
import type { TaskRunOutcome } from '../../src/scheduler/task-run.js';
import { TaskService } from '../../src/scheduler/task-service.js';
import { openStore, type Store } from '../../src/store/index.js';
import { until } from '../helpers/host.js';

const agent = { id: 'main', main: true, name: 'Main' } as AgentConfig;
const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function setup(overrides: Partial<SchedulerDeps> = {}, dir?: string) {
  const home = dir ?? mkdtempSync(join(tmpdir(), 'omniclaw-sched-'));
  const store: Store = openStore(join(home, 'db.sqlite'));
  const started: (TaskStartRequest & { finish(outcome: TaskRunOutcome): void })[] = [];
  const lateness: number[] = [];
  const results: string[] = [];
  const scheduler = new Scheduler({
    tasks: store.tasks,
    timezone: 'UTC',
    graceMs: 60_000,
    logger: silentLogger(),
    agent: (id) => (id === 'main' ? agent : undefined),
    start: (request) =>
      new Promise<TaskRunOutcome>((resolve) => {
        store.tasks.started(request.runRow, `run-${started.length}`);
        started.push({ ...request, finish: resolve });
      }),
    observe: { lateness: (_t, ms) => lateness.push(ms), result: (_t, r) => results.push(r) },
    ...overrides,
  });
  const service = new TaskService({
    tasks: store.tasks,
    timezone: () => 'UTC',
    routes: () => [{ chat: 'tg:1', agent: 'main', requiresTrigger: false, streamThreads: false }],
    agents: () => [agent],
  });
  service.onChange(() => scheduler.changed());
  cleanups.push(() => {
    scheduler.stop();
    store.close();
    if (!dir) rmSync(home, { recursive: true, force: true });
  });
  return { home, store, scheduler, service, started, lateness, results };
}

const operator = { operator: true } as const;
const soon = (ms: number): string => new Date(Date.now() + ms).toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('timer-driven scheduler', () => {
  it('arms one timer for the earliest task, re-arms when tasks change, and records lateness', async () => {
    const { scheduler, service, started, lateness } = setup();
    scheduler.start();
    expect(scheduler.nextWakeAt).toBeUndefined();
    const later = service.create(operator, {
      agent: 'main',
      prompt: 'later',
      scheduleType: 'once',
      scheduleValue: soon(3_600_000),
    });
    expect(scheduler.nextWakeAt).toBe(later.nextRunAt);
    const first = service.create(operator, {
      agent: 'main',
      prompt: 'first',
      scheduleType: 'once',
      scheduleValue: soon(80),
    });
    expect(scheduler.nextWakeAt).toBe(first.nextRunAt);
    await until(() => started.length === 1, 5_000, 'the task to start');
    expect(started[0]!.task.id).toBe(first.id);
    expect(lateness).toHaveLength(1);
    expect(lateness[0]).toBeGreaterThanOrEqual(0);
    expect(scheduler.nextWakeAt).toBe(later.nextRunAt);
  });

  it('completes a one-time task only after its run, and never runs it twice', async () => {
    const { store, scheduler, service, started } = setup();
    scheduler.start();
    const task = service.create(operator, {
      agent: 'main',
      prompt: 'once',
      scheduleType: 'once',
      scheduleValue: soon(50),
    });
    await until(() => started.length === 1, 5_000, 'the run');
    expect(store.tasks.get(task.id)).toMatchObject({ status: 'active', nextRunAt: undefined });
    scheduler.changed();
    await sleep(100);
    expect(started).toHaveLength(1);
    started[0]!.finish({ ok: true, result: 'done it' });
    await scheduler.settled();
    expect(store.tasks.get(task.id)).toMatchObject({
      status: 'completed',
      lastStatus: 'ok',
      lastResult: 'done it',
    });
    expect(store.tasks.runs(task.id)).toEqual([expect.objectContaining({ status: 'ok', result: 'done it' })]);
  });

  it('a due time is claimed once even when two schedulers race on the same database', async () => {
    const one = setup();
    const two = setup({}, one.home);
    const task = one.service.create(operator, {
      agent: 'main',
      prompt: 'race',
      scheduleType: 'once',
      scheduleValue: soon(60),
    });
    one.scheduler.start();
    two.scheduler.start();
    await until(() => one.started.length + two.started.length >= 1, 5_000, 'a start');
    await sleep(150);
    expect(one.started.length + two.started.length).toBe(1);
    expect(one.store.tasks.runs(task.id)).toHaveLength(1);
  });

  it('an interval keeps its anchor: the next run is anchor + k × interval however late the run was', () => {
    const { store, scheduler } = setup();
    const anchor = Date.now() - 25_000;
    store.tasks.create({
      id: 'iv',
      agent: 'main',
      chat: 'tg:1',
      prompt: 'p',
      scheduleType: 'interval',
      scheduleValue: '10000',
      anchorAt: anchor,
      nextRunAt: anchor + 20_000,
    });
    scheduler.start();
    // Due 5 s ago (within grace): runs now for its latest due time, anchor + 20 s; the next is anchor + 30 s.
    return until(() => store.tasks.runs('iv').length === 1, 5_000, 'the run').then(() => {
      expect(store.tasks.runs('iv')[0]).toMatchObject({ dueAt: anchor + 20_000, status: 'running' });
      expect(store.tasks.get('iv')!.nextRunAt).toBe(anchor + 30_000);
    });
  });
});

describe('catch-up after downtime (grace window)', () => {
  it('runs once for the latest missed due time within the grace window and logs the earlier ones as skipped', async () => {
    const { store, scheduler, started } = setup();
    const anchor = Date.now() - 10 * 60_000 - 5_000;
    // Every minute, last run 10 minutes ago: ten due times passed while the host was down.
    store.tasks.create({
      id: 'm',
      agent: 'main',
      chat: 'tg:1',
      prompt: 'p',
      scheduleType: 'interval',
      scheduleValue: '60000',
      anchorAt: anchor,
      nextRunAt: anchor,
    });
    scheduler.start();
    await until(() => started.length === 1, 5_000, 'the catch-up run');
    await sleep(100);
    expect(started).toHaveLength(1);
    const latest = anchor + 10 * 60_000;
    expect(started[0]!.dueAt).toBe(latest);
    const runs = store.tasks.runs('m');
    expect(runs.map((r) => r.status).sort()).toEqual(['running', 'skipped']);
    expect(runs.find((r) => r.status === 'skipped')).toMatchObject({
      dueAt: anchor,
      error: expect.stringContaining('missed while the host was down'),
    });
    expect(store.tasks.get('m')!.nextRunAt).toBe(latest + 60_000);
  });

  it('skips and logs a due time missed by more than the grace window, and schedules the next one', async () => {
    const { store, scheduler, started, results } = setup();
    // A yearly cron whose one occurrence was two hours ago, on a minute: no later occurrence
    // falls between it and now, whatever the time of day the test runs (a daily one did
    // between 00:00 and 02:00, and the skip then named that later midnight).
    const due = Math.floor((Date.now() - 2 * 3600_000) / 60_000) * 60_000;
    const at = new Date(due);
    store.tasks.create({
      id: 'd',
      agent: 'main',
      chat: 'tg:1',
      prompt: 'p',
      scheduleType: 'cron',
      scheduleValue: `${at.getUTCMinutes()} ${at.getUTCHours()} ${at.getUTCDate()} ${at.getUTCMonth() + 1} *`,
      nextRunAt: due,
    });
    scheduler.start();
    await until(() => store.tasks.runs('d').length === 1, 5_000, 'the skip');
    expect(started).toHaveLength(0);
    expect(store.tasks.runs('d')[0]).toMatchObject({
      status: 'skipped',
      dueAt: due,
      error: expect.stringMatching(/more than the grace window of 60 s/),
    });
    expect(store.tasks.get('d')).toMatchObject({ status: 'active', lastStatus: 'skipped' });
    expect(store.tasks.get('d')!.nextRunAt).toBeGreaterThan(Date.now());
    expect(results).toEqual(['skipped']);
  });
});

/** The owner id of a scheduler whose process is gone (this machine, a pid no process has). */
const deadOwner = `${hostname()}:${2 ** 22 + 17}:dead`;

describe('crash recovery', () => {
  it('records a run that was going when the host died as interrupted, fails a one-time task, and does not run it again', async () => {
    const first = setup({ owner: deadOwner });
    const once = first.service.create(operator, {
      agent: 'main',
      prompt: 'once',
      scheduleType: 'once',
      scheduleValue: soon(40),
    });
    first.store.tasks.create({
      id: 'rec',
      agent: 'main',
      chat: 'tg:1',
      prompt: 'p',
      scheduleType: 'interval',
      scheduleValue: '3600000',
      anchorAt: Date.now() + 30,
      nextRunAt: Date.now() + 30,
    });
    first.scheduler.start();
    await until(() => first.started.length === 2, 5_000, 'both runs');
    const nextOfRecurring = first.store.tasks.get('rec')!.nextRunAt;
    // The host dies: no finish is recorded. A new scheduler starts on the same database.
    first.scheduler.stop();
    const second = setup({}, first.home);
    second.scheduler.start();
    await sleep(150);
    expect(second.started).toHaveLength(0);
    expect(second.store.tasks.runs(once.id)).toEqual([expect.objectContaining({ status: 'interrupted' })]);
    expect(second.store.tasks.get(once.id)).toMatchObject({ status: 'failed', lastStatus: 'interrupted' });
    expect(second.store.tasks.get('rec')).toMatchObject({
      status: 'active',
      nextRunAt: nextOfRecurring,
      lastStatus: 'interrupted',
    });
    expect(second.scheduler.nextWakeAt).toBe(nextOfRecurring);
  });

  it('a run claimed but not yet started when the host died is due again and runs once', async () => {
    // queued, never started
    const first = setup({ owner: deadOwner, start: () => new Promise(() => undefined) });
    const task = first.service.create(operator, {
      agent: 'main',
      prompt: 'q',
      scheduleType: 'once',
      scheduleValue: soon(30),
    });
    first.scheduler.start();
    await until(() => first.store.tasks.runs(task.id)[0]?.status === 'queued', 5_000, 'the claim');
    first.scheduler.stop();
    const second = setup({}, first.home);
    second.scheduler.start();
    await until(() => second.started.length === 1, 5_000, 'the run after restart');
    expect(second.store.tasks.runs(task.id)).toEqual([expect.objectContaining({ status: 'running' })]);
  });
});

describe('heartbeats', () => {
  it('with no Heartbeat section nothing starts: the due time is skipped and logged', async () => {
    const { store, scheduler, started } = setup({ heartbeatPrompt: () => undefined });
    store.tasks.create({
      id: 'heartbeat-main',
      kind: 'heartbeat',
      agent: 'main',
      chat: 'tg:1',
      prompt: '-',
      scheduleType: 'interval',
      scheduleValue: '600000',
      anchorAt: Date.now() + 20,
      nextRunAt: Date.now() + 20,
    });
    scheduler.start();
    await until(() => store.tasks.runs('heartbeat-main').length === 1, 5_000, 'the skip');
    expect(started).toHaveLength(0);
    expect(store.tasks.runs('heartbeat-main')[0]).toMatchObject({
      status: 'skipped',
      error: expect.stringContaining('no model call'),
    });
  });

  it('with a section the prompt is read at due time', async () => {
    const { store, scheduler, started } = setup({ heartbeatPrompt: () => 'check the inbox' });
    store.tasks.create({
      id: 'heartbeat-main',
      kind: 'heartbeat',
      agent: 'main',
      chat: 'tg:1',
      prompt: '-',
      scheduleType: 'interval',
      scheduleValue: '600000',
      anchorAt: Date.now() + 20,
      nextRunAt: Date.now() + 20,
    });
    scheduler.start();
    await until(() => started.length === 1, 5_000, 'the heartbeat');
    expect(started[0]!.task.prompt).toBe('check the inbox');
  });
});

describe('a due time already taken', () => {
  it('a one-time task paused during its run and resumed does not run again, and the timer does not spin', async () => {
    const { store, scheduler, service, started } = setup();
    scheduler.start();
    const task = service.create(operator, {
      agent: 'main',
      prompt: 'once',
      scheduleType: 'once',
      scheduleValue: soon(40),
    });
    await until(() => started.length === 1, 5_000, 'the run');
    service.pause(operator, task.id);
    service.resume(operator, task.id); // due again at its (past) time, which is taken
    await sleep(200);
    expect(started).toHaveLength(1);
    expect(store.tasks.get(task.id)!.nextRunAt).toBeUndefined();
    expect(scheduler.nextWakeAt).toBeUndefined();
  });
});
