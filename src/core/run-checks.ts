/**
 * Checks made before an agent run starts: is there a model it can use, and is its daily
 * budget left? A refusal is a typed value (`Refusal`, with its kind) whose `userText` says
 * exactly what to do; nobody has to recognise it by its wording.
 */
import type { AgentConfig, Config } from '../config/normalise.js';
import type { Store } from '../store/index.js';
import type { UsageTotals } from '../store/runs.js';
import { checkBudget, startOfDay, startOfNextDay } from './budget.js';
import { Refusal } from './failure-notice.js';
import { OPENCODE_DEFAULT_MODEL, opencodeModel } from '../protocol/opencode-model.js';

/** The gateway route an agent's model calls take (an opencode agent's model names its route). */
export function modelRoute(agent: Pick<AgentConfig, 'runtime' | 'model'>): 'anthropic' | 'openai' {
  if (agent.runtime === 'claude') return 'anthropic';
  if (agent.runtime === 'opencode') return opencodeModel(agent.model ?? OPENCODE_DEFAULT_MODEL).route;
  return 'openai';
}

export function modelRefusal(
  agent: AgentConfig,
  models: Config['models'],
  envFile: string,
): Refusal | undefined {
  if (modelRoute(agent) === 'anthropic') {
    const a = models.anthropic;
    if (a?.apiKey || a?.oauthToken) return undefined;
    return new Refusal(
      'no-model',
      `I can't answer yet: agent "${agent.id}" uses ${agent.runtime === 'claude' ? 'Claude' : 'an Anthropic model'}, but no Anthropic credential is configured. ` +
        `Add ANTHROPIC_API_KEY=sk-ant-… (or CLAUDE_CODE_OAUTH_TOKEN=…) to ${envFile}, make sure omniclaw.yaml has ` +
        '`models: { anthropic: { apiKey: ${ANTHROPIC_API_KEY} } }`, and restart OmniClaw. ' +
        'Or run a local model server (Ollama, LM Studio), set `models.openai.baseUrl` and `runtime: openai` for the agent.',
    );
  }
  if (!models.openai) {
    return new Refusal(
      'no-model',
      `I can't answer yet: agent "${agent.id}" uses the ${agent.runtime} runtime, but no OpenAI-compatible endpoint is ` +
        'configured. Add `models: { openai: { baseUrl: http://localhost:11434/v1 } }` to omniclaw.yaml for Ollama ' +
        `(or an API key: OPENAI_API_KEY=… in ${envFile} with apiKey: \${OPENAI_API_KEY}) and restart OmniClaw.`,
    );
  }
  return undefined;
}

export function budgetRefusal(
  agent: AgentConfig,
  usedToday: UsageTotals,
  resetsAt: number,
  timezone: string,
): Refusal | undefined {
  const decision = checkBudget(agent.budget, usedToday, { agentName: agent.name, resetsAt, timezone });
  return decision.allowed ? undefined : new Refusal('budget', decision.message);
}

export interface RunCheckSources {
  config: Pick<Config, 'models' | 'instance'>;
  envFile: string;
  runs: Pick<Store['runs'], 'usageSince'>;
  now?: () => number;
}

/** The check the queue (and the scheduler) make before each run: a model first, then the budget. */
export function createRunCheck(sources: RunCheckSources): (agent: AgentConfig) => Refusal | undefined {
  const { config } = sources;
  return (agent) => {
    const now = (sources.now ?? Date.now)();
    const timezone = config.instance.timezone;
    return (
      modelRefusal(agent, config.models, sources.envFile) ??
      budgetRefusal(
        agent,
        sources.runs.usageSince(agent.id, startOfDay(now, timezone)),
        startOfNextDay(now, timezone),
        timezone,
      )
    );
  };
}
