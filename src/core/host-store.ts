/**
 * The host's database, opened for a daemon: runs left `running` by the last stop are closed
 * as failed (their messages are still after the cursor and are answered again), and a write
 * probe watches that it stays writable. Writes failing past `database.maxUnavailableMs`
 * resolve `fatal`: the daemon exits 75 (EX_TEMPFAIL) so the service manager restarts it.
 */
import type { HostContext } from './host-context.js';
import { openStore, type Store } from '../store/index.js';
import { DatabaseHealth } from '../store/db-health.js';

/** EX_TEMPFAIL: a service manager restarts the daemon; the cause may have cleared by then. */
export const EXIT_DATABASE_UNAVAILABLE = 75;

export interface Fatal {
  code: number;
  reason: string;
}

export interface HostStore {
  store: Store;
  health: DatabaseHealth;
  /** Resolves when the daemon must exit (the database stayed unwritable): exit with `code`. */
  fatal: Promise<Fatal>;
}

export function openHostStore(host: HostContext): HostStore {
  const { logger } = host;
  const now = host.now ?? Date.now;
  const store = openStore(host.paths.database, { now: host.now });
  const abandoned = store.runs.closeAbandoned();
  if (abandoned)
    logger.warn({ runs: abandoned }, 'runs interrupted by the last shutdown were closed as failed');
  let reportFatal!: (fatal: Fatal) => void;
  const fatal = new Promise<Fatal>((resolve) => (reportFatal = resolve));
  const health = new DatabaseHealth({
    probeWrite: () => store.probeWrite(),
    logger,
    probeIntervalMs: host.config.database.probeIntervalMs,
    maxUnavailableMs: host.config.database.maxUnavailableMs,
    now: host.now,
    onPersistent: (since, error) => {
      const reason = `the database could not be written for ${Math.round((now() - since) / 1000)} s (${error})`;
      logger.fatal(
        { err: error, since },
        `${reason}; exiting with code ${EXIT_DATABASE_UNAVAILABLE} so the service manager restarts OmniClaw`,
      );
      reportFatal({ code: EXIT_DATABASE_UNAVAILABLE, reason });
    },
  });
  health.start();
  return { store, health, fatal };
}
