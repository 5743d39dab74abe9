/**
 * `omniclaw service install|uninstall|status|restart|check`: keeps the daemon running under
 * systemd (a user unit; a system unit with --system) or launchd (macOS), restarted when it
 * fails and when /healthz stops answering. Where the files go and which manager command
 * runs are injectable, so tests install into a temp folder with a recording stand-in.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { cliContext, fail, loadConfig } from './context.js';
import type { InstancePaths } from '../config/paths.js';
import {
  launchdPlist,
  serviceEnvironment,
  systemdHealthTimer,
  systemdHealthUnit,
  systemdUnit,
  type ServiceSpec,
} from './service-units.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ServiceDeps {
  platform?: NodeJS.Platform;
  /** Where unit files / plists are written; default the manager's own folder. */
  unitDir?: (system: boolean) => string;
  /** The manager's command line before its arguments (["systemctl", "--user"], ["launchctl"]). */
  manager?: (system: boolean) => string[];
  env?: NodeJS.ProcessEnv;
  out?: (text: string) => void;
}

interface Options {
  system?: boolean;
  name: string;
}

const defaultUnitDir = (platform: NodeJS.Platform) => (system: boolean) =>
  platform === 'darwin'
    ? join(homedir(), 'Library', 'LaunchAgents')
    : system
      ? '/etc/systemd/system'
      : join(homedir(), '.config', 'systemd', 'user');

const defaultManager = (platform: NodeJS.Platform) => (system: boolean) =>
  platform === 'darwin' ? ['launchctl'] : system ? ['systemctl'] : ['systemctl', '--user'];

/** The manager's folder, command and output, with the deps' overrides. */
function serviceTools(deps: ServiceDeps) {
  const platform = deps.platform ?? process.platform;
  const manager = deps.manager ?? defaultManager(platform);
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const run = (system: boolean, ...args: string[]): boolean => {
    const [cmd, ...base] = manager(system);
    const result = spawnSync(cmd!, [...base, ...args], { encoding: 'utf8' });
    if (result.stdout) out(result.stdout);
    if (result.status !== 0) {
      const why = result.error?.message ?? result.stderr?.trim() ?? `exit ${result.status}`;
      fail(`\`${[cmd, ...base, ...args].join(' ')}\` failed: ${why}`);
      return false;
    }
    return true;
  };
  return {
    launchd: platform === 'darwin',
    unitDir: deps.unitDir ?? defaultUnitDir(platform),
    out,
    env: deps.env ?? process.env,
    run,
  };
}

/** `service install`: writes the unit (or plist) and starts it; also what `omniclaw setup` offers. */
export function installService(
  paths: InstancePaths,
  options: { system?: boolean; name?: string },
  deps: ServiceDeps = {},
): void {
  const { launchd, unitDir, out, env, run } = serviceTools(deps);
  const name = options.name ?? (launchd ? 'com.omniclaw.agent' : 'omniclaw');
  const spec: ServiceSpec = {
    name,
    node: process.execPath,
    bin: join(ROOT, 'bin', 'omniclaw.js'),
    home: paths.home,
    env: serviceEnvironment(env, paths.home),
    user: options.system ? (env.SUDO_USER ?? userInfo().username) : undefined,
    workingDirectory: paths.home,
  };
  const dir = unitDir(options.system === true);
  mkdirSync(dir, { recursive: true });
  if (launchd) {
    const file = join(dir, `${name}.plist`);
    mkdirSync(join(paths.home, 'logs'), { recursive: true, mode: 0o700 });
    writeFileSync(file, launchdPlist(spec));
    out(`Wrote ${file}.\n`);
    if (!run(false, 'bootstrap', `gui/${process.getuid?.() ?? 0}`, file)) return;
  } else {
    const system = options.system === true;
    writeFileSync(join(dir, `${name}.service`), systemdUnit(spec, system));
    writeFileSync(join(dir, `${name}-health.service`), systemdHealthUnit(spec, system));
    writeFileSync(join(dir, `${name}-health.timer`), systemdHealthTimer(spec));
    out(`Wrote ${name}.service, ${name}-health.service and -health.timer in ${dir}.\n`);
    if (!run(system, 'daemon-reload')) return;
    if (!run(system, 'enable', '--now', `${name}.service`, `${name}-health.timer`)) return;
    if (!system) out('To keep it running while you are logged out: `sudo loginctl enable-linger $USER`.\n');
  }
  out(`OmniClaw runs as a service now. See it with \`omniclaw service status\`.\n`);
}

export function registerService(program: Command, deps: ServiceDeps = {}): void {
  const { launchd, unitDir, run } = serviceTools(deps);
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));

  const service = program
    .command('service')
    .description('keep OmniClaw running in the background (systemd on Linux, launchd on macOS)');
  const common = (c: Command) =>
    c
      .option('--system', 'a system unit (Linux, as root) instead of a user unit')
      .option(
        '--name <name>',
        'the unit name (one per instance)',
        launchd ? 'com.omniclaw.agent' : 'omniclaw',
      );

  common(service.command('install'))
    .description('install and start the service; it starts at boot (login on macOS) and restarts on failure')
    .action((options: Options) => installService(cliContext().paths, options, deps));

  common(service.command('uninstall'))
    .description('stop the service and remove its files')
    .action((options: Options) => {
      const dir = unitDir(options.system === true);
      if (launchd) {
        const file = join(dir, `${options.name}.plist`);
        if (!existsSync(file)) return fail(`No service is installed (${file} does not exist).`);
        run(false, 'bootout', `gui/${process.getuid?.() ?? 0}/${options.name}`);
        rmSync(file, { force: true });
      } else {
        const system = options.system === true;
        const files = ['.service', '-health.service', '-health.timer'].map((s) =>
          join(dir, `${options.name}${s}`),
        );
        if (!existsSync(files[0]!)) return fail(`No service is installed (${files[0]} does not exist).`);
        run(system, 'disable', '--now', `${options.name}-health.timer`, `${options.name}.service`);
        for (const f of files) rmSync(f, { force: true });
        run(system, 'daemon-reload');
      }
      out('The service is stopped and removed.\n');
    });

  common(service.command('status'))
    .description("show the service manager's view of OmniClaw")
    .action((options: Options) => {
      if (launchd) run(false, 'print', `gui/${process.getuid?.() ?? 0}/${options.name}`);
      else run(options.system === true, 'status', '--no-pager', `${options.name}.service`);
    });

  common(service.command('restart'))
    .description('restart the daemon (after an upgrade or a config change)')
    .action((options: Options) => {
      const ok = launchd
        ? run(false, 'kickstart', '-k', `gui/${process.getuid?.() ?? 0}/${options.name}`)
        : run(options.system === true, 'restart', `${options.name}.service`);
      if (ok) out('Restarted.\n');
    });

  common(service.command('check'))
    .description('ask /healthz; exit non-zero when it does not answer (the health check the service uses)')
    .option('--wait <seconds>', 'keep asking this long before giving up', '0')
    .option('--restart', 'restart the service when /healthz does not answer')
    .action(async (options: Options & { wait: string; restart?: boolean }) => {
      const config = loadConfig(cliContext());
      const url = `http://${config.http.host}:${config.http.port}/healthz`;
      const deadline = Date.now() + Number(options.wait) * 1000;
      for (;;) {
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
          if (res.ok) return out(`OmniClaw answers on ${url}.\n`);
        } catch {
          // not (yet) answering
        }
        if (Date.now() >= deadline) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      fail(`OmniClaw does not answer on ${url}.`);
      if (options.restart) run(options.system === true, 'restart', `${options.name}.service`);
    });
}
