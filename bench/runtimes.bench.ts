/**
 * The four runtimes side by side, each through the real runner process
 * (runner/dist/runner/src/main.js: run `npm run build` first) with its real engine and an
 * instantly answering fake model on 127.0.0.1, no sandbox:
 *   - cold: `start` written → the first model request arrives at the fake;
 *   - warm: a follow-up `message` written → its model request arrives;
 *   - RSS of the warm agent after its turns, idle: the runner (node) and the engine
 *     processes under it, summed from /proc.
 * And what the runner's own RSS is made of: a bare `node`, the runner waiting for `start`,
 * and node with each module a runtime loads (the runner loads only its runtime's).
 * Arrival is polled every millisecond (the scripted fakes keep no timestamps), so each
 * number may read up to 1 ms high. `npm run bench runtimes`.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RuntimeKind, StartCommand } from '../src/protocol/runner-protocol.js';
import { startFakeAnthropic } from '../test/fakes/fake-anthropic.js';
import { startFakeOpenAI } from '../test/fakes/fake-openai.js';
import { startFakeResponses } from '../test/fakes/fake-responses.js';
import {
  answerToolCalls,
  childPids,
  makeWorkspace,
  RUNNER_MAIN,
  startCommand,
  startRunner,
} from '../runner/test/claude/runner-harness.js';
import { percentile, round, type BenchResult } from './types.js';

const COLD_RUNS = 3;
const WARM_TURNS = 15;

interface InstantModel {
  endpoints: StartCommand['endpoints'];
  /** Model requests received so far. */
  count(): number;
  close(): Promise<void>;
}

const TOKEN = 'bench-token';

/** The fake Messages API (claude, opencode): it answers "ok" when its script is empty. */
async function instantAnthropic(): Promise<InstantModel> {
  const fake = await startFakeAnthropic();
  return {
    endpoints: { anthropic: { baseUrl: fake.url, token: TOKEN } },
    count: () => fake.requests.filter((r) => r.mainLoop).length,
    close: () => fake.close(),
  };
}

const models: Record<RuntimeKind, { model: string; start: () => Promise<InstantModel> }> = {
  claude: { model: 'claude-sonnet-4-5', start: instantAnthropic },
  opencode: { model: 'anthropic/claude-bench', start: instantAnthropic },
  openai: {
    model: 'bench-model',
    start: async () => {
      const api = await startFakeOpenAI();
      api.fallback(() => ({ kind: 'text', text: 'ok', usage: { input: 10, output: 1 } }));
      return {
        endpoints: { openai: { baseUrl: `${api.url}/v1`, token: TOKEN } },
        count: () => api.completions().length,
        close: () => api.close(),
      };
    },
  },
  codex: {
    model: 'bench-model',
    start: async () => {
      const api = await startFakeResponses();
      api.fallback(() => ({ kind: 'text', text: 'ok', usage: { input: 10, output: 1 } }));
      return {
        endpoints: { openai: { baseUrl: `${api.url}/v1`, token: TOKEN } },
        count: () => api.modelRequests().length,
        close: () => api.close(),
      };
    },
  },
};

function rssMb(pid: number): number {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
    return kb / 1024;
  } catch {
    return 0;
  }
}

function processName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

function descendants(pid: number): number[] {
  const all: number[] = [];
  for (const child of childPids(pid)) all.push(child, ...descendants(child));
  return all;
}

