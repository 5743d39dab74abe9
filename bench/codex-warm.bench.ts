/**
 * Codex follow-up latency, warm against cold, in one run on the same machine and fake model
 * (answering instantly), so the ratio holds even when the absolute numbers move with load:
 *   - warm (the codex runtime today): one `codex app-server` per run; a follow-up is a
 *     `turn/start` on the live thread. Measured push → model request received, push → done.
 *   - per-turn process (the runtime before issue 13): `codex exec --json … resume <thread> -`,
 *     spawned with the same CODEX_HOME and config as the warm runtime wrote. Measured spawn →
 *     model request received, spawn → exit.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { percentile, round, type BenchResult } from './types.js';
import { benchWorkspace, timingSink } from './runtime-kit.js';
import { createCodexRuntime } from '../runner/src/runtimes/codex.js';
import { defaultCodexCommand } from '../runner/src/runtimes/codex-app-server.js';
import { CODEX_TOKEN_ENV } from '../runner/src/runtimes/codex-config.js';
import { startFakeResponses } from '../test/fakes/fake-responses.js';

const TURNS = 15;

/** One `codex exec` turn as the old runtime ran it; resolves with the thread id once it has exited. */
function execTurn(root: string, threadId: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  const [program, ...base] = defaultCodexCommand();
  const agentDir = join(root, 'agent');
  const args = [
    ...base,
    'exec',
    '--json',
    '--skip-git-repo-check',
    '--dangerously-bypass-approvals-and-sandbox',
    '--cd',
    agentDir,
    '--model',
    'fake-model',
    ...(threadId ? ['resume', threadId] : []),
    '-',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(program!, args, { cwd: agentDir, env, stdio: ['pipe', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stdin.end('follow-up');
    child.once('error', reject);
    child.once('close', (code) => {
      const thread = /"thread_id":"([^"]+)"/.exec(stdout)?.[1];
      if (code === 0 && thread) resolve(thread);
      else reject(new Error(`codex exec exited with ${code}: ${stdout.slice(-500)}`));
    });
  });
}

const stats = (name: string, samples: number[]): BenchResult[] => [
  { name: `${name} p50`, value: round(percentile(samples, 50)), unit: 'ms' },
  {
    name: `${name} range`,
    value: round(Math.min(...samples)),
    unit: 'ms',
    note: `to ${round(Math.max(...samples))} ms over ${samples.length} turns`,
  },
];

export default async function bench(): Promise<BenchResult[]> {
  const api = await startFakeResponses();
  const ws = benchWorkspace('omniclaw-bench-cx-');
  const root = ws.root;
  let requestAt = 0;
  api.fallback(() => {
    requestAt = performance.now();
    return { kind: 'text', text: 'ok' };
  });
  const baseEnv = { ...process.env, HOME: root };
  const runtime = createCodexRuntime({ baseEnv });
  const results: BenchResult[] = [];
  try {
    const { sink, done } = timingSink();
    await runtime.start(ws.start('codex', `${api.url}/v1`), sink);
    await done('warmup');

    const warmRequest: number[] = [];
    const warmDone: number[] = [];
    for (let i = 0; i < TURNS; i += 1) {
      const started = performance.now();
      runtime.push(`warm-${i}`, `follow-up ${i}`);
      await done(`warm-${i}`);
      warmRequest.push(requestAt - started);
      warmDone.push(performance.now() - started);
    }

    // The per-turn process, with the config.toml the warm runtime wrote (its MCP bridge is up),
    // on a thread of its own (the warm runtime holds its thread open for writing).
    const env = { ...baseEnv, CODEX_HOME: join(root, 'state', 'codex'), [CODEX_TOKEN_ENV]: 'bench-token' };
    const execThread = await execTurn(root, undefined, env);
    const execRequest: number[] = [];
    const execDone: number[] = [];
    for (let i = 0; i < TURNS; i += 1) {
      const started = performance.now();
      await execTurn(root, execThread, env);
      execRequest.push(requestAt - started);
      execDone.push(performance.now() - started);
    }

    results.push(
      ...stats('codex warm: follow-up push → model request', warmRequest),
      ...stats('codex warm: follow-up push → done', warmDone),
      ...stats('codex exec per turn: spawn → model request', execRequest),
      ...stats('codex exec per turn: spawn → exit', execDone),
      {
        name: 'codex follow-up to model request, exec ÷ warm (p50)',
        value: round(percentile(execRequest, 50) / percentile(warmRequest, 50), 1),
        unit: '×',
      },
    );
  } finally {
    await runtime.stop();
    await api.close();
    rmSync(root, { recursive: true, force: true });
  }
  return results;
}
