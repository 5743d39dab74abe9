/**
 * The daemon and `omniclaw tasks` as real processes: a task run killed with the daemon
 * (kill -9) is recorded as interrupted at the next start and not run again; the CLI lists,
 * shows, pauses, resumes, runs and logs tasks, in text and JSON.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cli,
  DAEMON_CONFIG,
  makeInstance,
  readDb,
  startDaemon,
  until,
  type Daemon,
  type Instance,
} from '../helpers/daemon.js';

const instances: Instance[] = [];
const daemons: Daemon[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop();
  for (const i of instances.splice(0)) i.cleanup();
});

const taskRuns = (home: Instance): number =>
  readDb(home, (db) => db.prepare("SELECT COUNT(*) FROM runs WHERE kind = 'task'").pluck().get() as number);

/**
 * A daemon whose one-time task once1 hangs while the returned marker file exists; resolves
 * once the run is going. `config` is the base omniclaw.yaml.
 */
async function daemonWithHangingTask(
  config = DAEMON_CONFIG,
): Promise<{ home: Instance; first: Daemon; marker: string }> {
  const home = makeInstance();
  instances.push(home);
  const marker = join(home.home, '..', 'hold');
  writeFileSync(marker, '');
  // Far enough ahead that a slow start on a loaded machine still finds it in the future.
  const at = new Date(Date.now() + 8_000).toISOString();
  writeFileSync(
    join(home.home, 'omniclaw.yaml'),
    `${config}routes:\n  - { chat: "local:default", agent: main }\ntasks:\n  - { id: once1, agent: main, prompt: "!hang-if:${marker}", at: "${at}" }\n`,
  );
  const first = await startDaemon(home);
  await until(
    () =>
      readDb(home, (db) =>
        db.prepare("SELECT status FROM task_runs WHERE task_id = 'once1'").pluck().get(),
      ) === 'running',
    'the run to start',
  );
  return { home, first, marker };
}

describe('omniclaw tasks and crash recovery', () => {
  it('kill -9 during a task run: interrupted at the next start, not run twice; the CLI shows and reruns it', async () => {
    const { home, first, marker } = await daemonWithHangingTask();
    first.process.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    rmSync(marker);

    const second = await startDaemon(home);
    daemons.push(second);
    const shown = await cli(home, ['tasks', 'show', 'once1', '--json']);
    expect(shown.code).toBe(0);
    const task = JSON.parse(shown.stdout) as {
      status: string;
      lastStatus: string;
      runs: { status: string; error: string }[];
    };
    expect(task).toMatchObject({ status: 'failed', lastStatus: 'interrupted' });
    expect(task.runs).toEqual([
      expect.objectContaining({ status: 'interrupted', error: expect.stringContaining('host stopped') }),
    ]);
    await new Promise((r) => setTimeout(r, 500)); // a second run would have started by now
    expect(taskRuns(home)).toBe(1);

    const text = await cli(home, ['tasks', 'list']);
    expect(text.stdout).toMatch(/^once1 \[failed\] task of main for local:default: once at /m);
    // Run by hand: it runs once more, and the log shows both.
    const run = await cli(home, ['tasks', 'run', 'once1']);
    expect(run).toMatchObject({ code: 0, stdout: expect.stringContaining('Task once1 queued') });
    await until(
      () =>
        readDb(home, (db) =>
          db.prepare("SELECT COUNT(*) FROM task_runs WHERE status = 'ok'").pluck().get(),
        ) === 1,
      'the manual run',
    );
    const logs = JSON.parse((await cli(home, ['tasks', 'logs', 'once1', '--json'])).stdout) as {
      status: string;
    }[];
    expect(logs.map((l) => l.status)).toEqual(['ok', 'interrupted']);
  }, 90_000);

  it('SIGTERM during a task run: recorded interrupted (not failed), failed as a one-time task, not run again', async () => {
    const { home, first, marker } = await daemonWithHangingTask(
      DAEMON_CONFIG.replace('drainTimeoutMs: 20000', 'drainTimeoutMs: 500'),
    );
    // A normal shutdown: the drain deadline passes and the run is stopped.
    expect(await first.stop()).toEqual({ code: 0, signal: null });
    const recorded = readDb(home, (db) => ({
      run: db.prepare("SELECT status, error FROM task_runs WHERE task_id = 'once1'").get(),
      task: db.prepare("SELECT status, last_status FROM tasks WHERE id = 'once1'").get(),
    }));
    expect(recorded).toEqual({
      run: { status: 'interrupted', error: expect.stringContaining('host stopped during the run') },
      task: { status: 'failed', last_status: 'interrupted' },
    });
    rmSync(marker);

    const second = await startDaemon(home);
    daemons.push(second);
    await new Promise((r) => setTimeout(r, 1_000)); // a second run would have started by now
    expect(taskRuns(home)).toBe(1);
    const logs = JSON.parse((await cli(home, ['tasks', 'logs', 'once1', '--json'])).stdout) as {
      status: string;
    }[];
    expect(logs.map((l) => l.status)).toEqual(['interrupted']);
    expect(second.stderr()).not.toMatch(/"task":"once1".*task run ended/);
  }, 90_000);

  it('pause, resume and cancel from the CLI, with clear errors for unknown ids', async () => {
    const home = makeInstance();
    instances.push(home);
    writeFileSync(
      join(home.home, 'omniclaw.yaml'),
      `${DAEMON_CONFIG}routes:\n  - { chat: "local:default", agent: main }\ntasks:\n  - { id: daily, agent: main, prompt: "hello", cron: "0 9 * * *" }\n`,
    );
    const d = await startDaemon(home);
    daemons.push(d);
    expect((await cli(home, ['tasks', 'pause', 'daily'])).stdout).toBe('Task daily paused.\n');
    expect(JSON.parse((await cli(home, ['tasks', 'list', '--json'])).stdout)).toEqual([
      expect.objectContaining({ id: 'daily', status: 'paused' }),
    ]);
    expect((await cli(home, ['tasks', 'resume', 'daily'])).stdout).toBe('Task daily resumed.\n');
    const missing = await cli(home, ['tasks', 'cancel', 'nope']);
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('no task "nope"') });
    expect((await cli(home, ['tasks', 'cancel', 'daily'])).code).toBe(0);
    expect((await cli(home, ['tasks', 'list'])).stdout).toBe('No scheduled tasks.\n');
    expect(JSON.parse((await cli(home, ['tasks', 'list', '--all', '--json'])).stdout)).toEqual([
      expect.objectContaining({ id: 'daily', status: 'cancelled' }),
    ]);
  }, 60_000);
});
