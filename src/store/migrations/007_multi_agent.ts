import type { Migration } from '../migration.js';

/**
 * Open delegations (delegate_task) and share requests (share_request), so a restart loses
 * neither (issue 11): one awaiting the operator's approval can still be approved or denied
 * and still expires at `expires_at`; a delegation `running` when the host died is recorded
 * `interrupted` at the next start and its requester told. Ended rows stay for `status`
 * (the newest few hundred; older ones are only in the log). Nested parts (the chain, where
 * the answer goes, the files, the usage) are JSON: they are read and written whole, never
 * queried. The outbox index finds the message a reaction names (👍 / 👎 on an approval
 * request, delegation/approval-reactions.ts).
 */
export const multiAgent: Migration = {
  version: 7,
  name: 'multi_agent',
  up: `
    CREATE TABLE delegations (
      id TEXT PRIMARY KEY,
      from_agent TEXT NOT NULL,
      to_agent TEXT NOT NULL,
      chat TEXT NOT NULL,
      description TEXT NOT NULL,
      depth INTEGER NOT NULL,
      chain TEXT NOT NULL,
      notify_chat INTEGER NOT NULL,
      reply_to TEXT NOT NULL,
      files TEXT NOT NULL,
      status TEXT NOT NULL,
      run_id TEXT,
      created_at INTEGER NOT NULL,
      expires_at INTEGER,
      ended_at INTEGER,
      usage TEXT,
      error TEXT
    );
    CREATE INDEX delegations_open ON delegations (status) WHERE status IN ('awaiting_approval', 'running');
    CREATE INDEX delegations_run ON delegations (run_id) WHERE run_id IS NOT NULL;
    CREATE TABLE share_requests (
      id TEXT PRIMARY KEY,
      from_agent TEXT NOT NULL,
      chat TEXT NOT NULL,
      other_agent TEXT NOT NULL,
      description TEXT NOT NULL,
      moves TEXT NOT NULL,
      status TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER,
      ended_at INTEGER,
      error TEXT
    );
    CREATE INDEX share_requests_open ON share_requests (status) WHERE status = 'awaiting_approval';
    CREATE INDEX outbox_sent_as ON outbox (chat, platform_id) WHERE platform_id IS NOT NULL;
  `,
  down: `
    DROP INDEX outbox_sent_as;
    DROP TABLE share_requests;
    DROP TABLE delegations;
  `,
};
