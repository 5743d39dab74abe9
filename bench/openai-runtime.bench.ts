/**
 * Turn overhead of the openai and codex runtimes with a model that answers instantly:
 * everything measured is ours (or the Codex CLI's), not the model's.
 *   - openai: push → done for a plain text turn, and for a turn with one bash tool call
 *     (two model calls); in-process through the Runtime interface.
 *   - openai: push accepted → the fake server has the request (prompt delivery latency).
 *   - openai through the real runner process (node runner/dist/runner/src/main.js, run `npm run build`
 *     first): start → ready, start → first done, and message → done over the protocol.
 *   - codex: push → done per turn (the warm app-server; codex-warm.bench.ts compares it with a process per turn).
 */
import { readFileSync, rmSync } from 'node:fs';
import { percentile, round, type BenchResult } from './types.js';
import type { Runtime } from '../runner/src/runtime.js';
import { benchWorkspace, timingSink } from './runtime-kit.js';
import { createOpenAIRuntime } from '../runner/src/runtimes/openai.js';
import { createCodexRuntime } from '../runner/src/runtimes/codex.js';
import { startFakeOpenAI } from '../test/fakes/fake-openai.js';
import { startFakeResponses } from '../test/fakes/fake-responses.js';
import {
  makeWorkspace as runnerWorkspace,
  startCommand as runnerStart,
  startRunner,
} from '../runner/test/claude/runner-harness.js';

async function timeTurns(
  runtime: Runtime,
  done: (turnId: string) => Promise<void>,
  count: number,
  label: string,
): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const turnId = `${label}-${i}`;
    const started = performance.now();
    runtime.push(turnId, `message ${i}`);
    await done(turnId);
    samples.push(performance.now() - started);
  }
  return samples;
}

const stats = (name: string, samples: number[], target?: string): BenchResult[] => [
  { name: `${name} p50`, value: round(percentile(samples, 50)), unit: 'ms', ...(target ? { target } : {}) },
  { name: `${name} p90`, value: round(percentile(samples, 90)), unit: 'ms' },
];

export default async function bench(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];

  // ------------------------------------------------------------------ openai
  const api = await startFakeOpenAI();
  const ws = benchWorkspace();
  try {
    let withTool = false;
    let promptSeenAt = 0;
    api.fallback((body) => {
      promptSeenAt = performance.now();
      const last = body.messages?.at(-1);
      return withTool && last?.role === 'user'
        ? { kind: 'tool_calls', calls: [{ name: 'bash', arguments: { command: 'true' } }] }
        : { kind: 'text', text: 'ok' };
    });
    const { sink, done } = timingSink();
    const runtime = createOpenAIRuntime();
    await runtime.start(ws.start('openai', `${api.url}/v1`), sink);
    await done('warmup');
    results.push(
      ...stats('openai: text turn, push → done (instant model)', await timeTurns(runtime, done, 200, 'text')),
    );

    const delivery: number[] = [];
    for (let i = 0; i < 200; i += 1) {
      const turnId = `delivery-${i}`;
      const started = performance.now();
      runtime.push(turnId, `message ${i}`);
      await done(turnId);
      delivery.push(promptSeenAt - started);
    }
    results.push(...stats('openai: push → model request received', delivery, '≤ 10 ms p50'));

    withTool = true;
    results.push(
      ...stats(
        'openai: turn with one bash call (2 model calls)',
        await timeTurns(runtime, done, 100, 'tool'),
      ),
    );
    await runtime.stop();
  } finally {
    await api.close();
    rmSync(ws.root, { recursive: true, force: true });
  }

  // ------------------------------------------------ openai in the runner process
  const api2 = await startFakeOpenAI();
  api2.fallback(() => ({ kind: 'text', text: 'ok' }));
  const rws = runnerWorkspace();
  const t0 = performance.now();
  const runner = startRunner(rws);
  try {
    runner.send(
      runnerStart(rws, 'unused', {
        runtime: 'openai',
        model: 'fake-model',
        endpoints: { openai: { baseUrl: `${api2.url}/v1`, token: 'bench' } },
      }),
    );
    await runner.waitFor('ready');
    results.push({
      name: 'openai runner: process spawn → ready',
      value: round(performance.now() - t0),
      unit: 'ms',
    });
    await runner.waitFor('done', (e) => e.turnId === 'turn-1');
    results.push({
      name: 'openai runner: process spawn → first turn done',
      value: round(performance.now() - t0),
      unit: 'ms',
    });
    const samples: number[] = [];
    for (let i = 0; i < 200; i += 1) {
      const turnId = `p-${i}`;
      const started = performance.now();
      runner.send({ type: 'message', turnId, text: `message ${i}` });
      await runner.waitFor('done', (e) => e.turnId === turnId);
      samples.push(performance.now() - started);
    }
    results.push(...stats('openai runner: message → done over the protocol', samples));
    const status = readFileSync(`/proc/${runner.child.pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    results.push({ name: 'openai runner: RSS after 200 turns', value: round(rssKb / 1024, 1), unit: 'MB' });
  } finally {
    await runner.close();
    await api2.close();
    rws.remove();
  }

  // ------------------------------------------------------------------ codex
  const responses = await startFakeResponses();
  const cws = benchWorkspace();
  try {
    responses.fallback(() => ({ kind: 'text', text: 'ok' }));
    const { sink, done } = timingSink();
    const runtime = createCodexRuntime({ baseEnv: { ...process.env, HOME: cws.root } });
    const started = performance.now();
    await runtime.start(cws.start('codex', `${responses.url}/v1`), sink);
    await done('warmup');
    results.push({
      name: 'codex: first turn (new session), start → done',
      value: round(performance.now() - started),
      unit: 'ms',
    });
    results.push(
      ...stats(
        'codex: follow-up turn (warm app-server), push → done',
        await timeTurns(runtime, done, 10, 'codex'),
      ),
    );
    await runtime.stop();
  } finally {
    await responses.close();
    rmSync(cws.root, { recursive: true, force: true });
  }
  return results;
}
