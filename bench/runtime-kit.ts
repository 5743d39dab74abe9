/**
 * What the in-process runtime benchmarks share: a temp workspace with the start command a
 * host would send, and a sink that lets a benchmark await one turn's `done`.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RuntimeSink } from '../runner/src/runtime.js';
import type { StartCommand } from '../src/protocol/runner-protocol.js';

export interface BenchWorkspace {
  root: string;
  start: (runtime: 'openai' | 'codex', baseUrl: string) => StartCommand;
}

/** A fresh folder with agent/, global/ and state/; the caller removes `root`. */
export function benchWorkspace(prefix = 'omniclaw-bench-'): BenchWorkspace {
  const root = mkdtempSync(join(tmpdir(), prefix));
  for (const dir of ['agent', 'global', 'state']) mkdirSync(join(root, dir));
  return {
    root,
    start: (runtime, baseUrl) => ({
      type: 'start',
      v: 1,
      runId: 'bench',
      turnId: 'warmup',
      agent: { id: 'bench', name: 'bench', main: false },
      runtime,
      model: 'fake-model',
      prompt: 'warm up',
      workspace: {
        agentDir: join(root, 'agent'),
        globalDir: join(root, 'global'),
        extraDirs: [],
        stateDir: join(root, 'state'),
      },
      endpoints: { openai: { baseUrl, token: 'bench-token' } },
      tools: [],
      mcpServers: {},
    }),
  };
}

/** A sink whose `done(turnId)` resolves once that turn is done (at once if it already is). */
export function timingSink(): { sink: RuntimeSink; done: (turnId: string) => Promise<void> } {
  const waiters = new Map<string, () => void>();
  const finished = new Set<string>();
  const sink: RuntimeSink = {
    progress: () => undefined,
    reply: () => undefined,
    session: () => undefined,
    done: (turnId) => {
      finished.add(turnId);
      waiters.get(turnId)?.();
    },
    error: (message) => process.stderr.write(`bench runtime error: ${message}\n`),
    callTool: async () => ({ ok: true, content: 'ok' }),
    log: () => undefined,
  };
  return {
    sink,
    done: (turnId) =>
      finished.has(turnId) ? Promise.resolve() : new Promise((resolve) => waiters.set(turnId, resolve)),
  };
}
