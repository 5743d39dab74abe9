/** The store on a real SQLite file: pragmas, message dedupe, cursors, runs left by a crash. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { openStore, type Store, storeDatabase } from '../../src/store/index.js';
import type { InboundMessage } from '../../src/domain/channel.js';

const dir = mkdtempSync(join(tmpdir(), 'omniclaw-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
let clock = 1_000;
let store: Store;
beforeEach(() => {
  store?.close();
  store = openStore(join(dir, `store-${++n}.sqlite`), { now: () => clock });
});
afterAll(() => store?.close());

const message = (over: Partial<InboundMessage> = {}): InboundMessage => ({
  channel: 'telegram',
  chat: 'tg:1',
  platformId: 'm1',
  senderId: 'u1',
  senderName: 'Alice',
  text: 'hello',
  timestamp: 1_700_000_000_000,
  ...over,
});

describe('database settings', () => {
  it('turns on WAL, busy_timeout and foreign keys for every connection', () => {
    const db = openDatabase(join(dir, 'pragmas.sqlite'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
    expect(storeDatabase(store).pragma('journal_mode', { simple: true })).toBe('wal');
    expect(storeDatabase(store).pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('lets a reader see committed data while a writer holds a transaction (WAL)', () => {
    const path = join(dir, 'wal.sqlite');
    const writer = openStore(path);
    writer.messages.insert(message({ platformId: 'committed' }));
    const reader = openDatabase(path);
    storeDatabase(writer).exec('BEGIN IMMEDIATE');
    storeDatabase(writer).prepare("UPDATE messages SET text = 'uncommitted'").run();
    expect(reader.prepare('SELECT text FROM messages').pluck().all()).toEqual(['hello']);
    storeDatabase(writer).exec('COMMIT');
    expect(reader.prepare('SELECT text FROM messages').pluck().all()).toEqual(['uncommitted']);
    reader.close();
    writer.close();
  });
});

describe('messages', () => {
  it('are deduplicated on (channel, chat, platform id)', () => {
    const first = store.messages.insert(message());
    expect(first).toEqual({ id: expect.any(Number), inserted: true });
    // The same platform message again (a redelivery): same row, not a new one.
    expect(store.messages.insert(message({ text: 'changed on redelivery' }))).toEqual({
      id: first.id,
      inserted: false,
    });
    expect(store.messages.get(first.id)?.text).toBe('hello');
    // Same platform id in another chat, or on another channel: different messages.
    expect(store.messages.insert(message({ chat: 'tg:2' })).inserted).toBe(true);
    expect(store.messages.insert(message({ channel: 'discord' })).inserted).toBe(true);
    expect(storeDatabase(store).prepare('SELECT COUNT(*) FROM messages').pluck().get()).toBe(3);
  });

  it('round-trip every field, including hostile text and attachments', () => {
    const hostile = "'); DROP TABLE messages; --\u0000\u202e<b>&amp;\ud83d\ude00";
    const { id } = store.messages.insert(
      message({
        text: hostile,
        senderName: 'Mallory "the" <admin>',
        fromBot: true,
        mentionsBot: true,
        replyToBot: true,
        replyToPlatformId: 'm0',
        threadId: 't1',
        attachments: [{ name: 'a.png', path: 'inbox/a.png', mime: 'image/png', size: 3 }],
      }),
    );
    expect(store.messages.get(id)).toEqual({
      ...message(),
      id,
      text: hostile,
      senderName: 'Mallory "the" <admin>',
      fromBot: true,
      mentionsBot: true,
      replyToBot: true,
      replyToPlatformId: 'm0',
      threadId: 't1',
      attachments: [{ name: 'a.png', path: 'inbox/a.png', mime: 'image/png', size: 3 }],
      createdAt: clock,
    });
    expect(
      storeDatabase(store).prepare("SELECT name FROM sqlite_master WHERE name = 'messages'").pluck().get(),
    ).toBe('messages');
  });

  it('are read after a cursor in row order, per chat', () => {
    const ids = ['a', 'b', 'c'].map((p) => store.messages.insert(message({ platformId: p, text: p })).id);
    store.messages.insert(message({ chat: 'tg:other', platformId: 'x' }));
    expect(store.messages.after('tg:1', 0).map((m) => m.text)).toEqual(['a', 'b', 'c']);
    expect(store.messages.after('tg:1', ids[0]!).map((m) => m.text)).toEqual(['b', 'c']);
    expect(store.messages.after('tg:1', ids[2]!)).toEqual([]);
    expect(store.messages.after('tg:1', 0, 2).map((m) => m.text)).toEqual(['a', 'b']);
    expect(store.messages.latestId('tg:1')).toBe(ids[2]);
    expect(store.messages.latestId('tg:none')).toBe(0);
  });

  it('keep one chat row whose last-message time never goes back', () => {
    clock = 5_000;
    store.messages.insert(message({ platformId: 'late', chatName: 'Family', isGroup: true }));
    clock = 4_000;
    store.messages.insert(message({ platformId: 'early', isGroup: true }));
    expect(store.messages.chats()).toEqual([
      { chat: 'tg:1', channel: 'telegram', name: 'Family', isGroup: true, lastMessageAt: 5_000 },
    ]);
  });
});

describe('cursors', () => {
  it('start unset and only move forward', () => {
    expect(store.cursors.get('main', 'tg:1')).toBeUndefined();
    store.cursors.advance('main', 'tg:1', 5);
    expect(store.cursors.get('main', 'tg:1')).toBe(5);
    store.cursors.advance('main', 'tg:1', 3); // a late, stale advance
    expect(store.cursors.get('main', 'tg:1')).toBe(5);
    store.cursors.advance('main', 'tg:1', 5);
    expect(store.cursors.get('main', 'tg:1')).toBe(5);
    store.cursors.advance('main', 'tg:1', 9);
    expect(store.cursors.get('main', 'tg:1')).toBe(9);
  });

  it('are kept per agent and per chat', () => {
    store.cursors.advance('main', 'tg:1', 4);
    store.cursors.advance('helper', 'tg:1', 2);
    store.cursors.advance('main', 'tg:2', 7);
    expect(store.cursors.all().sort((a, b) => a.messageId - b.messageId)).toEqual([
      { agent: 'helper', chat: 'tg:1', messageId: 2 },
      { agent: 'main', chat: 'tg:1', messageId: 4 },
      { agent: 'main', chat: 'tg:2', messageId: 7 },
    ]);
  });

  it('survive closing and reopening the database', () => {
    const path = join(dir, 'reopen.sqlite');
    const a = openStore(path);
    a.cursors.advance('main', 'tg:1', 42);
    a.close();
    const b = openStore(path);
    expect(b.cursors.get('main', 'tg:1')).toBe(42);
    b.close();
  });
});

describe('answers', () => {
  it('queue the reply and move the cursor together', () => {
    const { id: upTo } = store.messages.insert(message());
    const id = store.answer({
      agent: 'main',
      chat: 'tg:1',
      upTo,
      reply: { channel: 'telegram', text: 'hi' },
    });
    expect(store.outbox.get(id!)).toMatchObject({ chat: 'tg:1', text: 'hi', agent: 'main' });
    expect(store.cursors.get('main', 'tg:1')).toBe(upTo);
  });

  it('move the cursor without a reply when the turn said nothing', () => {
    const { id: upTo } = store.messages.insert(message());
    expect(store.answer({ agent: 'main', chat: 'tg:1', upTo })).toBeUndefined();
    expect(store.cursors.get('main', 'tg:1')).toBe(upTo);
    expect(store.outbox.due(Number.MAX_SAFE_INTEGER)).toEqual([]);
  });

  it('leave neither the reply nor the cursor when the transaction fails', () => {
    const { id: upTo } = store.messages.insert(message());
    storeDatabase(store).exec(
      "CREATE TRIGGER refuse_cursor BEFORE INSERT ON cursors BEGIN SELECT RAISE(ABORT, 'disk says no'); END",
    );
    expect(() =>
      store.answer({ agent: 'main', chat: 'tg:1', upTo, reply: { channel: 'telegram', text: 'lost?' } }),
    ).toThrow(/disk says no/);
    expect(store.outbox.due(Number.MAX_SAFE_INTEGER)).toEqual([]);
    expect(store.cursors.get('main', 'tg:1')).toBeUndefined();
  });
});

describe('finding a message an agent names', () => {
  it('by the platform id or by the row id, only within the chat', () => {
    const { id } = store.messages.insert(message({ platformId: 'abc' }));
    store.messages.insert(message({ chat: 'tg:2', platformId: 'other' }));
    expect(store.messages.find('tg:1', 'abc')).toEqual({ chat: 'tg:1', platformId: 'abc' });
    expect(store.messages.find('tg:1', String(id))).toEqual({ chat: 'tg:1', platformId: 'abc' });
    expect(store.messages.find('tg:1', 'other')).toBeUndefined();
    expect(store.messages.find('tg:2', String(id))).toBeUndefined();
  });
});

describe('the write probe', () => {
  it('writes while open and throws once closed', () => {
    expect(() => store.probeWrite()).not.toThrow();
    store.close();
    expect(() => store.probeWrite()).toThrow();
    store = openStore(join(dir, `store-${++n}.sqlite`), { now: () => clock });
  });
});

describe('runs', () => {
  it('left running by a crash are closed as failed on the next start', () => {
    store.runs.start({ id: 'r1', agent: 'main', chat: 'tg:1' });
    store.runs.start({ id: 'r2', agent: 'main' });
    store.runs.finish('r2', 'ok');
    expect(store.runs.closeAbandoned()).toBe(1);
    expect(store.runs.recent().find((r) => r.id === 'r1')).toMatchObject({
      status: 'failed',
      error: 'host stopped during the run',
    });
    expect(store.runs.closeAbandoned()).toBe(0);
  });

  it('counts failed attempts apart from runs in the usage totals', () => {
    for (const id of ['a1', 'a2', 'a3']) store.runs.start({ id, agent: 'main' });
    store.runs.finish('a1', 'failed', 'model down');
    store.runs.finish('a2', 'failed', 'model down');
    store.runs.finish('a3', 'ok');
    store.runs.start({ id: 'a4', agent: 'main' });
    expect(store.runs.usageSince('main', 0)).toMatchObject({ runs: 2, failedAttempts: 2 });
  });
});
