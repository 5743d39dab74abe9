/**
 * End to end: a user writes on the fake Discord → OmniClaw (startApp) → a real agent run
 * (runner + Claude Agent SDK engine against the fake model API, through the host gateway)
 * → the reply posted on the fake Discord, threaded on the trigger. Sandbox "none" keeps the
 * test independent of Docker/bwrap.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/app.js';
import { createDiscordChannel } from '../../src/channels/discord/index.js';
import { parseConfigText } from '../../src/config/load.js';
import { silentLogger } from '../../src/observability/logger.js';
import { NoSandbox } from '../../src/sandbox/none.js';
import { startFakeAnthropic, text, type FakeAnthropic } from '../fakes/fake-anthropic.js';
import { startFakeDiscord, type FakeDiscord } from '../fakes/fake-discord.js';

describe('Discord end to end', () => {
  let dc: FakeDiscord;
  let model: FakeAnthropic;
  let app: App;
  let home: string;

  beforeAll(async () => {
    dc = await startFakeDiscord();
    model = await startFakeAnthropic({ fallback: text('Hello from the agent, **in bold**.') });
    home = await mkdtemp(join(tmpdir(), 'omniclaw-e2e-dc-'));
    const config = parseConfigText(
      [
        'http: { port: 0 }',
        'channels: { local: { enabled: false } }',
        `models: { anthropic: { baseUrl: "${model.url}", apiKey: "sk-ant-test-0123456789" } }`,
        'agents:',
        '  - { id: main, main: true, sandbox: none }',
        'routes:',
        `  - { chat: "dc:${dc.channels.dm}", agent: main }`,
        `  - { chat: "dc:${dc.channels.general}", agent: main, requiresTrigger: true }`,
      ].join('\n'),
      'e2e.yaml',
      { env: {} },
    );
    const logger = silentLogger();
    const discord = createDiscordChannel({ token: dc.token, api: dc.api, logger });
    app = await startApp({
      home,
      config,
      logger,
      extraChannels: [discord],
      backendFor: async () => new NoSandbox(logger),
    });
  });

  afterAll(async () => {
    await app?.stop();
    await dc?.close();
    await model?.close();
    await rm(home, { recursive: true, force: true });
  });

  const posts = (channelId: string) => dc.requestsTo('POST', new RegExp(`^/channels/${channelId}/messages$`));

  it('answers a direct message with the agent reply', async () => {
    dc.userSends({ channelId: dc.channels.dm, content: 'hi there' });
    const [reply] = await dc.waitForRequest(
      'POST',
      new RegExp(`^/channels/${dc.channels.dm}/messages$`),
      1,
      90_000,
    );
    expect(reply!.body.content).toBe('Hello from the agent, **in bold**.');
    expect(JSON.stringify(model.modelRequests())).toContain('hi there');
  });

  it('stays quiet in a guild channel until the bot is mentioned, then replies to the mention', async () => {
    dc.userSends({ channelId: dc.channels.general, content: 'talking among ourselves' });
    const mention = dc.userSends({
      channelId: dc.channels.general,
      content: `<@${dc.botUser.id}> what do you think?`,
      mentions: [dc.botUser],
    });
    const [reply] = await dc.waitForRequest(
      'POST',
      new RegExp(`^/channels/${dc.channels.general}/messages$`),
      1,
      90_000,
    );
    expect(reply!.body.content).toContain('Hello from the agent');
    await new Promise((resolve) => setTimeout(resolve, 500)); // a wrongly triggered run would answer by now
    expect(posts(dc.channels.general)).toHaveLength(1);
    expect(JSON.stringify(model.modelRequests().at(-1))).toContain('what do you think?');
    expect(mention.id).toBeDefined();
  });
});
