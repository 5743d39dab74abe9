/**
 * Folds the chats registered at runtime (register_group, stored in the database) into the
 * loaded config. omniclaw.yaml wins: a registered chat that the YAML also routes keeps the
 * YAML's route and is reported as a conflict; an agent the registration created is used
 * only while the YAML does not define one with that id. Pure: the caller reads the rows
 * and logs the conflicts.
 */
import { defaultAgentFields, type AgentConfig, type Config, type Route } from './normalise.js';

/** What a registration holds, as far as the config is concerned (the store's row type fits). */
export interface GroupRegistration {
  chat: string;
  agent: string;
  agentName?: string;
  trigger?: string;
  requiresTrigger?: boolean;
  server?: string;
  description?: string;
}

export interface RegistrationConflict {
  chat: string;
  registeredAgent: string;
  yamlAgent: string;
}

/** A new agent as register_group creates it: the instance's defaults, its own id, name and trigger. */
export function registeredAgentConfig(
  config: Pick<Config, 'sandbox'>,
  group: GroupRegistration,
): AgentConfig {
  const name = group.agentName ?? group.agent;
  return {
    ...defaultAgentFields(),
    id: group.agent,
    name,
    main: false,
    trigger: group.trigger ?? `@${name}`,
    limits: { ...config.sandbox.limits },
    sandbox: config.sandbox.default,
    ...(group.server ? { server: group.server } : {}),
  };
}

export function registeredRoute(group: GroupRegistration, agent: AgentConfig): Route {
  return {
    chat: group.chat,
    agent: agent.id,
    requiresTrigger: group.requiresTrigger ?? !agent.main,
    streamThreads: false,
  };
}

/**
 * Adds the registrations to `config.agents` and `config.routes` in place (the host's routing
 * table holds those arrays). Returns the chats added and the conflicts left out.
 */
export function applyRegisteredGroups(
  config: Config,
  groups: readonly GroupRegistration[],
): { added: string[]; conflicts: RegistrationConflict[] } {
  const added: string[] = [];
  const conflicts: RegistrationConflict[] = [];
  for (const group of groups) {
    const yaml = config.routes.find((r) => r.chat === group.chat);
    if (yaml) {
      conflicts.push({ chat: group.chat, registeredAgent: group.agent, yamlAgent: yaml.agent });
      continue;
    }
    let agent = config.agents.find((a) => a.id === group.agent);
    if (!agent) {
      if (group.agentName === undefined) {
        // The agent it named is gone from the YAML, and the registration did not create it.
        conflicts.push({ chat: group.chat, registeredAgent: group.agent, yamlAgent: '(no such agent)' });
        continue;
      }
      agent = registeredAgentConfig(config, group);
      config.agents.push(agent);
      config.routes.push({
        chat: `local:${agent.id}`,
        agent: agent.id,
        requiresTrigger: false,
        streamThreads: false,
      });
    }
    config.routes.push(registeredRoute(group, agent));
    added.push(group.chat);
  }
  return { added, conflicts };
}
