/**
 * Composition: builds the host from its parts and wires them together. No logic lives here.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { Config, AgentConfig } from './config/normalise.js';
import { agentInbox, instancePaths, type InstancePaths } from './config/paths.js';
import { openStore, type Store } from './store/index.js';
import { Metrics } from './observability/metrics.js';
import { ObservabilityServer } from './observability/http-server.js';
import { ControlSocket, isAlive } from './transport/control-socket.js';
import { LocalChannel } from './channels/local.js';
import type { Channel, ChannelState } from './domain/channel.js';
import { ChannelSet } from './core/channel-set.js';
import { Outbox } from './core/outbox.js';
import type { OutboxEntry } from './store/outbox-store.js';
import { AgentQueue } from './core/agent-queue.js';
import { Intake } from './core/intake.js';
import { pendingWork, type RunDeps } from './core/agent-run.js';
import { SandboxLauncher } from './core/run-launcher.js';
import { HostToolServices } from './core/tool-services.js';
import { AgentToolDispatcher } from './tools/dispatcher.js';
import { loadPluginTools, pluginDirectory } from './tools/plugins.js';
import { modelRefusal, budgetRefusal } from './core/run-checks.js';
import { startOfDay, startOfNextDay } from './core/budget.js';
import { createGatewayMeter } from './core/gateway-meter.js';
import type { Usage } from './protocol/runner-protocol.js';
import { startGateway, type StartedGateway } from './gateway/gateway.js';
import { buildSandboxSpec } from './sandbox/spec.js';
import { loadMountAllowlist, defaultAllowlistPath } from './sandbox/mounts.js';
import type { SandboxBackend } from './sandbox/types.js';
import { createChannels } from './channels/registry.js';
import { createBackendChooser } from './sandbox/choose.js';
import { configSecrets } from './config/secrets.js';
import { buildStatus } from './core/status.js';
import { DatabaseHealth } from './store/db-health.js';
import { withDeadline } from './core/deadline.js';
import { TaskService } from './scheduler/task-service.js';
import { schedulerTools } from './scheduler/tools.js';
import { startScheduler, type StartedScheduler } from './scheduler/start.js';
import { startMachines, type StartedMachines } from './machines.js';
import { buildRemoteSpec } from './sandbox/remote-spec.js';

export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The runner is a package of its own (runner/package.json): sandboxes mount only its build and libraries. */
export const RUNNER_PACKAGE = join(PROJECT_ROOT, 'runner');
/** Relative to RUNNER_PACKAGE: its build keeps the repository's layout, since it compiles src/protocol in. */
export const RUNNER_MAIN = 'dist/runner/src/main.js';

export interface AppOptions {
  home: string;
  config: Config;
  logger: Logger;
  /** The runner program; default: the runner package's compiled main (runner/dist/runner/src/main.js). */
  runner?: { hostDir: string; main: string; include?: string[] };
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
  machines: StartedMachines;
  channelStates(): Record<string, { state: ChannelState; detail?: string }>;
  database: DatabaseHealth;
  /** Resolves when the daemon must exit (the database stayed unwritable): exit with `code`. */
  fatal: Promise<{ code: number; reason: string }>;
  stop(): Promise<void>;
}

/** EX_TEMPFAIL: a service manager restarts the daemon; the cause may have cleared by then. */
export const EXIT_DATABASE_UNAVAILABLE = 75;

