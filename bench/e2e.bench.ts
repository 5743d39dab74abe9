/**
 * Message → reply through the whole host (`startApp`, egress gateway on) with the real
 * Claude Agent SDK engine inside each sandbox backend, the model being a fake on 127.0.0.1
 * that answers at once. For each backend (none, bwrap, docker):
 *  - cold: no sandbox running for the agent (the previous run is stopped first; the engine
 *    session is resumed, as for any agent that has talked before);
 *  - warm: the agent's run is alive and idle, the message goes into its live engine.
 * Also split at the model request the fake receives (same process, same clock): how long
 * until the prompt reached the model, and from the model's answer to channel `send`.
 * Needs a build (`npm run build`): the sandboxes run runner/dist/runner/src/main.js. Docker needs the
 * omniclaw-agent:latest image (container/build-offline.sh, or the sandbox bench builds it).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUNNER_MAIN, RUNNER_PACKAGE, startApp, type App } from '../src/app.js';
import type { OutboundMessage, SentMessage } from '../src/domain/channel.js';
import { parseConfigText } from '../src/config/load.js';
import { silentLogger } from '../src/observability/logger.js';
import type { SandboxKind } from '../src/sandbox/types.js';
import { lastUserText, startFakeAnthropic, type MessagesBody } from '../test/fakes/fake-anthropic.js';
import { MemoryChannel } from '../test/helpers/memory-channel.js';
import { percentile, round, type BenchResult } from './types.js';

type Backend = Extract<SandboxKind, 'none' | 'bwrap' | 'docker'>;
const PLAN: { backend: Backend; cold: number; warm: number; coldTarget?: string }[] = [
  { backend: 'none', cold: 3, warm: 30 },
  { backend: 'bwrap', cold: 8, warm: 30, coldTarget: '≤ 1.6 s' },
  { backend: 'docker', cold: 8, warm: 30, coldTarget: '≤ 2.5 s' },
];
const WARM_TARGET = '≤ 150 ms p50';
const SEND_TIMEOUT_MS = 120_000;

/** Records when `send` is called, on performance.now() (the fake model uses the same clock). */
class TimedChannel extends MemoryChannel {
  private readonly waiters = new Map<string, (at: number) => void>();

  nextSend(chat: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no reply in ${chat} within ${SEND_TIMEOUT_MS / 1000} s`)),
        SEND_TIMEOUT_MS,
      );
      this.waiters.set(chat, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  }

  override async send(chat: string, message: OutboundMessage): Promise<SentMessage> {
    const at = performance.now();
    const sent = await super.send(chat, message);
    const waiter = this.waiters.get(chat);
    this.waiters.delete(chat);
    waiter?.(at);
    return sent;
  }
}

interface Sample {
  total: number;
  toModel: number;
  modelToSend: number;
}

async function untilIdle(app: App, agentId: string): Promise<void> {
  const began = Date.now();
  while (app.queue.activeRuns().find((r) => r.agent.id === agentId)?.state !== 'idle') {
    if (Date.now() - began > 30_000) throw new Error(`agent ${agentId} did not turn idle`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function stopRuns(app: App, agentId: string): Promise<void> {
  await Promise.all(
    app.queue
      .activeRuns()
      .filter((r) => r.agent.id === agentId)
      .map((r) => r.stop('benchmark: next sample is cold')),
  );
}

export default async function e2eBench(): Promise<BenchResult[]> {
  if (!existsSync(join(RUNNER_PACKAGE, RUNNER_MAIN)))
    throw new Error(`runner/${RUNNER_MAIN} is missing: run \`npm run build\` first`);
  const fake = await startFakeAnthropic();
  const home = mkdtempSync(join(tmpdir(), 'omniclaw-bench-e2e-'));
  const logger = silentLogger();
  const config = parseConfigText(
    [
      'http: { port: 0 }',
      'channels: { local: { enabled: false } }',
      `models: { anthropic: { baseUrl: "${fake.url}", apiKey: "sk-ant-bench-0123456789" } }`,
      'queue: { maxConcurrent: 3 }',
      'agents:',
      ...PLAN.map(
        (p, i) => `  - { id: via-${p.backend}, ${i === 0 ? 'main: true, ' : ''}sandbox: ${p.backend} }`,
      ),
      'routes:',
      ...PLAN.map((p) => `  - { chat: "mem:${p.backend}", agent: via-${p.backend}, requiresTrigger: false }`),
    ].join('\n'),
    'e2e-bench.yaml',
    { env: {} },
  );
  const channel = new TimedChannel();
  const app = await startApp({
    home,
    config,
    logger,
    extraChannels: [channel], // sandboxes: the configured backends, chosen as in production
  });

  let probe = 0;
  const ask = async (backend: Backend): Promise<Sample> => {
    const text = `bench probe ${++probe} ${Date.now()}`;
    const chat = `mem:${backend}`;
    const sent = channel.nextSend(chat);
    const accepted = performance.now();
    const result = channel.receive(chat, text);
    if (!result.accepted) throw new Error(`${backend}: message refused: ${result.reason}`);
    const request = fake.waitForRequest(
      (r) => r.mainLoop && lastUserText(r.body as MessagesBody).includes(text),
      SEND_TIMEOUT_MS,
    );
    const sendAt = await sent;
    const model = await request;
    return {
      total: sendAt - accepted,
      toModel: model.receivedAt - accepted,
      modelToSend: sendAt - model.receivedAt,
    };
  };

  const results: BenchResult[] = [];
  try {
    for (const { backend, cold: coldRuns, warm: warmRuns, coldTarget } of PLAN) {
      const agentId = `via-${backend}`;
      const cold: Sample[] = [];
      const warm: Sample[] = [];
      // The first run creates the engine session and warms the page cache: not counted.
      await ask(backend);
      for (let i = 0; i < coldRuns; i++) {
        await stopRuns(app, agentId);
        cold.push(await ask(backend));
      }
      await untilIdle(app, agentId);
      await ask(backend); // first follow-up of this run: not counted
      for (let i = 0; i < warmRuns; i++) {
        await untilIdle(app, agentId);
        warm.push(await ask(backend));
      }
      await stopRuns(app, agentId);
      results.push(...summarise(`${backend} cold`, cold, coldTarget));
      results.push(...summarise(`${backend} warm`, warm, WARM_TARGET));
    }
  } finally {
    await app.stop();
    await fake.close();
    rmSync(home, { recursive: true, force: true });
  }
  return results;
}

function summarise(label: string, samples: Sample[], target?: string): BenchResult[] {
  const pick = (key: keyof Sample, p: number): number =>
    round(
      percentile(
        samples.map((s) => s[key]),
        p,
      ),
      1,
    );
  const note = `${samples.length} samples; real Claude engine, instant fake model, gateway on`;
  return [
    { name: `${label}: accepted → reply sent p50`, value: pick('total', 50), unit: 'ms', target, note },
    { name: `${label}: accepted → reply sent p90`, value: pick('total', 90), unit: 'ms' },
    { name: `${label}: accepted → model request p50`, value: pick('toModel', 50), unit: 'ms' },
    { name: `${label}: model request → reply sent p50`, value: pick('modelToSend', 50), unit: 'ms' },
  ];
}
