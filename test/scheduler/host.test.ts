/**
 * Scheduled tasks through the real host (startApp, SQLite, agent queue, the echo runner as
 * the agent): the tools an agent calls, the run, where its output goes, heartbeats read
 * from CLAUDE.md, declarative tasks and the metrics.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestHost, until, type TestHost } from '../helpers/host.js';

let host: TestHost | undefined;
afterEach(async () => {
  await host?.cleanup();
  host = undefined;
});

const config = (extra = ''): string => `
instance: { timezone: Europe/Berlin }
agents:
  - { id: main, main: true, sandbox: none }
  - { id: helper, name: Helper, sandbox: none }
routes:
  - { chat: "mem:main-chat", agent: main }
  - { chat: "mem:helper-chat", agent: helper, requiresTrigger: false }
${extra}`;

const tool = (name: string, args: unknown): string => `!tool:${name}:${JSON.stringify(args)}`;
const inMs = (ms: number): string => new Date(Date.now() + ms).toISOString();

describe('scheduled tasks in the host', () => {
  it('an agent schedules a one-time task; it runs as the agent and its send_message reaches the chat', async () => {
    host = await startTestHost(config());
    const prompt = tool('send_message', { text: 'time to stretch' });
    host.channel.receive(
      'mem:main-chat',
      // 8 s ahead, so that a slow run start on a loaded machine still schedules it in the future.
      tool('schedule_task', { prompt, schedule_type: 'once', schedule_value: inMs(8_000) }),
    );
    await until(() => host!.channel.sentTo('mem:main-chat')[0], 20_000, 'the tool answer');
    expect(host.channel.sentTo('mem:main-chat')[0]).toMatch(/^tool ok: Scheduled task/);
    await until(
      () => host!.channel.sentTo('mem:main-chat').includes('time to stretch'),
      30_000,
      'the task message',
    );
    const [task] = host.app.store.tasks.list();
    await until(() => host!.app.store.tasks.get(task!.id)!.status === 'completed', 10_000, 'completion');
    // Output send_message: the final answer ("tool ok: Sent …") is not sent, only the message.
    await new Promise((r) => setTimeout(r, 200));
    expect(host.channel.sentTo('mem:main-chat').filter((t) => t.includes('Sent to'))).toEqual([]);
    expect(host.app.store.tasks.runs(task!.id)).toEqual([
      expect.objectContaining({ status: 'ok', result: expect.stringContaining('Sent to mem:main-chat') }),
    ]);
    expect(host.app.store.runs.recent().find((r) => r.kind === 'task')).toMatchObject({
      agent: 'main',
      status: 'ok',
    });
    const metrics = await (await fetch(`http://127.0.0.1:${host.app.http.port}/metrics`)).text();
    expect(metrics).toMatch(/^omniclaw_task_results_total\{result="ok"\} 1$/m);
    expect(metrics).toMatch(/^omniclaw_task_lateness_seconds_count\{kind="task"\} 1$/m);
  });

  it('a declared task with output reply sends its final answer to the chat', async () => {
    host = await startTestHost(
      config(`
tasks:
  - { id: morning, agent: helper, prompt: "good morning", at: "${inMs(4_000)}", output: reply }
`),
    );
    await until(() => host!.channel.sentTo('mem:helper-chat').length === 1, 20_000, 'the reply');
    expect(host.channel.sentTo('mem:helper-chat')[0]).toMatch(/^echo: .*good morning/s);
    await until(() => host!.app.store.tasks.get('morning')!.status === 'completed', 10_000, 'completion');
    expect(host.app.store.tasks.get('morning')).toMatchObject({
      source: 'config',
      chat: 'mem:helper-chat',
      lastStatus: 'ok',
    });
  });

  it("a non-main agent cannot see, pause or cancel the main agent's task, and cannot schedule for its chat", async () => {
    host = await startTestHost(config());
    const task = host.app.store.tasks.create({
      id: 't-main0001',
      agent: 'main',
      chat: 'mem:main-chat',
      prompt: 'x',
      scheduleType: 'cron',
      scheduleValue: '0 9 * * *',
      nextRunAt: Date.now() + 3600_000,
    });
    const ask = async (text: string): Promise<string> => {
      const before = host!.channel.sentTo('mem:helper-chat').length;
      host!.channel.receive('mem:helper-chat', text);
      return until(() => host!.channel.sentTo('mem:helper-chat')[before], 10_000, text);
    };
    expect(await ask(tool('pause_task', { task_id: task.id }))).toBe(
      'tool error: pause_task: no task "t-main0001" among the tasks of agent "helper"; list_tasks shows the ids',
    );
    expect(await ask(tool('cancel_task', { task_id: task.id }))).toMatch(
      /^tool error: cancel_task: no task "t-main0001"/,
    );
    expect(await ask(tool('update_task', { task_id: task.id, prompt: 'mine now' }))).toMatch(
      /^tool error: update_task: no task/,
    );
    expect(await ask(tool('list_tasks', {}))).toBe('tool ok: No scheduled tasks.');
    expect(
      await ask(
        tool('schedule_task', {
          prompt: 'p',
          schedule_type: 'cron',
          schedule_value: '0 9 * * *',
          target_group_jid: 'mem:main-chat',
        }),
      ),
    ).toMatch(/^tool error: schedule_task: not allowed: agent "helper" may only schedule for its own chats/);
    expect(host.app.store.tasks.get(task.id)).toMatchObject({ status: 'active', prompt: 'x' });
  });

  it('gives the agent clear errors for an invalid cron, a bad interval and a time in the past', async () => {
    host = await startTestHost(config());
    const ask = async (text: string): Promise<string> => {
      const before = host!.channel.sentTo('mem:helper-chat').length;
      host!.channel.receive('mem:helper-chat', text);
      return until(() => host!.channel.sentTo('mem:helper-chat')[before], 10_000, text);
    };
    const schedule = (type: string, value: string) =>
      tool('schedule_task', { prompt: 'p', schedule_type: type, schedule_value: value });
    expect(await ask(schedule('cron', '61 * * * *'))).toMatch(
      /^tool error: schedule_task: invalid cron expression "61 \* \* \* \*": .*minute.*e\.g\./,
    );
    expect(await ask(schedule('interval', 'often'))).toMatch(
      /invalid interval "often": write whole milliseconds/,
    );
    expect(await ask(schedule('interval', '5'))).toMatch(/interval 5 ms is out of range/);
    expect(await ask(schedule('once', '2020-01-01T10:00:00'))).toMatch(
      /the time 2020-01-01T09:00:00.000Z is in the past .*Europe\/Berlin/,
    );
    expect(await ask(tool('pause_task', { task_id: 'nope' }))).toMatch(/no task "nope"/);
    expect(host.app.store.tasks.list()).toEqual([]);
  });

  it('the main agent manages every task; pause, resume and update change the schedule', async () => {
    host = await startTestHost(config());
    host.app.store.tasks.create({
      id: 't-helper01',
      agent: 'helper',
      chat: 'mem:helper-chat',
      prompt: 'x',
      scheduleType: 'interval',
      scheduleValue: '3600000',
      anchorAt: Date.now() + 3600_000,
      nextRunAt: Date.now() + 3600_000,
    });
    const ask = async (text: string): Promise<string> => {
      const before = host!.channel.sentTo('mem:main-chat').length;
      host!.channel.receive('mem:main-chat', text);
      return until(() => host!.channel.sentTo('mem:main-chat')[before], 10_000, text);
    };
    expect(await ask(tool('list_tasks', {}))).toMatch(
      /t-helper01 \[active\] task of helper for mem:helper-chat: every 1 h/,
    );
    expect(await ask(tool('pause_task', { task_id: 't-helper01' }))).toMatch(/is paused/);
    expect(host.app.store.tasks.get('t-helper01')!.status).toBe('paused');
    expect(await ask(tool('resume_task', { task_id: 't-helper01' }))).toMatch(/is active; next run/);
    expect(
      await ask(
        tool('update_task', { task_id: 't-helper01', schedule_type: 'cron', schedule_value: '30 7 * * *' }),
      ),
    ).toMatch(/updated; next run \d{4}-\d\d-\d\d 07:30:00/);
    expect(host.app.store.tasks.get('t-helper01')).toMatchObject({
      scheduleType: 'cron',
      scheduleValue: '30 7 * * *',
    });
    expect(await ask(tool('cancel_task', { task_id: 't-helper01' }))).toMatch(/cancelled/);
    expect(host.app.scheduler.scheduler.nextWakeAt).toBeUndefined();
  });
});

describe('heartbeats', () => {
  const heartbeatConfig = config(`
scheduler: { heartbeatDailyCap: 2 }
`).replace(
    '- { id: helper, name: Helper, sandbox: none }',
    '- { id: helper, name: Helper, sandbox: none, heartbeat: { intervalMs: 10000 } }',
  );

  it('reads its prompt from the Heartbeat section of CLAUDE.md and answers through send_message', async () => {
    host = await startTestHost(heartbeatConfig);
    const folder = join(host.home, 'groups', 'helper');
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      join(folder, 'CLAUDE.md'),
      `# Helper\n\n## Heartbeat\n${tool('send_message', { text: 'all quiet' })}\n\n## Other\nnot this\n`,
    );
    expect(host.app.store.tasks.get('heartbeat-helper')).toMatchObject({
      kind: 'heartbeat',
      status: 'active',
    });
    expect(host.app.scheduler.scheduler.runNow('heartbeat-helper')).toMatchObject({ ok: true });
    await until(
      () => host!.channel.sentTo('mem:helper-chat').includes('all quiet'),
      10_000,
      'the heartbeat message',
    );
    const prompt = host.app.store.tasks.runs('heartbeat-helper')[0];
    expect(prompt).toMatchObject({ status: expect.stringMatching(/running|ok/) });
  });

  it('with no Heartbeat or Goals section, or a CLAUDE.md that is a symlink, nothing runs', async () => {
    host = await startTestHost(heartbeatConfig);
    const folder = join(host.home, 'groups', 'helper');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'CLAUDE.md'), '# Helper\n\n## Notes\nnothing to do\n');
    expect(host.app.scheduler.scheduler.runNow('heartbeat-helper')).toEqual({
      ok: false,
      error: expect.stringContaining('no model call'),
    });
    // An agent pointing its memory at a host file must not get it read out to the model.
    const secret = join(host.home, 'secret.md');
    writeFileSync(secret, `## Heartbeat\n${tool('send_message', { text: 'leaked' })}\n`);
    symlinkSync(secret, join(folder, 'link.md'));
    const { renameSync } = await import('node:fs');
    renameSync(join(folder, 'link.md'), join(folder, 'CLAUDE.md'));
    expect(host.app.scheduler.scheduler.runNow('heartbeat-helper')).toEqual({
      ok: false,
      error: expect.stringContaining('no model call'),
    });
    expect(host.app.store.runs.recent().filter((r) => r.kind === 'heartbeat')).toEqual([]);
  });
});
