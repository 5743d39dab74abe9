import type { Migration } from '../migration.js';

/**
 * The outbox retries a platform outage for a time, not a count: `failing_since` is when a
 * row's current run of failed attempts began (reset by `omniclaw outbox retry`).
 * `health_probe` is the row the database write probe rewrites to learn that writes work.
 */
export const reliability: Migration = {
  version: 2,
  name: 'reliability',
  up: `
    ALTER TABLE outbox ADD COLUMN failing_since INTEGER;
    CREATE TABLE health_probe (
      id INTEGER PRIMARY KEY,
      at INTEGER NOT NULL,
      payload BLOB
    );
  `,
  down: `
    DROP TABLE health_probe;
    ALTER TABLE outbox DROP COLUMN failing_since;
  `,
};
