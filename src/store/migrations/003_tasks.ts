import type { Migration } from '../migration.js';

/**
 * Scheduled tasks and their run log. A run row is the claim: UNIQUE (task_id, due_at) makes
 * "this due time has been taken" one fact in the database, so no crash, restart or race can
 * start a task twice for the same due time. Times are epoch ms.
 */
export const tasks: Migration = {
  version: 3,
  name: 'tasks',
  up: `
    CREATE TABLE tasks (
      id TEXT PRIMARY KEY,
      agent TEXT NOT NULL,
      chat TEXT NOT NULL,
      prompt TEXT NOT NULL,
      kind TEXT NOT NULL DEFAULT 'task' CHECK (kind IN ('task', 'heartbeat')),
      source TEXT NOT NULL DEFAULT 'agent' CHECK (source IN ('agent', 'config', 'cli')),
      schedule_type TEXT NOT NULL CHECK (schedule_type IN ('cron', 'interval', 'once')),
      schedule_value TEXT NOT NULL,
      context_mode TEXT NOT NULL DEFAULT 'group' CHECK (context_mode IN ('group', 'isolated')),
      output TEXT NOT NULL DEFAULT 'send_message' CHECK (output IN ('send_message', 'reply')),
      status TEXT NOT NULL DEFAULT 'active'
        CHECK (status IN ('active', 'paused', 'completed', 'failed', 'cancelled')),
      anchor_at INTEGER,
      next_run_at INTEGER,
      last_run_at INTEGER,
      last_status TEXT,
      last_result TEXT,
      created_by TEXT,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    );
    CREATE INDEX tasks_due ON tasks (status, next_run_at);
    CREATE INDEX tasks_agent ON tasks (agent);

    CREATE TABLE task_runs (
      id INTEGER PRIMARY KEY,
      task_id TEXT NOT NULL,
      due_at INTEGER NOT NULL,
      claimed_at INTEGER NOT NULL,
      started_at INTEGER,
      ended_at INTEGER,
      status TEXT NOT NULL
        CHECK (status IN ('queued', 'running', 'ok', 'failed', 'interrupted', 'skipped')),
      run_id TEXT,
      result TEXT,
      error TEXT,
      input_tokens INTEGER NOT NULL DEFAULT 0,
      output_tokens INTEGER NOT NULL DEFAULT 0,
      cost_usd REAL NOT NULL DEFAULT 0,
      UNIQUE (task_id, due_at)
    );
    CREATE INDEX task_runs_task ON task_runs (task_id, id);
    CREATE INDEX task_runs_open ON task_runs (status) WHERE status IN ('queued', 'running');
  `,
  down: `
    DROP TABLE task_runs;
    DROP TABLE tasks;
  `,
};
