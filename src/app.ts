/**
 * The composition root: builds the host from its parts and wires them together; every
 * decision lives in the part that owns it. Parts are registered with `parts.started` as
 * they start and are stopped in reverse (core/shutdown.ts).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { Config, AgentConfig } from './config/normalise.js';
import { agentInbox, instancePaths, type InstancePaths } from './config/paths.js';
import { configSecrets } from './config/secrets.js';
import { defaultModel } from './config/default-models.js';
import type { Store } from './store/index.js';
import type { DatabaseHealth } from './store/db-health.js';
import type { OutboxEntry } from './store/outbox-store.js';
import { Metrics } from './observability/metrics.js';
import { ObservabilityServer } from './observability/http-server.js';
import { readinessChecks } from './observability/readiness.js';
import { countUsage, runMetricsObserver } from './observability/run-metrics.js';
import { ControlSocket } from './transport/control-socket.js';
import type { Channel } from './domain/channel.js';
import { LocalChannel } from './channels/local.js';
import { createChannels } from './channels/registry.js';
import { claimInstance } from './core/instance.js';
import { openHostStore, type Fatal } from './core/host-store.js';
import { Lifecycle } from './core/shutdown.js';
import { attachmentInboxes } from './core/attachment-inbox.js';
import { ChannelSet } from './core/channel-set.js';
import { Outbox } from './core/outbox.js';
import { AgentQueue } from './core/agent-queue.js';
import { Intake } from './core/intake.js';
import type { RunDeps } from './core/run-types.js';
import { SandboxLauncher } from './core/run-launcher.js';
import { HostToolServices } from './core/tool-services.js';
import { createRunCheck } from './core/run-checks.js';
import { giveUpByReplying } from './core/failure-reply.js';
import { createGatewayMeter } from './core/gateway-meter.js';
import { serveControlRequests } from './core/control-requests.js';
import { AgentToolDispatcher } from './tools/dispatcher.js';
import { loadPluginTools, pluginDirectory } from './tools/plugins.js';
import { startGateway, type StartedGateway } from './gateway/gateway.js';
import { sandboxSpecBuilder, type RunnerProgram } from './sandbox/spec-builder.js';
import type { SandboxBackend } from './sandbox/types.js';
import { createBackendChooser } from './sandbox/choose.js';
import { setUpScheduler } from './scheduler/setup.js';
import { startScheduler, type StartedScheduler } from './scheduler/start.js';
export { EXIT_DATABASE_UNAVAILABLE } from './core/host-store.js';

export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The runner, a package of its own: sandboxes mount only its build and libraries (not tests, .git). */
export const RUNNER_PACKAGE = join(PROJECT_ROOT, 'runner');
/** Relative to RUNNER_PACKAGE: its build keeps the repository's layout, since it compiles src/protocol in. */
export const RUNNER_MAIN = 'dist/runner/src/main.js';
const RUNNER: RunnerProgram = {
  hostDir: RUNNER_PACKAGE,
  main: RUNNER_MAIN,
  include: ['dist', 'node_modules', 'package.json'],
};

export interface AppOptions {
  home: string;
  config: Config;
  logger: Logger;
  /** The runner program; default: the runner package's compiled main. */
  runner?: RunnerProgram;
  /** Override sandbox selection (tests). */
  backendFor?: (agent: AgentConfig) => Promise<SandboxBackend>;
  /** Channels besides the configured ones (tests inject fakes-backed ones). */
  extraChannels?: Channel[];
  /** Start the egress gateway (default true). */
  gateway?: boolean;
  /** Crash-recovery test seam, see Outbox. */
  beforeSend?: (entry: OutboxEntry) => void;
  now?: () => number;
}

export interface App {
  config: Config;
  paths: InstancePaths;
  store: Store;
  metrics: Metrics;
  queue: AgentQueue;
  outbox: Outbox;
  channels: ChannelSet;
  http: { host: string; port: number };
  gateway?: StartedGateway;
  scheduler: StartedScheduler;
  channelStates: ChannelSet['states'];
  database: DatabaseHealth;
  /** Resolves when the daemon must exit (the database stayed unwritable): exit with `code`. */
  fatal: Promise<Fatal>;
  stop(): Promise<void>;
}

