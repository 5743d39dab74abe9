/**
 * Scheduled tasks in the agent queue (real host, echo runner): a task for a busy agent waits
 * and runs after; a warm idle agent is closed early for a task; tasks use only their share
 * of the concurrency cap, so chats are still answered while tasks hang.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestHost, until, type TestHost } from '../helpers/host.js';

let host: TestHost | undefined;
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  await host?.cleanup();
  host = undefined;
});

const config = `
queue: { maxConcurrent: 2, idleTimeoutMs: 600000 }
scheduler: { taskSlots: 1 }
agents:
  - { id: main, main: true, sandbox: none }
  - { id: a, sandbox: none }
  - { id: b, sandbox: none }
routes:
  - { chat: "mem:main", agent: main, requiresTrigger: false }
  - { chat: "mem:a", agent: a, requiresTrigger: false }
  - { chat: "mem:b", agent: b, requiresTrigger: false }
`;

function marker(): string {
  const dir = mkdtempSync(join(tmpdir(), 'omniclaw-hold-'));
  dirs.push(dir);
  const file = join(dir, 'hold');
  writeFileSync(file, '');
  return file;
}

const addTask = (h: TestHost, id: string, agent: string, prompt: string) =>
  h.app.store.tasks.create({
    id,
    agent,
    chat: `mem:${agent}`,
    prompt,
    scheduleType: 'cron',
    scheduleValue: '0 0 1 1 *',
    nextRunAt: Date.now() + 3600_000,
    output: 'reply',
  });
const runStatus = (h: TestHost, id: string) => h.app.store.tasks.runs(id)[0]?.status;

describe('tasks in the agent queue', () => {
  it('a task for a busy agent waits (not dropped) and runs when the chat run is done', async () => {
    host = await startTestHost(config);
    const hold = marker();
    host.channel.receive('mem:a', `!hang-if:${hold}`);
    await until(() => host!.app.queue.stats().running === 1, 10_000, 'the chat run');
    addTask(host, 'ta', 'a', 'the task');
    expect(host.app.scheduler.scheduler.runNow('ta')).toMatchObject({ ok: true });
    await new Promise((r) => setTimeout(r, 300));
    expect(runStatus(host, 'ta')).toBe('queued');
    expect(host.app.queue.stats()).toMatchObject({ tasksWaiting: 1, tasksRunning: 0 });
    rmSync(hold);
    await until(() => runStatus(host!, 'ta') === 'ok', 10_000, 'the task after the chat');
    expect(host.channel.sentTo('mem:a')).toEqual([
      expect.stringMatching(/^echo: !hang-if/),
      expect.stringMatching(/^echo: .*the task/s),
    ]);
  });

  it('a warm idle agent is closed early when a task needs it', async () => {
    host = await startTestHost(config);
    host.channel.receive('mem:a', 'hello');
    await until(() => host!.app.queue.stats().warm === 1, 10_000, 'a warm run');
    addTask(host, 'ta', 'a', 'the task');
    host.app.scheduler.scheduler.runNow('ta');
    await until(() => runStatus(host!, 'ta') === 'ok', 10_000, 'the task');
    const chatRun = host.app.store.runs.recent().find((r) => r.kind === 'message')!;
    expect(chatRun.status).toBe('ok'); // ended (not idle for 10 minutes)
  });

  it('tasks use only their share of the cap: a second hanging task waits and chats are still answered', async () => {
    host = await startTestHost(config);
    const hold = marker();
    addTask(host, 't1', 'a', `!hang-if:${hold}`);
    addTask(host, 't2', 'b', `!hang-if:${hold}`);
    host.app.scheduler.scheduler.runNow('t1');
    host.app.scheduler.scheduler.runNow('t2');
    await until(() => runStatus(host!, 't1') === 'running', 10_000, 'the first task');
    await new Promise((r) => setTimeout(r, 300));
    expect(runStatus(host, 't2')).toBe('queued');
    host.channel.receive('mem:main', 'are you there?');
    await until(() => host!.channel.sentTo('mem:main').length === 1, 10_000, 'the chat answer');
    rmSync(hold);
    await until(() => runStatus(host!, 't2') === 'ok', 10_000, 'the second task');
  });
});
