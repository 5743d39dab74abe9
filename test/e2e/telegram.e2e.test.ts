/**
 * End to end: a user writes on the fake Telegram → OmniClaw (the real host from startApp)
 * stores and routes it → a real agent run (the runner with the Claude Agent SDK engine,
 * talking to the fake model API through the host's gateway) → the reply on the fake
 * Telegram. Sandbox "none" keeps the test independent of Docker/bwrap; the sandboxes have
 * their own suites.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/app.js';
import { createTelegramChannel } from '../../src/channels/telegram/index.js';
import { parseConfigText } from '../../src/config/load.js';
import { agentInbox, instancePaths } from '../../src/config/paths.js';
import { silentLogger } from '../../src/observability/logger.js';
import { NoSandbox } from '../../src/sandbox/none.js';
import { startFakeAnthropic, text, type FakeAnthropic } from '../fakes/fake-anthropic.js';
import { groupChat, privateChat, startFakeTelegram, type FakeTelegram } from '../fakes/fake-telegram.js';

describe('Telegram end to end', () => {
  let tg: FakeTelegram;
  let model: FakeAnthropic;
  let app: App;
  let home: string;

  beforeAll(async () => {
    tg = await startFakeTelegram();
    model = await startFakeAnthropic({ fallback: text('Hello from the agent, **in bold**.') });
    home = await mkdtemp(join(tmpdir(), 'omniclaw-e2e-tg-'));
    const config = parseConfigText(
      [
        'http: { port: 0 }',
        'channels: { local: { enabled: false } }',
        `models: { anthropic: { baseUrl: "${model.url}", apiKey: "sk-ant-test-0123456789" } }`,
        'agents:',
        '  - { id: main, main: true, sandbox: none }',
        'routes:',
        '  - { chat: "tg:42", agent: main }',
        '  - { chat: "tg:-100777", agent: main, requiresTrigger: true }',
      ].join('\n'),
      'e2e.yaml',
      { env: {} },
    );
    const logger = silentLogger();
    const telegram = createTelegramChannel({
      token: tg.token,
      apiRoot: tg.apiRoot,
      logger,
      // What the app hands its own channels: the routed agent's received-files folder.
      inboxFor: () => agentInbox(instancePaths(home), 'main'),
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

  it('answers a direct message with the agent reply, rendered for Telegram', async () => {
    const asked = tg.userSends({ chat: privateChat(42), text: 'hi there' });
    const reply = await tg.waitForCall(
      'sendMessage',
      (p) => String(p.text).includes('Hello from the agent'),
      90_000,
    );
    expect(reply).toMatchObject({
      chat_id: '42',
      parse_mode: 'HTML',
      text: 'Hello from the agent, <b>in bold</b>.',
    });
    expect(JSON.stringify(model.modelRequests())).toContain('hi there');
    expect(tg.callsOf('sendChatAction').length).toBeGreaterThanOrEqual(1);
    expect(asked.message_id).toBeDefined();
  });

  it('stays quiet in a group until the bot is mentioned', async () => {
    const before = tg.callsOf('sendMessage').length;
    tg.userSends({ chat: groupChat(-100777), text: 'talking among ourselves' });
    const mention = `@${tg.bot.username} what do you think?`;
    tg.userSends({
      chat: groupChat(-100777),
      text: mention,
      entities: [{ type: 'mention', offset: 0, length: tg.bot.username.length + 1 }],
    });
    const reply = await tg.waitForCall('sendMessage', (p) => p.chat_id === '-100777', 90_000);
    expect(String(reply.text)).toContain('Hello from the agent');
    await new Promise((resolve) => setTimeout(resolve, 500)); // a wrongly triggered run would answer by now
    expect(tg.callsOf('sendMessage').length).toBe(before + 1);
    // The unmentioned message was stored and given to the agent as context.
    expect(JSON.stringify(model.modelRequests().at(-1))).toContain('talking among ourselves');
  });

  it('tells the agent which file arrived where, and which did not and why', async () => {
    tg.addFile('small', 'documents/notes.txt', Buffer.from('meeting at 10'));
    tg.addFile('big', 'documents/video.mp4', Buffer.alloc(3 * 1024 * 1024, 1));
    tg.userSends({
      chat: privateChat(42),
      caption: 'my notes',
      document: { file_id: 'small', file_name: 'notes.txt' },
    });
    await tg.waitForCall('sendMessage', (p) => String(p.text).includes('Hello from the agent'), 90_000);
    tg.userSends({
      chat: privateChat(42),
      caption: 'and the video',
      document: { file_id: 'big', file_name: 'video.mp4', file_size: 3 * 1024 * 1024 },
    });
    const before = model.modelRequests().length;
    await tg.waitForCall('sendMessage', () => model.modelRequests().length > before, 90_000);
    const prompts = JSON.stringify(model.modelRequests().slice(-2));
    const inbox = agentInbox(instancePaths(home), 'main');
    expect(prompts).toContain(`<attachment path=\\"${inbox}/notes.txt\\" name=\\"notes.txt\\"/>`);
    expect(prompts).toContain('and the video\\n[file video.mp4 (3 MB) not received: over the 1 MB limit]');
    expect(await readFile(join(inbox, 'notes.txt'), 'utf8')).toBe('meeting at 10');
  });
});
