import type { Migration } from '../migration.js';

/** Runtime state only: what the config describes never lives here. Times are epoch ms. */
export const initial: Migration = {
  version: 1,
  name: 'initial',
  up: `
    CREATE TABLE messages (
      id INTEGER PRIMARY KEY,
      channel TEXT NOT NULL,
      chat TEXT NOT NULL,
      platform_id TEXT NOT NULL,
      sender_id TEXT NOT NULL,
      sender_name TEXT NOT NULL,
      text TEXT NOT NULL,
      timestamp INTEGER NOT NULL,
      from_bot INTEGER NOT NULL DEFAULT 0,
      mentions_bot INTEGER NOT NULL DEFAULT 0,
      reply_to_bot INTEGER NOT NULL DEFAULT 0,
      reply_to_platform_id TEXT,
      thread_id TEXT,
      attachments TEXT,
      created_at INTEGER NOT NULL,
      UNIQUE (channel, chat, platform_id)
    );
    CREATE INDEX messages_chat_id ON messages (chat, id);

    CREATE TABLE chats (
      chat TEXT PRIMARY KEY,
      channel TEXT NOT NULL,
      name TEXT,
      is_group INTEGER NOT NULL DEFAULT 0,
      last_message_at INTEGER NOT NULL
    );

    -- How far each agent has answered in each chat: a messages.id, never a platform time.
    CREATE TABLE cursors (
      agent TEXT NOT NULL,
      chat TEXT NOT NULL,
      message_id INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (agent, chat)
    );

    CREATE TABLE outbox (
      id INTEGER PRIMARY KEY,
      channel TEXT NOT NULL,
      chat TEXT NOT NULL,
      text TEXT NOT NULL,
      reply_to TEXT,
      thread TEXT,
      files TEXT,
      agent TEXT,
      run_id TEXT,
      status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL,
      last_error TEXT,
      platform_id TEXT,
      created_at INTEGER NOT NULL,
      sent_at INTEGER
    );
    CREATE INDEX outbox_pending ON outbox (status, next_attempt_at);

    CREATE TABLE sessions (
      agent TEXT NOT NULL,
      runtime TEXT NOT NULL,
      session_id TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      last_used_at INTEGER NOT NULL,
      PRIMARY KEY (agent, runtime)
    );

    CREATE TABLE runs (
      id TEXT PRIMARY KEY,
      agent TEXT NOT NULL,
      chat TEXT,
      kind TEXT NOT NULL DEFAULT 'message',
      status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
      started_at INTEGER NOT NULL,
      ended_at INTEGER,
      error TEXT,
      input_tokens INTEGER NOT NULL DEFAULT 0,
      output_tokens INTEGER NOT NULL DEFAULT 0,
      cache_read_tokens INTEGER NOT NULL DEFAULT 0,
      cache_write_tokens INTEGER NOT NULL DEFAULT 0,
      cost_usd REAL NOT NULL DEFAULT 0
    );
    CREATE INDEX runs_agent_started ON runs (agent, started_at);
  `,
  down: `
    DROP TABLE runs;
    DROP TABLE sessions;
    DROP TABLE outbox;
    DROP TABLE cursors;
    DROP TABLE chats;
    DROP TABLE messages;
  `,
};
