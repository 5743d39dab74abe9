/**
 * End to end: on the fake Telegram, the main agent (the real runner and Claude Agent SDK
 * engine, driven by the fake model API) schedules a one-time task with schedule_task; it
 * fires as a full agent run and its send_message reaches the chat. A second, non-main
 * agent trying to pause or cancel that task is refused, and the task is untouched.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/app.js';
import { createTelegramChannel } from '../../src/channels/telegram/index.js';
import { parseConfigText } from '../../src/config/load.js';
import { agentInbox, instancePaths } from '../../src/config/paths.js';
import { silentLogger } from '../../src/observability/logger.js';
import { NoSandbox } from '../../src/sandbox/none.js';
import { startFakeAnthropic, text, toolUse, type FakeAnthropic } from '../fakes/fake-anthropic.js';
import { privateChat, startFakeTelegram, type FakeTelegram } from '../fakes/fake-telegram.js';
import { until } from '../helpers/host.js';

describe('scheduled tasks end to end (Telegram, Claude engine)', () => {
  let tg: FakeTelegram;
  let model: FakeAnthropic;
  let app: App;
  let home: string;

  beforeAll(async () => {
    tg = await startFakeTelegram();
    model = await startFakeAnthropic({ fallback: text('ok') });
    home = await mkdtemp(join(tmpdir(), 'omniclaw-e2e-sched-'));
    const config = parseConfigText(
      [
        'http: { port: 0 }',
        'instance: { timezone: Europe/Berlin }',
        'channels: { local: { enabled: false } }',
        `models: { anthropic: { baseUrl: "${model.url}", apiKey: "sk-ant-test-0123456789" } }`,
        'agents:',
        '  - { id: main, main: true, sandbox: none }',
        '  - { id: helper, sandbox: none }',
        'routes:',
        '  - { chat: "tg:42", agent: main }',
        '  - { chat: "tg:43", agent: helper, requiresTrigger: false }',
      ].join('\n'),
      'e2e.yaml',
      { env: {} },
    );
    const logger = silentLogger();
    const telegram = createTelegramChannel({
      token: tg.token,
      apiRoot: tg.apiRoot,
      logger,
      inboxFor: (chat) => agentInbox(instancePaths(home), chat === 'tg:43' ? 'helper' : 'main'),
      limits: { pollTimeoutSeconds: 1, attachment: { maxBytes: 1024 * 1024, timeoutMs: 5_000 } },
    });
    app = await startApp({
      home,
      config,
      logger,
      extraChannels: [telegram],
      backendFor: async () => new NoSandbox(logger),
    });
  });

  afterAll(async () => {
    await app?.stop();
    await tg?.close();
    await model?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('a task scheduled by the agent fires and its message arrives; another agent cannot pause or cancel it', async () => {
    const at = new Date(Date.now() + 25_000).toISOString();
    model.script(
      toolUse('mcp__omniclaw__schedule_task', {
        prompt: 'Remind them to stretch.',
        schedule_type: 'once',
        schedule_value: at,
      }),
      text('I will remind you.'),
    );
    tg.userSends({ chat: privateChat(42), text: 'remind me to stretch in a bit' });
    await tg.waitForCall('sendMessage', (p) => String(p.text).includes('I will remind you'), 90_000);
    const [task] = app.store.tasks.list();
    expect(task).toMatchObject({
      agent: 'main',
      chat: 'tg:42',
      status: 'active',
      scheduleType: 'once',
      nextRunAt: Date.parse(at),
    });

    model.script(
      toolUse('mcp__omniclaw__pause_task', { task_id: task!.id }),
      toolUse('mcp__omniclaw__cancel_task', { task_id: task!.id }),
      text('Could not touch it.'),
    );
    tg.userSends({ chat: privateChat(43), text: 'pause the stretch reminder' });
    await tg.waitForCall('sendMessage', (p) => String(p.text).includes('Could not touch it'), 90_000);
    // The refusals reached the model as tool errors (compared as JSON text: assertions stay short).
    const seen = JSON.stringify(model.modelRequests());
    for (const tool of ['pause_task', 'cancel_task'])
      expect(
        seen.includes(
          JSON.stringify(`${tool}: no task "${task!.id}" among the tasks of agent "helper"`).slice(1, -1),
        ),
      ).toBe(true);
    expect(app.store.tasks.get(task!.id)).toMatchObject({ status: 'active', nextRunAt: Date.parse(at) });

    model.script(
      toolUse('mcp__omniclaw__send_message', { text: 'Time to stretch!' }),
      text('Reminder sent.'),
    );
    const reminder = await tg.waitForCall(
      'sendMessage',
      (p) => String(p.text).includes('Time to stretch!'),
      120_000,
    );
    expect(reminder).toMatchObject({ chat_id: '42' });
    await until(() => app.store.tasks.get(task!.id)!.status === 'completed', 30_000, 'completion');
    expect(app.store.tasks.runs(task!.id)).toEqual([
      expect.objectContaining({ status: 'ok', result: 'Reminder sent.' }),
    ]);
    // The final answer of a send_message task is not sent to the chat.
    expect(tg.callsOf('sendMessage').some((c) => String(c.text).includes('Reminder sent.'))).toBe(false);
    expect(JSON.stringify(model.modelRequests().at(-1))).toContain('Remind them to stretch.');
  }, 240_000);
});
