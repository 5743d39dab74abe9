/**
 * End to end: a user writes on the fake Slack (Web API + Socket Mode on 127.0.0.1) →
 * OmniClaw, with Slack set up in omniclaw.yaml as a user would → a real agent run in bwrap
 * (runner + Claude engine, model calls through the host gateway to the fake Anthropic API)
 * → the reply posted on the fake Slack; with thread streaming, the agent's intermediate
 * output goes to the thread of the triggering message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { text, toolUse } from '../fakes/fake-anthropic.js';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack.js';
import { createE2eWorld, startE2eApp, type E2eWorld } from './helpers.js';

const BOT_TOKEN = 'xoxb-e2e-bot-token-0123';
const APP_TOKEN = 'xapp-e2e-app-token-4567';

const message = (fields: Record<string, unknown>): Record<string, unknown> => ({
  type: 'message',
  channel: 'C100',
  channel_type: 'channel',
  user: 'U1',
  ...fields,
});

describe('Slack end to end', () => {
  let slack: FakeSlack;
  let world: E2eWorld;
  let app: App;

  beforeAll(async () => {
    slack = await startFakeSlack({ botToken: BOT_TOKEN, appToken: APP_TOKEN, pingIntervalMs: 500 });
    world = await createE2eWorld(['main']);
    app = await startE2eApp(
      world,
      [
        `channels: { local: { enabled: false }, slack: { botToken: ${BOT_TOKEN}, appToken: ${APP_TOKEN}, apiUrl: "${slack.apiUrl}" } }`,
        'agents:',
        '  - { id: main, main: true, sandbox: bwrap }',
        'routes:',
        '  - { chat: "slack:D42", agent: main }',
        '  - { chat: "slack:C100", agent: main, requiresTrigger: true, streamThreads: true }',
      ].join('\n'),
    );
    expect(app.channelStates().slack?.state).toBe('connected');
  });

  afterAll(async () => {
    await app?.stop(); // the client closes first, then the fake
    await slack?.close();
    await world?.close();
  });

  it('answers a direct message with the agent reply, in Slack mrkdwn', async () => {
    world.model.script(text('Hello from the agent, **in bold**.'));
    const envelope = slack.sendEvent(
      message({ channel: 'D42', channel_type: 'im', text: 'hi there', ts: '1700000000.000100' }),
    );
    await slack.waitForAck(envelope);
    const reply = await slack.waitForCall('chat.postMessage', (c) => c.params.channel === 'D42', 90_000);
    expect(reply.params.text).toBe('Hello from the agent, *in bold*.');
    expect(reply.authorization).toBe(`Bearer ${BOT_TOKEN}`);
    expect(JSON.stringify(world.model.modelRequests()[0]?.messages)).toContain('hi there');
  }, 150_000);

  it('waits for a mention in a channel, streams the work to its thread, and answers', async () => {
    slack.sendEvent(message({ text: 'talking among ourselves', ts: '1700000001.000100' }));
    world.model.script(
      toolUse('Bash', { command: 'echo checking the numbers' }, 'Let me check the numbers.'),
      text('The numbers add up.'),
    );
    const mentionTs = '1700000002.000200';
    slack.sendEvent(message({ text: '<@UBOT> do the numbers add up?', ts: mentionTs }));

    await slack.waitForCall(
      'chat.postMessage',
      (c) => c.params.channel === 'C100' && c.params.text === 'The numbers add up.',
      90_000,
    );
    // The work goes to the mention's thread (batched at a bounded rate; the last batch is
    // flushed when the work ends), the answer to the channel, and the chatter gets nothing.
    await slack.waitForCall(
      'chat.postMessage',
      (c) => c.params.thread_ts === mentionTs && String(c.params.text).includes('Bash: echo checking'),
      10_000,
    );
    const posts = slack.callsTo('chat.postMessage').filter((c) => c.params.channel === 'C100');
    const inThread = posts.filter((c) => c.params.thread_ts === mentionTs).map((c) => String(c.params.text));
    const topLevel = posts.filter((c) => c.params.thread_ts === undefined).map((c) => c.params.text);
    expect(inThread.join('\n\n')).toBe('Let me check the numbers.\n\nBash: echo checking the numbers');
    expect(topLevel).toEqual(['The numbers add up.']);
    expect(posts).toHaveLength(inThread.length + topLevel.length);
    const conversation = JSON.stringify(
      world.model.modelRequests().find((r) => JSON.stringify(r.messages).includes('do the numbers add up?')),
    );
    expect(conversation).toContain('talking among ourselves');
    expect(conversation).toContain('do the numbers add up?');
  }, 150_000);
});
