/** `omniclaw doctor`: checks the set-up and prints the fix for each problem. */
import type { Command } from 'commander';
import { createHash } from 'node:crypto';
import { silentLogger } from '../observability/logger.js';
import { NoSandbox } from '../sandbox/none.js';
import { BwrapSandbox } from '../sandbox/bwrap.js';
import { DockerSandbox } from '../sandbox/docker.js';
import type { Config } from '../config/normalise.js';
import { isAlive } from '../core/control-socket.js';
import { cliContext, loadConfig } from './context.js';
import { credentialChecks, nodeCheck, permissionChecks, sandboxChecks, type Check } from './doctor-checks.js';

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
        const logger = silentLogger();
        const id = createHash('sha256').update(context.paths.home).digest('hex').slice(0, 12);
        checks.push(
          ...(await sandboxChecks(
            config,
            [
              {
                kind: 'docker',
                make: () =>
                  new DockerSandbox({ kind: 'docker', image: config!.sandbox.image, instanceId: id, logger }),
              },
              {
                kind: 'podman',
                make: () =>
                  new DockerSandbox({
                    kind: 'podman',
                    cli: 'podman',
                    image: config!.sandbox.image,
                    instanceId: id,
                    logger,
                  }),
              },
              { kind: 'bwrap', make: () => new BwrapSandbox({ logger, instanceId: id }) },
              { kind: 'none', make: () => new NoSandbox() },
            ],
            {
              docker:
                'install Docker (Debian: `apt-get install docker.io`), start it, then `omniclaw image build`',
              podman: 'install Podman (`apt-get install podman`) if you prefer it to Docker',
              bwrap:
                'install bubblewrap (`apt-get install bubblewrap`); it needs unprivileged user namespaces',
            },
          )),
        );
        checks.push({
          name: 'egress gateway',
          status: 'ok',
          detail:
            process.platform === 'linux'
              ? 'Linux: sandboxes get no network; they reach the gateway through a Unix socket mounted in'
              : 'not Linux: sandboxes reach the gateway on the host address with a per-run token',
        });
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