export async function startApp(options: AppOptions): Promise<App> {
  const { config, logger } = options;
  const paths = instancePaths(options.home);
  for (const dir of [paths.home, paths.groups, paths.globalMemory, paths.sessions, paths.logs]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  // Checked before anything is touched: a second daemon on this instance would otherwise
  // close the first one's live runs as abandoned before failing on its sockets.
  if (await isAlive(paths.socket)) {
    throw new Error(`another OmniClaw daemon is already running on ${paths.socket}; stop it first`);
  }
  const store = openStore(paths.database, { now: options.now });
  const abandoned = store.runs.closeAbandoned();
  if (abandoned)
    logger.warn({ runs: abandoned }, 'runs interrupted by the last shutdown were closed as failed');
  let reportFatal!: (value: { code: number; reason: string }) => void;
  const fatal = new Promise<{ code: number; reason: string }>((resolve) => (reportFatal = resolve));
  const database = new DatabaseHealth({
    probeWrite: () => store.probeWrite(),
    logger,
    probeIntervalMs: config.database.probeIntervalMs,
    maxUnavailableMs: config.database.maxUnavailableMs,
    now: options.now,
    onPersistent: (since, error) => {
      const reason = `the database could not be written for ${Math.round(((options.now ?? Date.now)() - since) / 1000)} s (${error})`;
      logger.fatal(
        { err: error, since },
        `${reason}; exiting with code ${EXIT_DATABASE_UNAVAILABLE} so the service manager restarts OmniClaw`,
      );
      reportFatal({ code: EXIT_DATABASE_UNAVAILABLE, reason });
    },
  });
  database.start();
  const metrics = new Metrics();
  const table = { agents: config.agents, routes: config.routes };
  const secrets = configSecrets(config);

  const control = new ControlSocket(paths.socket, logger);
  const states: Record<string, { state: ChannelState; detail?: string }> = {};
  const configured: Channel[] = config.channels.local.enabled ? [new LocalChannel(control)] : [];
  configured.push(
    ...(await createChannels(config, { paths, logger, inboxFor: (chat: string) => inboxFor(chat) })),
  );
  const channels = new ChannelSet([...configured, ...(options.extraChannels ?? [])], logger);
  const inboxFor = (chat: string): string | undefined => {
    const route = config.routes.find((r) => r.chat === chat);
    return route ? agentInbox(paths, route.agent) : undefined;
  };

  const outbox = new Outbox({
    store: store.outbox,
    channels,
    logger,
    now: options.now,
    beforeSend: options.beforeSend,
    retryForMs: config.outbox.retryForMs,
    onResult: (entry, result) => metrics.messagesOut.inc({ channel: entry.channel, result }),
  });

  const countUsage = (agent: string, usage: Usage): void => {
    metrics.tokens.inc({ agent, kind: 'input' }, usage.inputTokens);
    metrics.tokens.inc({ agent, kind: 'output' }, usage.outputTokens);
    metrics.tokens.inc({ agent, kind: 'cache_read' }, usage.cacheReadTokens);
    metrics.tokens.inc({ agent, kind: 'cache_write' }, usage.cacheWriteTokens);
    if (usage.costUsd) metrics.costUsd.inc({ agent }, usage.costUsd);
  };
  const gateway =
    options.gateway === false
      ? undefined
      : await startGateway({
          socketPath: join(paths.home, 'run', 'gateway.sock'),
          tcp: config.sandbox.gateway,
          models: () => config.models,
          logger,
          meter: createGatewayMeter({
            runs: store.runs,
            agents: () => config.agents,
            timezone: config.instance.timezone,
            now: options.now,
            counted: countUsage,
          }),
        });

  const plugins = await loadPluginTools({ dir: pluginDirectory(paths.home), logger, reservedNames: [] });
  // Scheduler (issue 10): the task rules, shared by the agent tools and `omniclaw tasks`.
  const taskService = new TaskService({
    tasks: store.tasks,
    timezone: () => config.instance.timezone,
    routes: () => config.routes,
    agents: () => config.agents,
    now: options.now,
  });
  const tools = new AgentToolDispatcher({
    services: new HostToolServices({ table, store, outbox, channels }),
    logger,
    plugins: plugins.tools,
    replacements: schedulerTools(taskService),
  });

  const allowlistPath = defaultAllowlistPath();
  // Machines (issue 15): agents with runsOn start over SSH.
  const machines = startMachines({ config, paths, logger, metrics, gatewaySocket: gateway?.socketPath });
  const chooseBackend =
    options.backendFor ?? machines.chooser(createBackendChooser({ config, logger, paths }));
  // Agents see the runner's code and libraries, not the rest of the project (tests, .git).
  const runner = options.runner ?? {
    hostDir: RUNNER_PACKAGE,
    main: RUNNER_MAIN,
    include: ['dist', 'node_modules', 'package.json'],
  };
  const launcher = new SandboxLauncher({
    backendFor: chooseBackend,
    gateway,
    logger,
    buildSpec: ({ agent, runId, backend, grant }) =>
      backend.kind === 'ssh'
        ? buildRemoteSpec({ agent, runId, grant, secrets })
        : buildSandboxSpec({
            agent,
            paths,
            runId,
            projectRoot: PROJECT_ROOT,
            runnerDir: runner.hostDir,
            runnerMain: runner.main,
            runnerInclude: runner.include,
            grant,
            allowlist: loadMountAllowlist(allowlistPath),
            allowlistPath,
            mapsPaths: backend.mapsPaths,
            secrets,
          }),
  });

  const promptedAt = new Map<string, number>();
  const runDeps: RunDeps = {
    store,
    outbox,
    launcher,
    tools,
    table,
    logger,
    now: options.now,
    meteredAtGateway: gateway !== undefined,
    notify: (chat, notice, context) => channels.notify(chat, notice, context),
    channelOf: (chat) => channels.forChat(chat)?.name,
    storageFault: (error, what) => database.fault(error, what),
    defaultModel: (agent) => defaultModels[agent.runtime],
    observe: {
      runStarted: () => metrics.activeSandboxes.inc(),
      runEnded: (run, outcome, ms) => {
        metrics.activeSandboxes.dec();
        metrics.runDuration.observe({ agent: run.agent.id, result: outcome.ok ? 'ok' : 'failed' }, ms / 1000);
      },
      promptSent: (run) => promptedAt.set(run.id, Date.now()),
      replied: (run) => {
        const at = promptedAt.get(run.id);
        if (at !== undefined) metrics.replyLatency.observe({ agent: run.agent.id }, (Date.now() - at) / 1000);
      },
      usage: countUsage,
    },
  };

  const refuseRun = (agent: AgentConfig): string | undefined => {
    const now = (options.now ?? Date.now)();
    return (
      modelRefusal(agent, config.models, paths.envFile) ??
      budgetRefusal(
        agent,
        store.runs.usageSince(agent.id, startOfDay(now, config.instance.timezone)),
        startOfNextDay(now, config.instance.timezone),
        config.instance.timezone,
      )
    );
  };
  const queue = new AgentQueue(
    { ...config.queue, taskSlots: config.scheduler.taskSlots },
    runDeps,
    {
      gaveUp: (agent, chat, lastMessageId, failure) => {
        const channel = channels.forChat(chat)?.name ?? 'unknown';
        // The chat gets the one sentence written for it; the detail stays in the log (queue).
        const text = failure.userText;
        const id = store.answer({ agent: agent.id, chat, upTo: lastMessageId, reply: { channel, text } })!;
        outbox.kick();
        // The explanation reaches the chat first; then the channel hears the work failed.
        void outbox
          .settled([id])
          .then(() => channels.notify(chat, { kind: 'failed', error: text }, { streamThread: false }));
      },
      refuse: (agent) => refuseRun(agent),
      depthChanged: (waiting) => metrics.queueDepth.set(waiting),
    },
    logger,
  );

  const intake = new Intake({
    store,
    table,
    logger,
    wake: (agent, chat) => queue.notify(agent, chat),
    counted: (channel) => metrics.messagesIn.inc({ channel }),
    storageFault: (error, what) => database.fault(error, what),
  });

  const http = new ObservabilityServer({
    host: config.http.host,
    port: config.http.port,
    registry: metrics.registry,
    readiness: [
      {
        name: 'database',
        check: () => {
          const health = database.state();
          return health.ok
            ? { ok: true }
            : {
                ok: false,
                detail: `degraded: writes failing since ${new Date(health.since!).toISOString()} (${health.error})`,
              };
        },
      },
      {
        name: 'channels',
        check: () => {
          const bad = Object.entries(states).filter(([, s]) => s.state !== 'connected');
          return {
            ok: bad.length === 0,
            detail:
              bad.map(([n, s]) => `${n}: ${s.state}${s.detail ? ` (${s.detail})` : ''}`).join('; ') ||
              undefined,
          };
        },
      },
      {
        name: 'sandbox',
        check: async () => {
          const agent = config.agents.find((a) => a.main) ?? config.agents[0]!;
          const backend = await chooseBackend(agent);
          const found = await backend.detect();
          return { ok: found.available, detail: `${backend.kind}: ${found.why}` };
        },
      },
      machines.readiness,
    ],
  });
  const address = await http.listen();
  const startedAt = Date.now();
  // Set once the scheduler starts (after the channels); a status request before that shows no tasks.
  let scheduler: StartedScheduler | undefined = undefined;
  control.handle('status', (_m, client) =>
    client.send({
      type: 'status',
      status: {
        ...buildStatus({
          config,
          store,
          queue,
          http: address,
          channelStates: () => ({ ...states }),
          database: () => database.state(),
          startedAt,
        }),
        tasks: scheduler?.status(),
        machines: machines.status(),
      },
    }),
  );
  // `omniclaw outbox retry` put failed rows back: send them now.
  control.handle('outbox-kick', (_m, client) => {
    outbox.kick();
    client.send({ type: 'outbox-kick' });
  });
  await control.listen();

  await channels.connectAll((channel) => ({
    inbound: (message) => intake.receive(message),
    state: (state, detail) => {
      states[channel.name] = { state, detail };
      metrics.channelConnected.set({ channel: channel.name }, state === 'connected' ? 1 : 0);
      if (state === 'connected') outbox.kick();
    },
  }));

  // Recovery: anything stored but unanswered before the last stop is queued again.
  for (const route of config.routes) {
    const agent = config.agents.find((a) => a.id === route.agent)!;
    const cursor = store.cursors.get(agent.id, route.chat) ?? 0;
    if (pendingWork(store, table, agent, route.chat, cursor).length) queue.notify(agent, route.chat);
  }
  outbox.kick();
  // Scheduler (issue 10): declared tasks reconciled, crashed runs recovered, timer armed.
  scheduler = startScheduler({
    config,
    paths,
    store,
    queue,
    runDeps,
    metrics,
    logger,
    service: taskService,
    control,
    refuse: refuseRun,
    now: options.now,
  });
  logger.info(
    { http: address, agents: config.agents.map((a) => a.id), channels: channels.channels.map((c) => c.name) },
    'OmniClaw is running',
  );

  let stopping: Promise<void> | undefined;
  // Each step may fail (a database that cannot be written) or hang (a run that never ends):
  // neither may keep the daemon from stopping, so steps are guarded and the whole has a deadline.
  const step = async (name: string, work: () => unknown, ms: number): Promise<void> => {
    const outcome = await withDeadline(Promise.resolve().then(work), ms).catch((err: Error) => err);
    if (outcome === 'deadline')
      logger.error({ step: name, ms }, 'shutdown step did not finish in time; going on');
    else if (outcome instanceof Error)
      logger.error({ step: name, err: outcome.message }, 'shutdown step failed; going on');
  };
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      logger.info('stopping: no new messages; letting running agents finish');
      intake.stop();
      scheduler?.stop();
      database.stop();
      await step(
        'drain runs',
        () => queue.drain(config.queue.drainTimeoutMs),
        config.queue.drainTimeoutMs + 10_000,
      );
      await step('outbox', () => outbox.drained(), 5_000);
      outbox.stop();
      await step('channels', () => channels.disconnectAll(), 10_000);
      await step('control socket', () => control.close(), 2_000);
      await step('machines', () => machines.close(), 5_000);
      await step('gateway', () => gateway?.close(), 5_000);
      await step('http', () => http.close(), 2_000);
      await step('database', () => store.close(), 2_000);
      logger.info('stopped');
    })());

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
    machines,
    channelStates: () => ({ ...states }),
    database,
    fatal,
    stop,
  };
}

const defaultModels: Record<AgentConfig['runtime'], string> = {
  claude: 'claude-sonnet-4-5',
  openai: 'gpt-4o-mini',
  codex: 'gpt-5-codex',
};
