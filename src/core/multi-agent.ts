/**
 * The multi-agent tools wired to the host (issue 11): shared context topics, and the
 * requests that reach the main agent through AgentMail. The app adds these handlers to the
 * dispatcher's replacements, the way the scheduler's tools arrive.
 */
import type { AgentConfig, Config } from '../config/normalise.js';
import type { InstancePaths } from '../config/paths.js';
import type { Store } from '../store/index.js';
import { ContextTopics } from '../tools/context-topics.js';
import { contextTools } from '../tools/context-tools.js';
import type { ToolHandler } from '../tools/types.js';
import { AgentMail } from './agent-mail.js';

export interface MultiAgentDeps {
  config: Config;
  paths: InstancePaths;
  store: Store;
  channelOf: (chat: string) => string | undefined;
  /** The queue's notify; called only while tools run, so it may be bound after this is built. */
  wake: (agent: AgentConfig, chat: string) => void;
  now?: () => number;
}

export function multiAgentTools(deps: MultiAgentDeps): ToolHandler[] {
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
