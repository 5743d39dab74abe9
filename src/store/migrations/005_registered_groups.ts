import type { Migration } from '../migration.js';

/**
 * Chats the main agent registered at runtime (register_group). omniclaw.yaml stays the
 * declarative source: a route for the same chat there wins at start (the conflict is
 * reported), and `omniclaw config export` prints these rows as YAML to move them there.
 * `agent_name` set means the registration created that agent (its folder and CLAUDE.md).
 */
export const registeredGroups: Migration = {
  version: 5,
  name: 'registered_groups',
  up: `
    CREATE TABLE registered_groups (
      chat TEXT PRIMARY KEY,
      agent TEXT NOT NULL,
      agent_name TEXT,
      trigger_word TEXT,
      requires_trigger INTEGER,
      server TEXT,
      description TEXT,
      created_by TEXT NOT NULL,
      created_at INTEGER NOT NULL
    );
  `,
  down: `
    DROP TABLE registered_groups;
  `,
};
