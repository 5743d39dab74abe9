/**
 * The host side of the gateway's usage meter: every model call a run makes is added to
 * that run's row (so `status`, metrics and budgets see it), and a run whose agent has spent
 * its daily budget gets no further model call. The gateway is the single source of token
 * counts; the runner's own reports only add what the gateway cannot know (the Claude
 * engine's cost in USD), see `runnerUsageToRecord`.
 */
import { join } from 'node:path';
import type { AgentConfig } from '../config/normalise.js';
import type { Metrics } from '../observability/metrics.js';
import { countUsage } from '../observability/run-metrics.js';
import type { HostContext } from './host-context.js';
import { startGateway, type StartedGateway } from '../gateway/gateway.js';
import type { Usage } from '../protocol/runner-protocol.js';
import type { RunStore } from '../store/runs.js';
import type { ModelMeter } from '../gateway/types.js';
import { checkBudget, startOfDay, startOfNextDay } from './budget.js';

export interface GatewayMeterDeps {
  runs: RunStore;
  agents: () => readonly AgentConfig[];
  timezone: string;
  now?: () => number;
  /** Metrics, like the runner's reports used to feed them. */
  counted?: (agent: string, usage: Usage) => void;
}

export function createGatewayMeter(deps: GatewayMeterDeps): ModelMeter {
  const now = deps.now ?? Date.now;
  return {
    admit: (run) => {
      const agent = deps.agents().find((a) => a.id === run.agentId);
      if (!agent?.budget) return undefined;
      const t = now();
      const decision = checkBudget(
        agent.budget,
        deps.runs.usageSince(agent.id, startOfDay(t, deps.timezone)),
        {
          agentName: agent.name,
          resetsAt: startOfNextDay(t, deps.timezone),
          timezone: deps.timezone,
          refused: 'model calls are refused until it resets; do not retry',
        },
      );
      return decision.allowed ? undefined : decision.message;
    },
    record: (run, usage) => {
      deps.runs.addUsage(run.runId, usage);
      deps.counted?.(run.agentId, usage);
    },
  };
}

/**
 * What of a runner's own usage report to store when the gateway meters the run: only the
 * cost, which the gateway has no prices for; the tokens are already counted.
 */
export function runnerUsageToRecord(reported: Usage, meteredAtGateway: boolean): Usage | undefined {
  if (!meteredAtGateway) return reported;
  if (!reported.costUsd) return undefined;
  return {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: reported.costUsd,
  };
}

/** The host's egress gateway: on its socket (and TCP, if configured), metered by the runs table. */
export async function startHostGateway(
  options: HostContext & { store: { runs: RunStore }; metrics: Metrics },
): Promise<StartedGateway> {
  const { config, metrics } = options;
  return startGateway({
    socketPath: join(options.paths.home, 'run', 'gateway.sock'),
    tcp: config.sandbox.gateway,
    models: () => config.models,
    logger: options.logger,
    meter: createGatewayMeter({
      runs: options.store.runs,
      agents: () => config.agents,
      timezone: config.instance.timezone,
      now: options.now,
      counted: (agent, usage) => countUsage(metrics, agent, usage),
    }),
  });
}
