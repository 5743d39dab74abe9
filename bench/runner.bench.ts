/**
 * The runner with the real Claude engine against an instantly answering fake model on
 * 127.0.0.1: what the runner and engine add per turn, how fast a warm follow-up reaches the
 * model, how long the engine takes to start and how much memory it holds.
 * Needs a build (`npm run build`): it runs runner/dist/runner/src/main.js like a sandbox does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { startFakeAnthropic, lastUserText, type MessagesBody } from '../test/fakes/fake-anthropic.js';
import {
  childPids,
  makeWorkspace,
  RUNNER_MAIN,
  startCommand,
  startRunner,
} from '../runner/test/claude/runner-harness.js';
import { PassThrough } from 'node:stream';
import { encodeLine } from '../src/protocol/runner-protocol.js';
import { runRunner } from '../runner/src/run.js';
import type { Runtime } from '../runner/src/runtime.js';
import { percentile, round, type BenchResult } from './types.js';

const COLD_RUNS = 3;
const WARM_TURNS = 40;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/**
 * The runner's own share of a warm follow-up: a `message` line written to its stdin → the
 * runtime's push() called. In-process, with a runtime that only records the time.
 */
async function runnerReceiptToRuntime(samples: number): Promise<number[]> {
  const input = new PassThrough();
  const output = new PassThrough();
  output.resume();
  const pushedAt = new Map<string, number>();
  const runtime: Runtime = {
    start: async () => undefined,
    push: (turnId) => void pushedAt.set(turnId, performance.now()),
    stop: async () => undefined,
  };
  const table = {
    claude: async () => runtime,
    openai: async () => runtime,
    codex: async () => runtime,
    opencode: async () => runtime,
  };
  const exited = runRunner({ input, output, runtimes: table, log: () => undefined });
  const ws = makeWorkspace();
  input.write(encodeLine(startCommand(ws, 'http://127.0.0.1:9')));
  await new Promise((resolve) => setTimeout(resolve, 50));
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const turnId = `t${i}`;
    const sent = performance.now();
    input.write(encodeLine({ type: 'message', turnId, text: `follow-up ${i} `.repeat(20) }));
    await new Promise((resolve) => setImmediate(resolve));
    latencies.push((pushedAt.get(turnId) ?? NaN) - sent);
  }
  input.end();
  await exited;
  ws.remove();
  return latencies;
}

export default async function runnerBench(): Promise<BenchResult[]> {
  const receipt = await runnerReceiptToRuntime(2_000);
  if (!existsSync(RUNNER_MAIN)) throw new Error(`${RUNNER_MAIN} is missing: run \`npm run build\` first`);
  const fake = await startFakeAnthropic();
  const toReady: number[] = [];
  const toFirstRequest: number[] = [];
  const toFirstDone: number[] = [];
  const followUpToModel: number[] = [];
  const followUpToDone: number[] = [];
  let engineRss = NaN;
  let runnerRss = NaN;

  try {
    for (let run = 0; run < COLD_RUNS; run++) {
      const ws = makeWorkspace();
      const runner = startRunner(ws);
      try {
        const marker = `cold-${run}-${Date.now()}`;
        const seenBefore = fake.requests.length;
        const t0 = performance.now();
        runner.send(startCommand(ws, fake.url, { prompt: marker }));
        await runner.waitFor('ready');
        toReady.push(performance.now() - t0);
        const first = await fake.waitForRequest(
          (r) =>
            r.mainLoop &&
            fake.requests.indexOf(r) >= seenBefore &&
            lastUserText(r.body as MessagesBody).includes(marker),
        );
        toFirstRequest.push(first.receivedAt - t0);
        await runner.waitFor('done');
        toFirstDone.push(performance.now() - t0);

        if (run === COLD_RUNS - 1) {
          for (let turn = 0; turn < WARM_TURNS; turn++) {
            const text = `warm-${turn}-${Date.now()}`;
            const turnId = `warm-${turn}`;
            const sent = performance.now();
            runner.send({ type: 'message', turnId, text });
            const request = await fake.waitForRequest(
              (r) => r.mainLoop && lastUserText(r.body as MessagesBody).includes(text),
            );
            followUpToModel.push(request.receivedAt - sent);
            await runner.waitFor('done', (e) => e.turnId === turnId);
            followUpToDone.push(performance.now() - sent);
          }
          const engine = childPids(runner.child.pid!)[0];
          if (engine) engineRss = rssMb(engine);
          runnerRss = rssMb(runner.child.pid!);
        }
      } finally {
        await runner.close();
        ws.remove();
      }
    }
  } finally {
    await fake.close();
  }

  const ms = (name: string, values: number[], p: number, target?: string, note?: string): BenchResult => ({
    name: `${name} p${p}`,
    value: round(percentile(values, p), 3),
    unit: 'ms',
    ...(target ? { target } : {}),
    ...(note ? { note } : {}),
  });
  return [
    ms('runner: message line received → runtime.push', receipt, 50, '≤ 10 ms p50', 'in-process, no engine'),
    ms('runner: message line received → runtime.push', receipt, 99, '≤ 50 ms p99'),
    ms('cold: start → ready (engine launched)', toReady, 50),
    ms('cold: start → first model request', toFirstRequest, 50),
    ms('cold: start → first done (instant model)', toFirstDone, 50),
    ms(
      'warm: message written → model request received',
      followUpToModel,
      50,
      '≤ 10 ms p50',
      'runner + engine',
    ),
    ms('warm: message written → model request received', followUpToModel, 99, '≤ 50 ms p99'),
    ms('warm: message written → done (per-turn overhead)', followUpToDone, 50),
    ms('warm: message written → done (per-turn overhead)', followUpToDone, 90),
    { name: 'engine RSS after warm turns', value: round(engineRss, 1), unit: 'MB' },
    { name: 'runner RSS (node, without engine)', value: round(runnerRss, 1), unit: 'MB' },
  ];
}
