/**
 * Channel overheads against the fake platforms on loopback: how long an inbound message
 * takes from the platform to the sink (long-poll wake-up for Telegram, gateway dispatch for
 * Discord, Socket Mode envelope for Slack), how long a send takes, and the cost of splitting
 * and rendering a long reply.
 */
import { createDiscordChannel } from '../src/channels/discord/index.js';
import { createSlackChannel } from '../src/channels/slack/index.js';
import { renderMarkdown } from '../src/channels/markdown.js';
import { splitMessage } from '../src/channels/split-message.js';
import { createTelegramChannel } from '../src/channels/telegram/index.js';
import type { ChannelSink } from '../src/domain/channel.js';
import { silentLogger } from '../src/observability/logger.js';
import { startFakeDiscord } from '../test/fakes/fake-discord.js';
import { startFakeSlack } from '../test/fakes/fake-slack.js';
import { privateChat, startFakeTelegram } from '../test/fakes/fake-telegram.js';
import { percentile, round, type BenchResult } from './types.js';

const ROUNDS = 200;

function waitingSink(): { sink: ChannelSink; next: () => Promise<void> } {
  let resolve: (() => void) | undefined;
  return {
    sink: {
      inbound: () => {
        resolve?.();
        return { accepted: true };
      },
      state: () => undefined,
    },
    next: () => new Promise<void>((r) => (resolve = r)),
  };
}

async function telegram(): Promise<BenchResult[]> {
  const tg = await startFakeTelegram();
  const channel = createTelegramChannel({ token: tg.token, apiRoot: tg.apiRoot, logger: silentLogger() });
  const { sink, next } = waitingSink();
  await channel.connect(sink);
  const inbound: number[] = [];
  const send: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const arrived = next();
    const started = performance.now();
    tg.userSends({ chat: privateChat(42), text: `message ${i}` });
    await arrived;
    inbound.push(performance.now() - started);
    const sendStarted = performance.now();
    await channel.send('tg:42', { text: `**reply** ${i}` });
    send.push(performance.now() - sendStarted);
  }
  await channel.disconnect();
  await tg.close();
  return [
    {
      name: 'telegram: platform update → sink.inbound p50',
      value: round(percentile(inbound, 50)),
      unit: 'ms',
    },
    {
      name: 'telegram: platform update → sink.inbound p99',
      value: round(percentile(inbound, 99)),
      unit: 'ms',
    },
    { name: 'telegram: send() of a short reply p50', value: round(percentile(send, 50)), unit: 'ms' },
  ];
}

async function discord(): Promise<BenchResult[]> {
  const dc = await startFakeDiscord();
  const channel = createDiscordChannel({ token: dc.token, api: dc.api, logger: silentLogger() });
  const { sink, next } = waitingSink();
  const connectStarted = performance.now();
  await channel.connect(sink);
  const connectMs = performance.now() - connectStarted;
  const inbound: number[] = [];
  const send: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const arrived = next();
    const started = performance.now();
    dc.userSends({ channelId: dc.channels.general, content: `message ${i}` });
    await arrived;
    inbound.push(performance.now() - started);
    const sendStarted = performance.now();
    await channel.send(`dc:${dc.channels.general}`, { text: `**reply** ${i}` });
    send.push(performance.now() - sendStarted);
  }
  await channel.disconnect();
  await dc.close();
  return [
    { name: 'discord: connect (REST + gateway READY)', value: round(connectMs), unit: 'ms' },
    {
      name: 'discord: gateway dispatch → sink.inbound p50',
      value: round(percentile(inbound, 50)),
      unit: 'ms',
    },
    {
      name: 'discord: gateway dispatch → sink.inbound p99',
      value: round(percentile(inbound, 99)),
      unit: 'ms',
    },
    { name: 'discord: send() of a short reply p50', value: round(percentile(send, 50)), unit: 'ms' },
  ];
}

async function slack(): Promise<BenchResult[]> {
  const fake = await startFakeSlack();
  const channel = createSlackChannel({
    botToken: 'xoxb-fake-bot-token',
    appToken: 'xapp-fake-app-token',
    apiUrl: fake.apiUrl,
    logger: silentLogger(),
    inboxFor: () => undefined,
  });
  const { sink, next } = waitingSink();
  const connectStarted = performance.now();
  await channel.connect(sink);
  const connectMs = performance.now() - connectStarted;
  const inbound: number[] = [];
  const send: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const arrived = next();
    const started = performance.now();
    const ts = `1700000000.${String(i).padStart(6, '0')}`;
    const profile = { display_name: 'Ada' };
    fake.sendEvent({
      type: 'message',
      channel: 'D1',
      channel_type: 'im',
      user: 'U1',
      user_profile: profile,
      text: `message ${i}`,
      ts,
    });
    await arrived;
    inbound.push(performance.now() - started);
    const sendStarted = performance.now();
    await channel.send('slack:D1', { text: `**reply** ${i}` });
    send.push(performance.now() - sendStarted);
  }
  await channel.disconnect();
  await fake.close();
  return [
    { name: 'slack: connect (auth.test + Socket Mode hello)', value: round(connectMs), unit: 'ms' },
    {
      name: 'slack: Socket Mode envelope → sink.inbound p50',
      value: round(percentile(inbound, 50)),
      unit: 'ms',
    },
    {
      name: 'slack: Socket Mode envelope → sink.inbound p99',
      value: round(percentile(inbound, 99)),
      unit: 'ms',
    },
    { name: 'slack: send() of a short reply p50', value: round(percentile(send, 50)), unit: 'ms' },
  ];
}

function formatting(): BenchResult[] {
  const paragraph = 'Some **bold** text, `code`, a [link](https://example.org) and _emphasis_. '.repeat(8);
  const code = '```ts\n' + 'const value = compute(input);\n'.repeat(40) + '```';
  const reply = Array.from({ length: 60 }, (_, i) => (i % 5 === 4 ? code : paragraph)).join('\n\n');
  const times: number[] = [];
  for (let i = 0; i < 50; i++) {
    const started = performance.now();
    for (const chunk of splitMessage(reply, 4096)) renderMarkdown(chunk, 'telegram-html');
    times.push(performance.now() - started);
  }
  return [
    {
      name: `split + render a ${Math.round(reply.length / 1024)} kB reply for Telegram p50`,
      value: round(percentile(times, 50)),
      unit: 'ms',
    },
  ];
}

export default async function channels(): Promise<BenchResult[]> {
  return [...formatting(), ...(await telegram()), ...(await discord()), ...(await slack())];
}