async function arrival(model: InstantModel, before: number, timeoutMs = 120_000): Promise<number> {
  const until = performance.now() + timeoutMs;
  while (model.count() <= before) {
    if (performance.now() > until) throw new Error('no model request arrived');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return performance.now();
}

async function measure(runtime: RuntimeKind): Promise<BenchResult[]> {
  const spec = models[runtime];
  const model = await spec.start();
  const cold: number[] = [];
  const warm: number[] = [];
  let runnerRss = NaN;
  let engineRss = NaN;
  let engineParts = '';
  try {
    for (let run = 0; run < COLD_RUNS; run++) {
      const ws = makeWorkspace();
      const runner = startRunner(ws, { OMNICLAW_MODEL_TIMEOUT_MS: '30000' });
      answerToolCalls(runner, () => ({ ok: true, content: 'ok' }));
      try {
        const before = model.count();
        const t0 = performance.now();
        runner.send(startCommand(ws, 'unused', { runtime, model: spec.model, endpoints: model.endpoints }));
        cold.push((await arrival(model, before)) - t0);
        await runner.waitFor('done', (e) => e.turnId === 'turn-1', 120_000);
        if (run !== COLD_RUNS - 1) continue;
        for (let turn = 0; turn < WARM_TURNS; turn++) {
          const turnId = `warm-${turn}`;
          const seen = model.count();
          const sent = performance.now();
          runner.send({ type: 'message', turnId, text: `follow-up ${turn}` });
          warm.push((await arrival(model, seen)) - sent);
          await runner.waitFor('done', (e) => e.turnId === turnId, 120_000);
        }
        await new Promise((resolve) => setTimeout(resolve, 1_000)); // idle, as a warm agent waits
        runnerRss = rssMb(runner.child.pid!);
        const engine = descendants(runner.child.pid!);
        engineRss = engine.reduce((sum, pid) => sum + rssMb(pid), 0);
        engineParts = engine.map((pid) => `${processName(pid)} ${rssMb(pid).toFixed(0)} MB`).join(', ');
      } finally {
        await runner.close();
        ws.remove();
      }
    }
  } finally {
    await model.close();
  }
  const ms = (name: string, values: number[], p: number): BenchResult => ({
    name: `${runtime}: ${name} p${p}`,
    value: round(percentile(values, p), 1),
    unit: 'ms',
  });
  return [
    ms('cold start → first model request', cold, 50),
    ms('warm follow-up → model request', warm, 50),
    ms('warm follow-up → model request', warm, 90),
    { name: `${runtime}: warm idle RSS, runner (node)`, value: round(runnerRss, 1), unit: 'MB' },
    {
      name: `${runtime}: warm idle RSS, engine processes`,
      value: round(engineRss, 1),
      unit: 'MB',
      ...(engineParts ? { note: engineParts } : {}),
    },
    { name: `${runtime}: warm idle RSS, total`, value: round(runnerRss + engineRss, 1), unit: 'MB' },
  ];
}

const RUNNER_DIR = fileURLToPath(new URL('../runner/', import.meta.url));

/** RSS of a node process 500 ms after it ran `script` (in the runner package, for its modules). */
async function nodeRssMb(args: string[]): Promise<number> {
  const child = spawn(process.execPath, args, { cwd: RUNNER_DIR, stdio: ['pipe', 'ignore', 'ignore'] });
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const rss = rssMb(child.pid!);
  child.kill('SIGKILL');
  return rss;
}

async function moduleCosts(): Promise<BenchResult[]> {
  const hold = 'setTimeout(() => {}, 60000)';
  const withModule = (name: string) => ['--input-type=module', '-e', `await import('${name}'); ${hold}`];
  const rows: [string, string[]][] = [
    ['node, nothing loaded', ['-e', hold]],
    ['runner waiting for start (no runtime loaded)', [RUNNER_MAIN]],
    [
      'node + @modelcontextprotocol/sdk server (claude, codex, opencode)',
      withModule('@modelcontextprotocol/sdk/server/mcp.js'),
    ],
    ['node + @anthropic-ai/claude-agent-sdk (claude)', withModule('@anthropic-ai/claude-agent-sdk')],
    ['node + @opencode-ai/sdk client (opencode)', withModule('@opencode-ai/sdk/v2/client')],
  ];
  const results: BenchResult[] = [];
  for (const [name, args] of rows) {
    results.push({ name: `RSS: ${name}`, value: round(await nodeRssMb(args), 1), unit: 'MB' });
  }
  return results;
}

export default async function runtimesBench(): Promise<BenchResult[]> {
  if (!existsSync(RUNNER_MAIN)) throw new Error(`${RUNNER_MAIN} is missing: run \`npm run build\` first`);
  const only = process.env.OMNICLAW_BENCH_RUNTIMES?.split(',') as RuntimeKind[] | undefined;
  const results: BenchResult[] = await moduleCosts();
  for (const runtime of only ?? (['claude', 'openai', 'codex', 'opencode'] as RuntimeKind[])) {
    results.push(...(await measure(runtime)));
  }
  return results;
}
