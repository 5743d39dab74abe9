/**
 * The multi-agent tools wired to the host (issue 11): shared context topics, and the
 * requests that reach the main agent through AgentMail. The app adds these handlers to the
 * dispatcher's replacements, the way the scheduler's tools arrive.
 */
import type { Logger } from 'pino';
import type { AgentConfig, Config } from '../config/normalise.js';
import type { RegistrationConflict } from '../config/registered-groups.js';
import type { InstancePaths } from '../config/paths.js';
import type { Store } from '../store/index.js';
import { ContextTopics } from '../tools/context-topics.js';
import { contextTools } from '../tools/context-tools.js';
import { registerGroupTool } from '../tools/register-group.js';
import type { ToolHandler } from '../tools/types.js';
import { AgentMail } from './agent-mail.js';
import { GroupRegistry, RegistrationError } from './group-registry.js';

export interface MultiAgentDeps {
  config: Config;
  paths: InstancePaths;
  store: Store;
  channelOf: (chat: string) => string | undefined;
  /** The queue's notify; called only while tools run, so it may be bound after this is built. */
  wake: (agent: AgentConfig, chat: string) => void;
  logger: Logger;
  now?: () => number;
}

/**
 * Folds the chats registered at runtime into the config (before any message is routed) and
 * builds the tools. `conflicts` are registered chats the YAML took over (logged).
 */
export function startMultiAgent(deps: MultiAgentDeps): {
  tools: ToolHandler[];
  conflicts: RegistrationConflict[];
} {
  const registry = new GroupRegistry({
    config: deps.config,
    paths: deps.paths,
    store: deps.store,
    channelOf: deps.channelOf,
    logger: deps.logger,
  });
  const { conflicts } = registry.load();
  return {
    tools: [
      ...multiAgentTools(deps),
      registerGroupTool(registry, (error) => error instanceof RegistrationError),
    ],
    conflicts,
  };
}

function multiAgentTools(deps: MultiAgentDeps): ToolHandler[] {
  const agents = (): readonly AgentConfig[] => deps.config.agents;
  const mail = new AgentMail({
    store: deps.store,
    agents,
    routes: () => deps.config.routes,
    channelOf: deps.channelOf,
    wake: deps.wake,
    now: deps.now,
  });
  const topics = new ContextTopics({ paths: deps.paths, agents });
  return contextTools({
    topics,
    now: deps.now,
    askMain: async ({ from, text }) => {
      const main = agents().find((a) => a.main);
      if (!main) throw new Error('no main agent is configured');
      return mail.post({ to: main.id, from, text });
    },
  });
}
