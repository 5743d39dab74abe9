/** `omniclaw start`: the daemon. Writes a default config on first start. */
import { basename, dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { ensureConfig, localModelServers } from '../config/init.js';
import { configSecrets } from '../config/secrets.js';
import { createLogger } from '../observability/logger.js';
import { startApp } from '../app.js';
import { cliContext, loadConfig } from './context.js';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('start the OmniClaw daemon (writes a default config on first start)')
    .action(async () => {
      const context = cliContext();
      const created = await ensureConfig(context.paths, context.env, localModelServers(context.env));
      if (created) {
        const what =
          created.kind === 'anthropic'
            ? `Claude (credential from ${created.via})`
            : created.kind === 'local'
              ? `${created.name} at ${created.baseUrl} (model ${created.model})`
              : 'no model yet: replies will say how to add one';
        process.stderr.write(`omniclaw: wrote ${context.paths.config} — model: ${what}\n`);
      }
      const config = loadConfig(context);
      const logger = createLogger({
        level: (process.env.OMNICLAW_LOG_LEVEL as 'info' | undefined) ?? config.logging.level,
        logDir: config.logging.file ? context.paths.logs : undefined,
        pretty: process.stderr.isTTY,
        secrets: configSecrets(config),
      });
      // OMNICLAW_RUNNER points at another runner program (development and tests).
      const custom = process.env.OMNICLAW_RUNNER ? resolve(process.env.OMNICLAW_RUNNER) : undefined;
      const runner = custom ? { hostDir: dirname(custom), main: basename(custom) } : undefined;
      const app = await startApp({ home: context.paths.home, config, logger, runner });
      process.stderr.write(
        `omniclaw: running — talk to it with \`omniclaw chat\`; health on http://${app.http.host}:${app.http.port}/healthz\n`,
      );

      // A library throwing from its own event handlers (seen with discord.js on malformed
      // gateway events) must cost that channel an error, not the host its life.
      process.on('unhandledRejection', (reason) =>
        logger.error({ err: reason instanceof Error ? reason.message : String(reason) }, 'unhandled rejection'),
      );

      let signals = 0;
      const onSignal = (signal: NodeJS.Signals): void => {
        signals++;
        if (signals > 1) {
          logger.warn({ signal }, 'second signal: exiting at once');
          process.exit(130);
        }
        logger.info({ signal }, 'shutting down (send the signal again to exit at once)');
        void app.stop().then(
          () => process.exit(0),
          (err: Error) => {
            logger.error({ err: err.message }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
}
