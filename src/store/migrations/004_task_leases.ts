import type { Migration } from '../migration.js';

/**
 * Scheduler gaps of issue 10:
 * - task_runs.owner / lease_until: a claimed run belongs to one scheduler (host:pid:nonce),
 *   which renews the lease while the run is queued or running. A run whose lease ran out
 *   (its owner died) is recovered by whichever scheduler sees it first; a live owner's run
 *   is never touched, even by a second scheduler on the same database file.
 * - tasks.declared: the omniclaw.yaml entry of a declared task as last applied, so a change
 *   made at runtime (configure_heartbeat, update_task, the CLI) lasts until the entry itself
 *   changes.
 * - tasks.budget_notice_at: when the task's chat was last told that the task is skipped for
 *   budget; cleared by the next run that starts, so the chat hears it once per skip streak.
 */
export const taskLeases: Migration = {
  version: 4,
  name: 'task_leases',
  up: `
    ALTER TABLE task_runs ADD COLUMN owner TEXT;
    ALTER TABLE task_runs ADD COLUMN lease_until INTEGER;
    ALTER TABLE tasks ADD COLUMN declared TEXT;
    ALTER TABLE tasks ADD COLUMN budget_notice_at INTEGER;
  `,
  down: `
    ALTER TABLE tasks DROP COLUMN budget_notice_at;
    ALTER TABLE tasks DROP COLUMN declared;
    ALTER TABLE task_runs DROP COLUMN lease_until;
    ALTER TABLE task_runs DROP COLUMN owner;
  `,
};