export async function startApp(options: AppOptions): Promise<App> {
  const { config, logger, now } = options;
  const paths = instancePaths(options.home);
  await claimInstance(paths);
  const parts = new Lifecycle(logger);
  const {
    store,
    health: database,
    fatal,
  } = openHostStore(paths.database, { database: config.database, logger, now });
  parts.started('database', () => store.close());
  const metrics = new Metrics();
  const table = { agents: config.agents, routes: config.routes };
  const control = new ControlSocket(paths.socket, logger);
  const inboxes = attachmentInboxes(table, (agent) => agentInbox(paths, agent), logger);
  const configured = await createChannels(config, { paths, logger, inboxFor: inboxes.forChat });
  const local = config.channels.local.enabled ? [new LocalChannel(control)] : [];
  const channels = new ChannelSet([...local, ...configured, ...(options.extraChannels ?? [])], logger);
  const onResult = (entry: OutboxEntry, result: string): void =>
    metrics.messagesOut.inc({ channel: entry.channel, result });
  const outbox = new Outbox({
    store: store.outbox,
    channels,
    logger,
    now,
    beforeSend: options.beforeSend,
    retryForMs: config.outbox.retryForMs,
    onResult,
  });

  const counted = (agent: string, usage: Parameters<typeof countUsage>[2]): void =>
    countUsage(metrics, agent, usage);
  const meter = createGatewayMeter({
    runs: store.runs,
    agents: () => config.agents,
    timezone: config.instance.timezone,
    now,
    counted,
  });
  const socketPath = join(paths.home, 'run', 'gateway.sock');
  const gateway =
    options.gateway === false
      ? undefined
      : await startGateway({
          socketPath,
          tcp: config.sandbox.gateway,
          models: () => config.models,
          logger,
          meter,
        });
  parts.started('gateway', () => gateway?.close(), 5_000);

  const plugins = await loadPluginTools({ dir: pluginDirectory(paths.home), logger, reservedNames: [] });
  const scheduling = setUpScheduler({ config, store, now });
  const services = new HostToolServices({ table, store, outbox, channels });
  const tools = new AgentToolDispatcher({
    services,
    logger,
    plugins: plugins.tools,
    replacements: scheduling.tools,
  });
  const backendFor = options.backendFor ?? createBackendChooser({ config, logger, paths });
  const buildSpec = sandboxSpecBuilder({
    paths,
    projectRoot: PROJECT_ROOT,
    runner: options.runner ?? RUNNER,
    secrets: configSecrets(config),
  });
  const launcher = new SandboxLauncher({ backendFor, gateway, logger, buildSpec });
  const channelOf = (chat: string): string | undefined => channels.forChat(chat)?.name;
  const notify: RunDeps['notify'] = (chat, notice, context) => channels.notify(chat, notice, context);
  const storageFault = (error: unknown, what: string): boolean => database.fault(error, what);
  const runDeps: RunDeps = {
    store,
    outbox,
    launcher,
    tools,
    table,
    logger,
    now,
    notify,
    channelOf,
    storageFault,
    defaultModel,
    meteredAtGateway: gateway !== undefined,
    observe: runMetricsObserver(metrics),
  };
  const refuse = createRunCheck({ config, envFile: paths.envFile, runs: store.runs, now });
  const gaveUp = giveUpByReplying({ store, outbox, channelOf, notify });
  const queue = new AgentQueue(
    { ...config.queue, taskSlots: config.scheduler.taskSlots },
    runDeps,
    { gaveUp, refuse, depthChanged: (waiting) => metrics.queueDepth.set(waiting) },
    logger,
  );
  const intake = new Intake({
    store,
    table,
    logger,
    storageFault,
    attachments: inboxes,
    wake: (agent, chat) => queue.notify(agent, chat),
    counted: (channel) => metrics.messagesIn.inc({ channel }),
  });

  const main = config.agents.find((a) => a.main) ?? config.agents[0]!;
  const sandbox = async (): Promise<{ kind: string; available: boolean; why: string }> => {
    const backend = await backendFor(main);
    return { kind: backend.kind, ...(await backend.detect()) };
  };
  const readiness = readinessChecks({
    database: () => database.state(),
    channels: () => channels.states(),
    sandbox,
  });
  const http = new ObservabilityServer({
    host: config.http.host,
    port: config.http.port,
    registry: metrics.registry,
    readiness,
  });
  const address = await http.listen();
  parts.started('http', () => http.close());
  const status = {
    config,
    store,
    queue,
    outbox,
    http: address,
    channelStates: () => channels.states(),
    database: () => database.state(),
    startedAt: Date.now(),
  };
  serveControlRequests(control, { ...status, extraStatus: () => ({ tasks: scheduling.status() }) });
  await control.listen();
  parts.started('control socket', () => control.close());

  await channels.connectAll((channel) => ({
    inbound: (message) => intake.receive(message),
    state: (state) => {
      metrics.channelConnected.set({ channel: channel.name }, state === 'connected' ? 1 : 0);
      if (state === 'connected') outbox.kick();
    },
  }));
  parts.started('channels', () => channels.disconnectAll(), 10_000);
  parts.started('outbox stop', () => outbox.stop());
  parts.started('outbox', () => outbox.drained(), 5_000);
  parts.started(
    'drain runs',
    () => queue.drain(config.queue.drainTimeoutMs),
    config.queue.drainTimeoutMs + 10_000,
  );
  parts.started('database watch', () => database.stop());
  queue.recover();
  outbox.kick();
  const scheduler = startScheduler({
    config,
    paths,
    store,
    queue,
    runDeps,
    metrics,
    logger,
    service: scheduling.service,
    control,
    refuse,
    now,
  });
  parts.started('scheduler', () => scheduler.stop());
  parts.started('intake', () => intake.stop());
  logger.info(
    { http: address, agents: config.agents.map((a) => a.id), channels: channels.channels.map((c) => c.name) },
    'OmniClaw is running',
  );

  const stop = (): Promise<void> => parts.stop();
  return {
    config,
    paths,
    store,
    metrics,
    queue,
    outbox,
    channels,
    http: address,
    gateway,
    scheduler,
    channelStates: () => channels.states(),
    database,
    fatal,
    stop,
  };
}
