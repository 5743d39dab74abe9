/**
 * The core's chat path over the host's parts: the agent tools (built-in, plugins, and the
 * scheduler's), what a run needs (RunDeps), the checks before a run, the give-up reply,
 * the agent queue and the intake. Built in one place so the composition root only hands
 * the parts over.
 */
import type { HostContext } from './host-context.js';
import { defaultModel } from '../config/default-models.js';
import type { Store } from '../store/index.js';
import type { DatabaseHealth } from '../store/db-health.js';
import type { Metrics } from '../observability/metrics.js';
import { runMetricsObserver } from '../observability/run-metrics.js';
import { bothObservers, type WorkLog } from './work-log.js';
import { agentFolder } from '../config/paths.js';
import { AgentToolDispatcher, type ToolDispatcherOptions } from '../tools/dispatcher.js';
import { loadPluginTools, pluginDirectory } from '../tools/plugins.js';
import type { AttachmentInboxes } from './attachment-inbox.js';
import type { ChannelSet } from './channel-set.js';
import type { Outbox } from './outbox.js';
import type { RunLauncher } from './run-launcher.js';
import type { RunDeps } from './run-types.js';
import type { Refusal } from './failure-notice.js';
import type { AgentConfig } from '../config/normalise.js';
import { AgentQueue } from './agent-queue.js';
import { startMultiAgent } from './multi-agent.js';
import { Intake, type IntakeDeps } from './intake.js';
import { HostToolServices } from './tool-services.js';
import { createRunCheck } from './run-checks.js';
import { giveUpByReplying } from './failure-reply.js';

export interface ChatPathParts extends HostContext {
  store: Store;
  database: DatabaseHealth;
  outbox: Outbox;
  channels: ChannelSet;
  launcher: RunLauncher;
  metrics: Metrics;
  attachments: AttachmentInboxes;
  /** Tools that replace built-in placeholders (the scheduler's task tools). */
  replacements?: ToolDispatcherOptions['replacements'];
  /** When there is a gateway, it counts the runs' tokens (gateway-meter.ts). */
  gateway?: unknown;
  /** The info-level lines that show a conversation's path (work-log.ts). */
  workLog: WorkLog;
  /** Host commands taken from inbound messages before routing (delegation approvals). */
  intercept?: IntakeDeps['intercept'];
  /** Reactions on messages (👍 / 👎 on an approval request). */
  reacted?: IntakeDeps['reacted'];
}

export interface ChatPath {
  runDeps: RunDeps;
  /** The model and budget checks before a run (the scheduler makes them too). */
  refuse: (agent: AgentConfig) => Refusal | undefined;
  queue: AgentQueue;
  intake: Intake;
}

export async function createChatPath(parts: ChatPathParts): Promise<ChatPath> {
  const { config, paths, store, database, outbox, channels, metrics, logger, now } = parts;
  const channelOf = (chat: string): string | undefined => channels.forChat(chat)?.name;
  // Multi-agent (issue 11): registered chats join the routes before any message is routed;
  // `queue` exists by the time a tool runs.
  const wake = (agent: AgentConfig, chat: string): void => queue.notify(agent, chat);
  const multiAgent = startMultiAgent({ config, paths, store, logger, now, channelOf, wake });
  const table = { agents: config.agents, routes: config.routes };
  const plugins = await loadPluginTools({ dir: pluginDirectory(paths.home), logger, reservedNames: [] });
  const tools = new AgentToolDispatcher({
    services: new HostToolServices({
      table,
      store,
      outbox,
      channels,
      files: { agentFolder: (id) => agentFolder(paths, id), stagingDir: paths.outboxFiles },
      messagePairs: config.multiAgent.messages,
    }),
    logger,
    plugins: plugins.tools,
    replacements: [...(parts.replacements ?? []), ...multiAgent.tools],
  });
  const notify: RunDeps['notify'] = (chat, notice, context) => channels.notify(chat, notice, context);
  const storageFault = (error: unknown, what: string): boolean => database.fault(error, what);
  const runDeps: RunDeps = {
    store,
    outbox,
    launcher: parts.launcher,
    tools,
    table,
    logger,
    now,
    notify,
    channelOf,
    channelFor: (chat) => channels.forChat(chat),
    storageFault,
    defaultModel,
    meteredAtGateway: parts.gateway !== undefined,
    observe: bothObservers(parts.workLog.observer, runMetricsObserver(metrics)),
  };
  const refuse = createRunCheck({ config, envFile: paths.envFile, runs: store.runs, now });
  const queue = new AgentQueue(
    { ...config.queue, taskSlots: config.scheduler.taskSlots },
    runDeps,
    {
      gaveUp: giveUpByReplying({ store, outbox, channelOf, notify }),
      refuse,
      depthChanged: (waiting) => metrics.queueDepth.set(waiting),
    },
    logger,
  );
  const intake = new Intake({
    store,
    table,
    logger,
    storageFault,
    attachments: parts.attachments,
    wake: (agent, chat) => queue.notify(agent, chat),
    counted: (channel) => metrics.messagesIn.inc({ channel }),
    intercept: parts.intercept,
    reacted: parts.reacted,
  });
  return { runDeps, refuse, queue, intake };
}
