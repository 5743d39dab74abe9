/** Inbound (and the bot's own) messages. Deduplicated on (channel, chat, platform id). */
import type { Database, Statement } from 'better-sqlite3';
import type { Attachment, InboundMessage } from '../domain/channel.js';

export interface StoredMessage extends InboundMessage {
  id: number;
  createdAt: number;
}

interface Row {
  id: number;
  channel: string;
  chat: string;
  platform_id: string;
  sender_id: string;
  sender_name: string;
  text: string;
  timestamp: number;
  from_bot: number;
  mentions_bot: number;
  reply_to_bot: number;
  reply_to_platform_id: string | null;
  thread_id: string | null;
  attachments: string | null;
  created_at: number;
}

const fromRow = (r: Row): StoredMessage => ({
  id: r.id,
  channel: r.channel,
  chat: r.chat,
  platformId: r.platform_id,
  senderId: r.sender_id,
  senderName: r.sender_name,
  text: r.text,
  timestamp: r.timestamp,
  fromBot: r.from_bot === 1,
  mentionsBot: r.mentions_bot === 1,
  replyToBot: r.reply_to_bot === 1,
  replyToPlatformId: r.reply_to_platform_id ?? undefined,
  threadId: r.thread_id ?? undefined,
  attachments: r.attachments ? (JSON.parse(r.attachments) as Attachment[]) : undefined,
  createdAt: r.created_at,
});

export class MessageStore {
  private readonly insertStmt: Statement;
  private readonly findStmt: Statement;
  private readonly upsertChat: Statement;
  private readonly afterStmt: Statement;
  private readonly insertTx: (message: InboundMessage) => { id: number; inserted: boolean };

  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {
    this.insertStmt = db.prepare(`INSERT INTO messages
      (channel, chat, platform_id, sender_id, sender_name, text, timestamp, from_bot, mentions_bot,
       reply_to_bot, reply_to_platform_id, thread_id, attachments, created_at)
      VALUES (@channel, @chat, @platformId, @senderId, @senderName, @text, @timestamp, @fromBot, @mentionsBot,
       @replyToBot, @replyToPlatformId, @threadId, @attachments, @createdAt)
      ON CONFLICT (channel, chat, platform_id) DO NOTHING`);
    this.findStmt = db.prepare('SELECT id FROM messages WHERE channel = ? AND chat = ? AND platform_id = ?');
    this.upsertChat = db.prepare(`INSERT INTO chats (chat, channel, name, is_group, last_message_at)
      VALUES (?, ?, ?, ?, ?) ON CONFLICT (chat) DO UPDATE SET
      name = COALESCE(excluded.name, chats.name), is_group = MAX(chats.is_group, excluded.is_group),
      last_message_at = MAX(chats.last_message_at, excluded.last_message_at)`);
    this.afterStmt = db.prepare('SELECT * FROM messages WHERE chat = ? AND id > ? ORDER BY id LIMIT ?');
    this.insertTx = db.transaction((message: InboundMessage) => this.insertNow(message));
  }

  /** Persists a message; a duplicate (same channel, chat, platform id) returns the stored id. */
  insert(message: InboundMessage): { id: number; inserted: boolean } {
    // One transaction: one commit per message, and the chat row never disagrees with it.
    return this.insertTx(message);
  }

  private insertNow(message: InboundMessage): { id: number; inserted: boolean } {
    const createdAt = this.now();
    const result = this.insertStmt.run({
      channel: message.channel,
      chat: message.chat,
      platformId: message.platformId,
      senderId: message.senderId,
      senderName: message.senderName,
      text: message.text,
      timestamp: message.timestamp,
      fromBot: message.fromBot ? 1 : 0,
      mentionsBot: message.mentionsBot ? 1 : 0,
      replyToBot: message.replyToBot ? 1 : 0,
      replyToPlatformId: message.replyToPlatformId ?? null,
      threadId: message.threadId ?? null,
      attachments: message.attachments?.length ? JSON.stringify(message.attachments) : null,
      createdAt,
    });
    this.upsertChat.run(
      message.chat,
      message.channel,
      message.chatName ?? null,
      message.isGroup ? 1 : 0,
      createdAt,
    );
    if (result.changes === 1) return { id: Number(result.lastInsertRowid), inserted: true };
    const row = this.findStmt.get(message.channel, message.chat, message.platformId) as { id: number };
    return { id: row.id, inserted: false };
  }

  /** Messages of a chat after a cursor, oldest first. */
  after(chat: string, afterId: number, limit = 200): StoredMessage[] {
    return (this.afterStmt.all(chat, afterId, limit) as Row[]).map(fromRow);
  }

  /**
   * A message of a chat by the platform's id, or by our row id when the agent names a
   * number it saw in its prompt; undefined when the chat has no such message.
   */
  find(chat: string, messageId: string): { chat: string; platformId: string } | undefined {
    const row = this.db
      .prepare(
        "SELECT chat, platform_id FROM messages WHERE chat = ? AND (platform_id = ? OR (? GLOB '[0-9]*' AND id = CAST(? AS INTEGER))) LIMIT 1",
      )
      .get(chat, messageId, messageId, messageId) as { chat: string; platform_id: string } | undefined;
    return row ? { chat: row.chat, platformId: row.platform_id } : undefined;
  }

  get(id: number): StoredMessage | undefined {
    const row = this.db.prepare('SELECT * FROM messages WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  latestId(chat: string): number {
    const row = this.db.prepare('SELECT MAX(id) AS id FROM messages WHERE chat = ?').get(chat) as {
      id: number | null;
    };
    return row.id ?? 0;
  }

  chats(): { chat: string; channel: string; name: string | null; isGroup: boolean; lastMessageAt: number }[] {
    return (
      this.db.prepare('SELECT * FROM chats ORDER BY last_message_at DESC').all() as {
        chat: string;
        channel: string;
        name: string | null;
        is_group: number;
        last_message_at: number;
      }[]
    ).map((r) => ({
      chat: r.chat,
      channel: r.channel,
      name: r.name,
      isGroup: r.is_group === 1,
      lastMessageAt: r.last_message_at,
    }));
  }
}
