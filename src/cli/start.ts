/** `omniclaw start`: the daemon. Writes a default config on first start. */
import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { ensureConfig, localModelServers } from '../config/init.js';
import { configSecrets } from '../config/secrets.js';
import { envFileExposure } from '../config/env-file.js';
import { createLogger } from '../observability/logger.js';
import { backupBeforeMigrating } from '../store/backup.js';
// The host is loaded only by `start`: other commands (chat, status) stay quick to launch.
import type { App, AppOptions } from '../app.js';
import { cliContext, loadConfig } from './context.js';
import { projectReadableCheck } from './doctor-instance.js';
import { PROJECT_ROOT } from '../config/install.js';
import { sandboxIdentity } from '../sandbox/folder-ownership.js';
import type { Config } from '../config/normalise.js';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('start the OmniClaw daemon (writes a default config on first start)')
    .action(async () => {
      const context = cliContext();
      const exposed = envFileExposure(context.paths.envFile);
      if (exposed) process.stderr.write(`omniclaw: warning: ${exposed}\n`);
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
      const closed = projectAccessWarning(config);
      if (closed) process.stderr.write(`omniclaw: warning: ${closed}\n`);
      const logger = createLogger({
        level: (process.env.OMNICLAW_LOG_LEVEL as 'info' | undefined) ?? config.logging.level,
        logDir: config.logging.file ? context.paths.logs : undefined,
        pretty: process.stderr.isTTY,
        secrets: configSecrets(config),
      });
      // OMNICLAW_RUNNER points at another runner program (development and tests).
      const custom = process.env.OMNICLAW_RUNNER ? resolve(process.env.OMNICLAW_RUNNER) : undefined;
      const runner = custom ? { hostDir: dirname(custom), main: basename(custom) } : undefined;
      const { startApp } = await import('../app.js');
      let app: App;
      try {
        // A newer OmniClaw on an older database: a consistent copy first, then startApp migrates.
        const upgrade = await backupBeforeMigrating(context.paths.database, context.paths.backups);
        if (upgrade)
          process.stderr.write(
            `omniclaw: upgrading the database from schema ${upgrade.from} to ${upgrade.to}; a copy of the old one is in ${upgrade.file}\n`,
          );
        app = await startApp({
          home: context.paths.home,
          config,
          logger,
          runner,
          beforeSend: testFaultHook(process.env),
        });
      } catch (err) {
        process.stderr.write(`omniclaw: ${(err as Error).message}\n`);
        // Not process.exit() at once: the log file stream may still be opening, and pino
        // throws ("sonic boom is not ready yet") when asked to flush it on exit. Leave when
        // nothing is left to do, or after a second at the latest.
        process.exitCode = 1;
        setTimeout(() => process.exit(1), 1_000).unref();
        return;
      }
      process.stderr.write(
        `omniclaw: running — talk to it with \`omniclaw chat\`; health on http://${app.http.host}:${app.http.port}/healthz\n`,
      );

      // A library throwing from its own event handlers (seen with discord.js, since replaced,
      // on malformed gateway events) must cost that channel an error, not the host its life.
      process.on('unhandledRejection', (reason) =>
        logger.error(
          { err: reason instanceof Error ? reason.message : String(reason) },
          'unhandled rejection',
        ),
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
          // pino writes asynchronously: flush so the last lines reach the log file.
          () => logger.flush(() => process.exit(0)),
          (err: Error) => {
            logger.error({ err: err.message }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      // The database stayed unwritable past database.maxUnavailableMs: stop and exit non-zero
      // (75) so systemd or launchd restarts the daemon; held work is stored after the restart.
      void app.fatal.then(({ code, reason }) => {
        process.stderr.write(`omniclaw: ${reason}; exiting (${code}) to be restarted\n`);
        void app
          .stop()
          .catch(() => undefined)
          .then(() => logger.flush(() => process.exit(code)));
      });
    });
}

/**
 * TEST-ONLY SEAM for the crash-recovery tests (test/integration/daemon.test.ts), which run
 * the daemon as a real process and cannot reach AppOptions.beforeSend otherwise. With
 * OMNICLAW_TEST_FAULT=crash-before-send, the daemon kills itself with SIGKILL just before
 * handing an outbox row to its channel — but only while the file OMNICLAW_TEST_FAULT_FILE
 * exists, so the test decides when. Without these variables it does nothing.
 */
function testFaultHook(env: NodeJS.ProcessEnv): AppOptions['beforeSend'] {
  const marker = env.OMNICLAW_TEST_FAULT_FILE;
  if (env.OMNICLAW_TEST_FAULT !== 'crash-before-send' || !marker) return undefined;
  return () => {
    if (existsSync(marker)) process.kill(process.pid, 'SIGKILL');
  };
}

/**
 * A root host runs agents as an unprivileged uid, which cannot read a project folder closed
 * to others (a clone under `mktemp -d`): said at start, where the person is looking, and not
 * only by `doctor`. Not changed here: opening a folder is the owner's decision (`doctor --fix`).
 */
export function projectAccessWarning(
  config: Pick<Config, 'agents' | 'sandbox'>,
  projectRoot = PROJECT_ROOT,
  hostUid = process.getuid?.(),
): string | undefined {
  const main = config.agents.find((a) => a.main);
  if (!main || main.sandbox === 'none') return undefined;
  const check = projectReadableCheck(resolve(projectRoot), sandboxIdentity(config.sandbox), hostUid);
  return check.status === 'warn' ? `${check.detail} ${check.fix ?? ''}`.trim() : undefined;
}
