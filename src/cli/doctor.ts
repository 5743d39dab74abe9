/**
 * `omniclaw doctor`: checks everything a person can get wrong and prints, for each problem,
 * the command that fixes it; `--fix` applies the safe fixes (modes, missing folders).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { silentLogger } from '../observability/logger.js';
import { createBackendChooser } from '../sandbox/choose.js';
import { sandboxIdentity } from '../sandbox/folder-ownership.js';
import type { Config } from '../config/normalise.js';
import { isAlive } from '../transport/control-socket.js';
import { cliContext, loadConfig, type CliContext } from './context.js';
import {
  credentialChecks,
  gatewayCheck,
  nodeCheck,
  permissionChecks,
  sandboxChecks,
  sentence,
  type Check,
} from './doctor-checks.js';
import {
  diskSpaceCheck,
  homeOutsideProjectCheck,
  projectReadableCheck,
  otherDaemons,
  ownershipCheck,
  routeChecks,
  secondInstanceChecks,
  timezoneCheck,
} from './doctor-instance.js';
import { PROJECT_ROOT } from '../config/install.js';
import { buildFreshCheck } from './doctor-build.js';
import { anthropicLiveCheck, channelLiveChecks, openaiLiveCheck } from './doctor-remote.js';

export interface DoctorOptions {
  /** Ask the model provider and the chat apps whether the credentials work. */
  remote: boolean;
  fetch?: typeof fetch;
}

export async function runDoctor(context: CliContext, options: DoctorOptions): Promise<Check[]> {
  const { paths } = context;
  const checks: Check[] = [nodeCheck()];
  let config: Config | undefined;
  try {
    config = loadConfig(context);
    checks.push({
      name: 'config',
      status: 'ok',
      detail: existsSync(paths.config)
        ? `${paths.config} is valid.`
        : `There is no ${paths.config} yet; the defaults apply.`,
    });
  } catch (err) {
    checks.push({
      name: 'config',
      status: 'fail',
      detail: sentence((err as Error).message),
      fix: `Correct ${paths.config} at the position shown, then run \`omniclaw doctor\` again.`,
    });
  }
  checks.push(
    ...permissionChecks(paths),
    ownershipCheck(paths),
    homeOutsideProjectCheck(paths, PROJECT_ROOT),
    // The uid agents run as is configurable (`sandbox.uid`/`gid`): check with the one they get.
    projectReadableCheck(PROJECT_ROOT, sandboxIdentity(config?.sandbox)),
    buildFreshCheck(PROJECT_ROOT),
    diskSpaceCheck(paths),
  );
  const running = await isAlive(paths.socket);
  if (config) {
    const text = existsSync(paths.config) ? readFileSync(paths.config, 'utf8') : undefined;
    checks.push(...credentialChecks(config, paths.envFile));
    if (options.remote) {
      const f = options.fetch ?? fetch;
      for (const live of await Promise.all([anthropicLiveCheck(config, f), openaiLiveCheck(config, f)]))
        if (live) checks.push(live);
      checks.push(...(await channelLiveChecks(config, f)));
    }
    checks.push(...routeChecks(config), timezoneCheck(text, config));
    const chooser = createBackendChooser({ config, paths, logger: silentLogger() });
    checks.push(...sandboxChecks(config, await chooser.detection()), gatewayCheck());
    checks.push(...(await secondInstanceChecks(config, running, otherDaemons())));
  }
  checks.push({
    name: 'daemon',
    status: 'ok',
    detail: running ? 'OmniClaw is running.' : 'OmniClaw is not running; start it with `omniclaw start`.',
  });
  return checks;
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'check the machine, config, sandboxes, credentials and folders, and say how to fix each problem',
    )
    .option('--json', 'print machine-readable JSON')
    .option('--fix', 'apply the safe fixes (folder and file modes, missing folders), then check again')
    .option('--offline', 'do not ask the model provider or the chat apps whether the credentials work')
    .action(async (options: { json?: boolean; fix?: boolean; offline?: boolean }) => {
      const context = cliContext();
      const doctor = { remote: options.offline !== true };
      let checks = await runDoctor(context, doctor);
      if (options.fix) {
        const repaired: string[] = [];
        for (const c of checks) {
          if (c.status === 'ok' || !c.repair) continue;
          try {
            c.repair();
            repaired.push(c.name);
          } catch (err) {
            process.stderr.write(`omniclaw: could not fix ${c.name}: ${(err as Error).message}\n`);
          }
        }
        if (!options.json)
          process.stdout.write(
            repaired.length ? `Fixed: ${repaired.join(', ')}.\n` : 'Nothing could be fixed unasked.\n',
          );
        checks = await runDoctor(context, doctor);
      }
      if (options.json) {
        const plain = checks.map(({ repair, ...c }) => (repair ? { ...c, fixable: true } : c));
        process.stdout.write(JSON.stringify(plain, null, 2) + '\n');
      } else {
        const mark = { ok: '✓', warn: '!', fail: '✗' };
        for (const c of checks) {
          process.stdout.write(`${mark[c.status]} ${c.name}: ${c.detail}\n`);
          if (c.fix && c.status !== 'ok')
            process.stdout.write(
              `    fix: ${c.fix}${c.repair ? ' (`omniclaw doctor --fix` does it)' : ''}\n`,
            );
        }
      }
      if (checks.some((c) => c.status === 'fail')) process.exitCode = 1;
    });
}
