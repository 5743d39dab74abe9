/**
 * The metrics of agent runs: sandboxes alive, run duration, reply latency (prompt handed
 * over to first reply), tokens and cost. An observer of runs, written against what it reads
 * of a run (its id and agent), so it needs nothing of the core.
 */
import type { Usage } from '../protocol/runner-protocol.js';
import type { Metrics } from './metrics.js';

interface Run {
  readonly id: string;
  readonly agent: { readonly id: string };
}

export interface RunMetricsObserver {
  runStarted(run: Run): void;
  runEnded(run: Run, outcome: { ok: boolean }, durationMs: number): void;
  promptSent(run: Run): void;
  replied(run: Run): void;
  usage(agent: string, usage: Usage): void;
}

/** Counts a run's (or a gateway call's) tokens and cost for its agent. */
export function countUsage(metrics: Metrics, agent: string, usage: Usage): void {
  metrics.tokens.inc({ agent, kind: 'input' }, usage.inputTokens);
  metrics.tokens.inc({ agent, kind: 'output' }, usage.outputTokens);
  metrics.tokens.inc({ agent, kind: 'cache_read' }, usage.cacheReadTokens);
  metrics.tokens.inc({ agent, kind: 'cache_write' }, usage.cacheWriteTokens);
  if (usage.costUsd) metrics.costUsd.inc({ agent }, usage.costUsd);
}

export function runMetricsObserver(metrics: Metrics, now: () => number = Date.now): RunMetricsObserver {
  const promptedAt = new Map<string, number>();
  return {
    runStarted: () => metrics.activeSandboxes.inc(),
    runEnded: (run, outcome, ms) => {
      promptedAt.delete(run.id);
      metrics.activeSandboxes.dec();
      metrics.runDuration.observe({ agent: run.agent.id, result: outcome.ok ? 'ok' : 'failed' }, ms / 1000);
    },
    promptSent: (run) => promptedAt.set(run.id, now()),
    replied: (run) => {
      const at = promptedAt.get(run.id);
      if (at !== undefined) metrics.replyLatency.observe({ agent: run.agent.id }, (now() - at) / 1000);
    },
    usage: (agent, usage) => countUsage(metrics, agent, usage),
  };
}
