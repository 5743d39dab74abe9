/** `omniclaw doctor`: checks the set-up and prints the fix for each problem. */
import type { Command } from 'commander';
import { silentLogger } from '../observability/logger.js';
import { createBackendChooser } from '../sandbox/choose.js';
import type { Config } from '../config/normalise.js';
import { isAlive } from '../transport/control-socket.js';
import { cliContext, loadConfig } from './context.js';
import {
  credentialChecks,
  gatewayCheck,
  nodeCheck,
  permissionChecks,
  sandboxChecks,
  type Check,
} from './doctor-checks.js';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check Node, config, sandboxes, credentials and permissions, and say how to fix problems')
    .option('--json', 'print machine-readable JSON')
    .action(async (options: { json?: boolean }) => {
      const context = cliContext();
      const checks: Check[] = [nodeCheck()];
      let config: Config | undefined;
      try {
        config = loadConfig(context);
        checks.push({ name: 'config', status: 'ok', detail: context.paths.config });
      } catch (err) {
        checks.push({
          name: 'config',
          status: 'fail',
          detail: (err as Error).message,
          fix: 'correct the file at the position shown',
        });
      }
      checks.push(...permissionChecks(context.paths));
      if (config) {
        checks.push(...credentialChecks(config, context.paths.envFile));
        const chooser = createBackendChooser({ config, paths: context.paths, logger: silentLogger() });
        checks.push(...sandboxChecks(config, await chooser.detection()), gatewayCheck());
      }
      checks.push({
        name: 'daemon',
        status: 'ok',
        detail: (await isAlive(context.paths.socket))
          ? 'running'
          : 'not running (start it with `omniclaw start`)',
      });
      if (options.json) process.stdout.write(JSON.stringify(checks, null, 2) + '\n');
      else {
        const mark = { ok: '✓', warn: '!', fail: '✗' };
        for (const c of checks) {
          process.stdout.write(`${mark[c.status]} ${c.name}: ${c.detail}\n`);
          if (c.fix) process.stdout.write(`    fix: ${c.fix}\n`);
        }
      }
      if (checks.some((c) => c.status === 'fail')) process.exitCode = 1;
    });
}
