/**
 * The composition root: builds the host from its parts and hands each the others it needs;
 * every decision lives in the part that owns it. Parts are registered with `parts.started`
 * as they start and stopped in reverse (core/shutdown.ts): first no new work, then the runs
 * drain, the outbox sends what they wrote, and the connections close.
 */
import type { Logger } from 'pino';
import type { Config, AgentConfig } from './config/normalise.js';
import { instancePaths } from './config/paths.js';
import type { OutboxEntry } from './store/outbox-store.js';
import { Metrics } from './observability/metrics.js';
import { serveObservability } from './observability/readiness.js';
import { ControlSocket } from './transport/control-socket.js';
import type { Channel, ChannelState, InboundReaction as Reaction } from './domain/channel.js';
import { LocalChannel } from './channels/local.js';
import { createChannels } from './channels/registry.js';
import { claimInstance } from './core/instance.js';
import { openHostStore } from './core/host-store.js';
import { Lifecycle } from './core/shutdown.js';
import { hostAttachmentInboxes } from './core/attachment-inbox.js';
import { ChannelSet } from './core/channel-set.js';
import { hostOutbox } from './core/outbox.js';
import { createWorkLog } from './core/work-log.js';
import { startHostGateway } from './core/gateway-meter.js';
import { hostLauncher } from './core/run-launcher.js';
import { createChatPath } from './core/chat-path.js';
import { serveControlRequests } from './core/control-requests.js';
import type { RunnerProgram } from './sandbox/spec-builder.js';
import type { SandboxBackend } from './sandbox/types.js';
import { setUpScheduler } from './scheduler/setup.js';
import { startScheduler } from './scheduler/start.js';
import { setUpDelegation } from './delegation/setup.js';
import { startMachines } from './machines.js';
export { EXIT_DATABASE_UNAVAILABLE } from './core/host-store.js';

export { PROJECT_ROOT, RUNNER_MAIN, RUNNER_PACKAGE } from './config/install.js';

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

/** The running host: its parts (for tests and the CLI), `fatal` (exit with its code) and `stop`. */
export type App = Awaited<ReturnType<typeof startApp>>;

export async function startApp(options: AppOptions) {
  const { config, logger, now, backendFor, beforeSend, runner, extraChannels = [] } = options;
  const host = { config, logger, now, paths: instancePaths(options.home) };
  const { paths } = host;
  await claimInstance(paths);
  const parts = new Lifecycle(logger);
  const { store, health: database, fatal } = openHostStore(host);
  parts.started('database', () => store.close());
  const metrics = new Metrics();
  const control = new ControlSocket(paths.socket, logger);
  const attachments = hostAttachmentInboxes(host);
  const local = config.channels.local.enabled ? [new LocalChannel(control)] : [];
  const configured = await createChannels(config, { paths, logger, inboxFor: attachments.forChat });
  const channels = new ChannelSet([...local, ...configured, ...extraChannels], logger, metrics);
  const workLog = createWorkLog({ logger, tokensOf: (run) => store.runs.tokensOf(run), now });
  const outbox = hostOutbox(host, { store, channels, metrics, beforeSend, onSent: workLog.sent });
  const gateway = options.gateway === false ? undefined : await startHostGateway({ ...host, store, metrics });
  parts.started('gateway', () => gateway?.close(), 5_000);
  const machines = startMachines({ ...host, metrics, gatewaySocket: gateway?.socketPath });
  parts.started('machines', () => machines.close(), 5_000);

  const sandboxes = hostLauncher({ ...host, gateway, backendFor, runner, remote: machines.chooser });
  const tasks = setUpScheduler({ ...host, store });
  const core = { store, database, outbox, channels, metrics, attachments, gateway, workLog };
  const delegation = setUpDelegation({ ...host, store, metrics, replacing: tasks.tools });
  const chat = await createChatPath({ ...host, ...core, ...sandboxes, ...delegation.chatParts });
  const { queue, intake } = chat;
  delegation.start(chat);

  const http = await serveObservability({ ...core, sandboxes, http: config.http }, [machines.readiness]);
  parts.started('http', () => http.close());
  const address = http.address!;
  const extraStatus = () => ({ ...delegation.status(), tasks: tasks.status(), machines: machines.status() });
  const status = { ...host, ...core, queue, http: address, startedAt: (now ?? Date.now)(), extraStatus };
  serveControlRequests(control, status);
  await control.listen();
  parts.started('control socket', () => control.close());

  const state = (to: ChannelState): void => void (to === 'connected' && outbox.kick());
  const reaction = (r: Reaction): void => intake.reaction(r);
  await channels.connectAll(() => ({ inbound: (message) => intake.receive(message), reaction, state }));
  parts.started('channels', () => channels.disconnectAll(), 10_000);
  parts.started('outbox stop', () => outbox.stop());
  parts.started('outbox', () => outbox.drained(), 5_000);
  const drainMs = config.queue.drainTimeoutMs;
  parts.started('drain runs', () => queue.drain(drainMs), drainMs + 10_000);
  parts.started('database watch', () => database.stop());
  queue.recover();
  delegation.recover();
  outbox.kick();
  const scheduler = startScheduler({ ...host, ...chat, ...tasks, store, metrics, control });
  parts.started('scheduler', () => scheduler.stop());
  parts.started('delegation', () => delegation.stop());
  parts.started('intake', () => intake.stop());
  const names = { agents: config.agents.map((a) => a.id), channels: channels.channels.map((c) => c.name) };
  logger.info({ http: address, ...names }, 'OmniClaw is running');

  const app = { config, paths, store, metrics, queue, outbox, channels, gateway, scheduler, database, fatal };
  const running = { machines, delegation, http: address, channelStates: () => channels.states() };
  return { ...app, ...running, stop: () => parts.stop() };
}
