/**
 * The files a service manager needs to keep OmniClaw running: a systemd unit (user or
 * system) with a health-check timer, or a launchd agent plist. Pure: text in, text out.
 *
 * Health: the unit waits for /healthz before it counts as started (ExecStartPost), and a
 * timer asks /healthz every minute (`omniclaw service check`), restarting a daemon that
 * stopped answering; a crash or a fatal exit restarts it at once (Restart=on-failure).
 * sd_notify would need a Unix datagram socket, which Node does not offer without a native
 * module, so the health check goes over the HTTP endpoint the daemon already serves.
 */
import { build } from 'plist';
import { DAEMON_NODE_FLAGS } from './daemon-node-flags.js';

export interface ServiceSpec {
  /** Unit / label name, e.g. "omniclaw". */
  name: string;
  /** The Node binary and the omniclaw launcher (bin/omniclaw.js). */
  node: string;
  bin: string;
  home: string;
  /** Variables carried into the service: OMNICLAW_HOME, PATH, OMNICLAW_* the shell had. */
  env: Record<string, string>;
  /** A system unit runs as this user (set with --system). */
  user?: string;
  workingDirectory: string;
}

/** Variables the service keeps from the environment `service install` ran in. */
export function serviceEnvironment(env: NodeJS.ProcessEnv, home: string): Record<string, string> {
  const kept: Record<string, string> = { OMNICLAW_HOME: home };
  if (env.PATH) kept.PATH = env.PATH; // docker, bwrap and git are found where the shell found them
  for (const [key, value] of Object.entries(env))
    if (key.startsWith('OMNICLAW_') && key !== 'OMNICLAW_HOME' && value !== undefined) kept[key] = value;
  return kept;
}

/** systemd quotes: a value with spaces or quotes goes in double quotes with escapes. */
const quoteSystemd = (value: string): string =>
  /^[A-Za-z0-9_./:@+=,-]+$/.test(value) ? value : `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

const environmentLines = (spec: ServiceSpec): string[] =>
  Object.entries(spec.env).map(([k, v]) => `Environment=${quoteSystemd(`${k}=${v}`)}`);

const command = (spec: ServiceSpec, ...args: string[]): string =>
  [spec.node, ...(args[0] === 'start' ? DAEMON_NODE_FLAGS : []), spec.bin, ...args]
    .map(quoteSystemd)
    .join(' ');

export function systemdUnit(spec: ServiceSpec, system = false): string {
  const env = environmentLines(spec);
  return [
    '# Written by `omniclaw service install`; `omniclaw service uninstall` removes it.',
    '[Unit]',
    `Description=OmniClaw personal assistant (${spec.home})`,
    'Wants=network-online.target',
    'After=network-online.target',
    // Restarted at most 5 times in 5 minutes: a config error then stops it for good (see `status`).
    'StartLimitIntervalSec=300',
    'StartLimitBurst=5',
    '',
    '[Service]',
    'Type=simple',
    ...(system && spec.user ? [`User=${spec.user}`] : []),
    `WorkingDirectory=${quoteSystemd(spec.workingDirectory)}`,
    ...env,
    `ExecStart=${command(spec, 'start')}`,
    // Started means answering /healthz, not merely forked.
    `ExecStartPost=${command(spec, 'service', 'check', '--wait', '30')}`,
    'Restart=on-failure',
    'RestartSec=5',
    // SIGTERM drains running work (queue.drainTimeoutMs); then systemd may kill.
    'KillSignal=SIGTERM',
    'TimeoutStopSec=60',
    '',
    '[Install]',
    `WantedBy=${system ? 'multi-user.target' : 'default.target'}`,
    '',
  ].join('\n');
}

/** The health check: a oneshot that restarts the daemon when /healthz stops answering. */
export function systemdHealthUnit(spec: ServiceSpec, system = false): string {
  const env = environmentLines(spec);
  return [
    '# Written by `omniclaw service install`: asks /healthz, restarts OmniClaw when it does not answer.',
    '[Unit]',
    `Description=OmniClaw health check (${spec.home})`,
    `After=${spec.name}.service`,
    '',
    '[Service]',
    'Type=oneshot',
    ...(system && spec.user ? [`User=${spec.user}`] : []),
    ...env,
    `ExecStart=${command(spec, 'service', 'check', '--restart', ...(system ? ['--system'] : []), '--name', spec.name)}`,
    '',
  ].join('\n');
}

export function systemdHealthTimer(spec: ServiceSpec): string {
  return [
    '# Written by `omniclaw service install`.',
    '[Unit]',
    `Description=Ask OmniClaw's /healthz every minute (${spec.home})`,
    '',
    '[Timer]',
    'OnActiveSec=2min',
    'OnUnitActiveSec=1min',
    `Unit=${spec.name}-health.service`,
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
}

/** A launchd agent: started at login, restarted when it exits non-zero or crashes. */
export function launchdPlist(spec: ServiceSpec): string {
  return build({
    Label: spec.name,
    ProgramArguments: [spec.node, ...DAEMON_NODE_FLAGS, spec.bin, 'start'],
    EnvironmentVariables: spec.env,
    WorkingDirectory: spec.workingDirectory,
    RunAtLoad: true,
    // launchd has no health check of its own: it restarts on a non-zero exit or a crash.
    KeepAlive: { SuccessfulExit: false, Crashed: true },
    ThrottleInterval: 10,
    // SIGTERM drains running work first (queue.drainTimeoutMs).
    ExitTimeOut: 60,
    StandardOutPath: `${spec.home}/logs/launchd.out.log`,
    StandardErrorPath: `${spec.home}/logs/launchd.err.log`,
  });
}
