import type { Migration } from '../migration.js';

/**
 * A streamed reply (issue 12): the outbox row of the final text carries the platform id of
 * the preview message it replaces, so sending it — now or after a crash — edits that
 * message instead of posting a second one.
 */
export const outboxEdit: Migration = {
  version: 6,
  name: 'outbox_edit',
  up: `
    ALTER TABLE outbox ADD COLUMN edit_of TEXT;
  `,
  down: `
    ALTER TABLE outbox DROP COLUMN edit_of;
  `,
};
