/**
 * What lasts across a restart of the real host (startApp on the same home, SQLite, the echo
 * runner as the agent): a heartbeat changed with configure_heartbeat while omniclaw.yaml
 * also declares one, and the chat being told, once per streak, that a task is skipped for
 * budget.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { storeDatabase } from '../../src/store/index.js';
import { startTestHost, until, type TestHost } from '../helpers/host.js';
import { middayZone } from '../helpers/midday-zone.js';

let host: TestHost | undefined;
const homes: string[] = [];
afterEach(async () => {
  await host?.cleanup();
  host = undefined;
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

const config = (heartbeat: string, extra = ''): string => `
instance: { timezone: Europe/Berlin }
agents:
  - { id: main, main: true, sandbox: none }
  - { id: helper, name: Helper, sandbox: none${heartbeat} }
routes:
  - { chat: "mem:main-chat", agent: main }
  - { chat: "mem:helper-chat", agent: helper, requiresTrigger: false }
${extra}`;

const tool = (name: string, args: unknown): string => `!tool:${name}:${JSON.stringify(args)}`;

let asked = 0;
async function ask(text: string): Promise<string> {
  const before = host!.channel.sentTo('mem:helper-chat').length;
  // Platform ids unique across restarts (each host has a new channel), or intake drops it as a duplicate.
  host!.channel.receive('mem:helper-chat', text, { platformId: `ask-${Date.now()}-${++asked}` });
  return until(() => host!.channel.sentTo('mem:helper-chat')[before], 10_000, text);
}

async function restart(yaml: string, home: string): Promise<void> {
  await host?.cleanup();
  host = await startTestHost(yaml, { home });
}

describe('a heartbeat set with configure_heartbeat and declared in omniclaw.yaml', () => {
  it("keeps the tool's change across restarts until the config entry itself changes", async () => {
    const home = mkdtempSync(join(tmpdir(), 'omniclaw-restart-'));
    homes.push(home);
    const declared = config(', heartbeat: { intervalMs: 600000 }');
    await restart(declared, home);
    expect(host!.app.store.tasks.get('heartbeat-helper')).toMatchObject({ scheduleValue: '600000' });

    expect(
      await ask(
        tool('configure_heartbeat', { enabled: true, schedule_type: 'interval', interval: '3600000' }),
      ),
    ).toMatch(
      /^tool ok: Heartbeat heartbeat-helper is on; .*lasts until the heartbeat entry in omniclaw\.yaml/,
    );
    const changed = host!.app.store.tasks.get('heartbeat-helper')!;
    expect(changed).toMatchObject({ scheduleValue: '3600000', status: 'active' });

    // Same omniclaw.yaml: the agent's hourly heartbeat stays, with its due time.
    await restart(declared, home);
    expect(host!.app.store.tasks.get('heartbeat-helper')).toMatchObject({
      scheduleValue: '3600000',
      status: 'active',
      nextRunAt: changed.nextRunAt,
    });

    // Turned off with the tool: stays off across a restart too.
    expect(await ask(tool('configure_heartbeat', { enabled: false }))).toMatch(/is off\. This lasts until/);
    await restart(declared, home);
    expect(host!.app.store.tasks.get('heartbeat-helper')).toMatchObject({ status: 'paused' });

    // The operator edits the entry: the config applies again, over the agent's change.
    await restart(config(', heartbeat: { intervalMs: 1200000 }'), home);
    expect(host!.app.store.tasks.get('heartbeat-helper')).toMatchObject({
      scheduleValue: '1200000',
      source: 'config',
    });
  }, 60_000);

  it('an agent-made heartbeat that the config later declares is taken over by the config, not a start error', async () => {
    const home = mkdtempSync(join(tmpdir(), 'omniclaw-restart-'));
    homes.push(home);
    await restart(config(''), home);
    expect(await ask(tool('configure_heartbeat', { enabled: true, interval: '3600000' }))).toMatch(
      /^tool ok: Heartbeat heartbeat-helper is on/,
    );
    expect(host!.app.store.tasks.get('heartbeat-helper')).toMatchObject({ source: 'agent' });
    await restart(config(', heartbeat: { intervalMs: 600000 }'), home);
    expect(host!.app.store.tasks.get('heartbeat-helper')).toMatchObject({
      source: 'config',
      scheduleValue: '600000',
    });
  }, 60_000);
});

describe('a task skipped for budget', () => {
  it('tells its chat once per skip streak, and the run log records each skip', async () => {
    // Not Berlin here: its midnight must not fall inside the test (helpers/midday-zone.ts).
    host = await startTestHost(
      config(', budget: { dailyTokens: 100 }').replace('Europe/Berlin', middayZone()),
    );
    const { store } = host.app;
    const spend = (id: string): void => {
      store.runs.start({ id, agent: 'helper', chat: 'mem:helper-chat', kind: 'chat' });
      store.runs.addUsage(id, { inputTokens: 150, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 });
    };
    spend('spent-1');
    const nextSecond = Math.ceil(Date.now() / 1000) * 1000 + 1000;
    store.tasks.create({
      id: 'every-second',
      agent: 'helper',
      chat: 'mem:helper-chat',
      prompt: 'tick',
      scheduleType: 'cron',
      scheduleValue: '* * * * * *',
      output: 'reply',
      nextRunAt: nextSecond,
    });
    host.app.scheduler.scheduler.changed();
    const skips = (): string[] =>
      store.tasks
        .runs('every-second', 100)
        .filter((r) => r.status === 'skipped')
        .map((r) => r.error ?? '');
    await until(() => skips().length >= 3, 15_000, 'three skips');
    const told = (): string[] =>
      host!.channel.sentTo('mem:helper-chat').filter((t) => t.includes('daily budget is spent'));
    expect(told()).toEqual([
      expect.stringMatching(
        /^Helper's daily budget is spent \(150 of 100 tokens used today\), so the scheduled task every-second was skipped\. It resets at midnight/,
      ),
    ]);
    const log = skips().reverse();
    expect(log[0]).toMatch(/daily budget is spent.*\(the chat was told\)$/);
    expect(log[1]).toMatch(/\(the chat was told at the first skip of this streak\)$/);

    // The budget allows runs again (the spending is gone): the task runs, the streak ends.
    storeDatabase(store).prepare("DELETE FROM runs WHERE id = 'spent-1'").run();
    await until(() => store.tasks.runs('every-second', 1)[0]?.status === 'ok', 15_000, 'a run');
    spend('spent-2');
    const okRuns = store.tasks.runs('every-second', 100).filter((r) => r.status === 'ok').length;
    // Runs of the task itself used no tokens (echo runner), so the next due time is skipped again.
    await until(() => told().length === 2, 15_000, 'the notice of the second streak');
    store.tasks.update('every-second', { status: 'paused' });
    host.app.scheduler.scheduler.changed();
    expect(
      store.tasks.runs('every-second', 100).filter((r) => r.status === 'ok').length,
    ).toBeGreaterThanOrEqual(okRuns);
  }, 60_000);
});
