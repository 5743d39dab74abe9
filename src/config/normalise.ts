/**
 * Turns the validated file into the shape the host uses: a main agent always exists,
 * agent names, triggers and limits are filled in, the terminal chat reaches every agent,
 * and routes point at agents that exist.
 */
import { CHAT_PREFIXES, chatIdProblem } from './chat-ids.js';
import { checkMachines, runsRemotely } from './machines.js';
import type { AgentConfigParsed, LimitsConfig, ParsedConfig, RouteConfig } from './schema.js';

export interface AgentConfig extends Omit<AgentConfigParsed, 'name' | 'limits' | 'trigger'> {
  name: string;
  trigger: string;
  limits: LimitsConfig;
}

export interface Route extends Omit<RouteConfig, 'requiresTrigger'> {
  requiresTrigger: boolean;
}

export interface Config extends Omit<ParsedConfig, 'agents' | 'routes'> {
  agents: AgentConfig[];
  routes: Route[];
}

export const DEFAULT_MAIN_AGENT_ID = 'main';
export const LOCAL_DEFAULT_CHAT = 'local:default';

export function normaliseConfig(
  parsed: ParsedConfig,
  chatPrefixes: readonly string[] = CHAT_PREFIXES,
): Config {
  const rawAgents = parsed.agents.length
    ? parsed.agents
    : [{ ...defaultAgentFields(), id: DEFAULT_MAIN_AGENT_ID, name: parsed.instance.name, main: true }];

  const seen = new Set<string>();
  for (const [i, agent] of rawAgents.entries()) {
    if (seen.has(agent.id)) throw new Error(`agents[${i}].id: the agent id "${agent.id}" is used twice`);
    seen.add(agent.id);
  }
  const mains = rawAgents.filter((a) => a.main);
  if (mains.length > 1) {
    throw new Error(`agents: only one agent may be main, found ${mains.map((a) => a.id).join(', ')}`);
  }
  // With a single agent and none marked main, that agent is the main one: it is the only one there is.
  const implicitMain = mains.length === 0 && rawAgents.length === 1;

  const agents: AgentConfig[] = rawAgents.map((agent) => {
    const name = agent.name ?? (agent.main || implicitMain ? parsed.instance.name : agent.id);
    return {
      ...agent,
      main: agent.main || implicitMain,
      name,
      trigger: agent.trigger ?? `@${name}`,
      limits: { ...parsed.sandbox.limits, ...agent.limits },
      sandbox: agent.sandbox === 'auto' ? parsed.sandbox.default : agent.sandbox,
    };
  });
  checkMachines(parsed.machines, agents);
  for (const [i, agent] of agents.entries()) {
    if (agent.sandbox === 'ssh' && !runsRemotely(agent.runsOn)) {
      throw new Error(
        `agents[${i}].sandbox: "ssh" needs runsOn: { machine } or { labels } (docs/machines.md)`,
      );
    }
    // Another machine's agent runs in that machine's own sandbox, reached over SSH.
    if (runsRemotely(agent.runsOn)) agent.sandbox = 'ssh';
  }
  const byId = new Map(agents.map((a) => [a.id, a]));
  const main = agents.find((a) => a.main);

  const routes: Route[] = parsed.routes.map((route, i) => {
    const agent = byId.get(route.agent);
    if (!agent) {
      throw new Error(
        `routes[${i}].agent: no agent with id "${route.agent}" (agents: ${[...byId.keys()].join(', ')})`,
      );
    }
    const problem = chatIdProblem(route.chat, chatPrefixes);
    if (problem) throw new Error(`routes[${i}].chat: ${problem}`);
    return { ...route, requiresTrigger: route.requiresTrigger ?? !agent.main };
  });

  for (const key of ['messages', 'delegate', 'share'] as const) {
    for (const [i, pair] of parsed.multiAgent[key].entries()) {
      for (const side of ['from', 'to'] as const) {
        if (!byId.has(pair[side]))
          throw new Error(
            `multiAgent.${key}[${i}].${side}: no agent with id "${pair[side]}" (agents: ${[...byId.keys()].join(', ')})`,
          );
      }
    }
  }

  // The terminal chat is the operator's own console: local:<agent> always reaches that
  // agent, and local:default reaches the main agent, without a trigger.
  const routed = new Set(routes.map((r) => `${r.chat}\u0000${r.agent}`));
  const addLocal = (chat: string, agent: string): void => {
    if (!routed.has(`${chat}\u0000${agent}`) && !routes.some((r) => r.chat === chat)) {
      routes.push({ chat, agent, requiresTrigger: false, streamThreads: false });
    }
  };
  if (main) addLocal(LOCAL_DEFAULT_CHAT, main.id);
  for (const agent of agents) addLocal(`local:${agent.id}`, agent.id);

  return { ...parsed, agents, routes };
}

export function defaultAgentFields(): Omit<AgentConfigParsed, 'id' | 'name' | 'main'> {
  return {
    runtime: 'claude',
    sandbox: 'auto',
    mounts: [],
    limits: {},
    network: { allowHosts: [] },
    mcpServers: {},
    sessionMaxAgeMs: 4 * 3600_000,
  };
}
