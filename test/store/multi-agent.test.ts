/**
 * The delegations and share_requests tables (migration 007) on a real SQLite file: records
 * come back whole, an end (or an approval) happens once even when two race, and reopening
 * the database finds the open ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Delegation, Share } from '../../src/domain/multi-agent.js';
import { openStore, type Store } from '../../src/store/index.js';

let dir: string | undefined;
let store: Store | undefined;
afterEach(() => {
  store?.close();
  store = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});
const open = (): Store => {
  dir ??= mkdtempSync(join(tmpdir(), 'omniclaw-multi-store-'));
  store = openStore(join(dir, 'db'));
  return store;
};

const delegation = (extra: Partial<Delegation> = {}): Delegation => ({
  id: 'd-0a0b0c',
  from: 'research',
  to: 'main',
  chat: 'mem:research-chat',
  description: 'What is 6 times 7?',
  depth: 1,
  chain: ['research'],
  notifyChat: true,
  replyTo: { agent: 'research', chat: 'mem:research-chat' },
  files: [{ path: 'reports/q3.md', lands: 'shared/research/q3.md' }],
  status: 'awaiting_approval',
  createdAt: 1_000,
  expiresAt: 61_000,
  ...extra,
});

const share = (extra: Partial<Share> = {}): Share => ({
  id: 's-0a0b0c',
  from: 'research',
  chat: 'mem:research-chat',
  other: 'main',
  description: 'my report',
  moves: [
    {
      direction: 'push',
      source: 'research',
      target: 'main',
      files: [{ path: 'q3.md', lands: 'shared/research/q3.md' }],
    },
  ],
  status: 'awaiting_approval',
  createdAt: 1_000,
  expiresAt: 61_000,
  ...extra,
});

describe('the delegations table', () => {
  it('keeps a delegation whole across a reopen; approval and end happen once', () => {
    open().delegations.insert(delegation());
    store!.close();
    const delegations = open().delegations;
    expect(delegations.get('d-0a0b0c')).toEqual(delegation());
    expect(delegations.open().map((d) => d.id)).toEqual(['d-0a0b0c']);
    expect(delegations.openCountFrom('research')).toBe(1);
    expect(delegations.approve('d-0a0b0c')).toBe(true);
    expect(delegations.approve('d-0a0b0c')).toBe(false);
    delegations.ranAs('d-0a0b0c', 'run-1');
    expect(delegations.byRun('run-1')).toMatchObject({
      id: 'd-0a0b0c',
      status: 'running',
      expiresAt: undefined,
    });
    const usage = {
      inputTokens: 10,
      outputTokens: 5,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costUsd: 0.01,
    };
    expect(delegations.end('d-0a0b0c', 'done', { usage })).toBe(true);
    expect(delegations.end('d-0a0b0c', 'interrupted')).toBe(false);
    expect(delegations.get('d-0a0b0c')).toMatchObject({ status: 'done', usage, endedAt: expect.any(Number) });
    // An ended delegation no longer places new requests in its chain.
    expect(delegations.byRun('run-1')).toBeUndefined();
    expect(delegations.open()).toEqual([]);
    expect(delegations.counts()).toEqual({ done: 1 });
  });

  it('keeps the newest ended rows only', () => {
    const delegations = open().delegations;
    for (let i = 0; i < 205; i++) {
      const id = `d-${i.toString(16).padStart(6, '0')}`;
      delegations.insert(delegation({ id, createdAt: i }));
      delegations.end(id, 'denied');
    }
    delegations.insert(delegation({ id: 'd-ffffff', createdAt: 999 }));
    expect(delegations.counts()).toEqual({ denied: 200, awaiting_approval: 1 });
    expect(delegations.get('d-000000')).toBeUndefined();
    expect(delegations.recent(2).map((d) => d.id)).toEqual(['d-ffffff', 'd-0000cc']);
  });
});

describe('the share_requests table', () => {
  it('keeps a waiting request across a reopen; it ends once', () => {
    open().shares.insert(share());
    store!.close();
    const shares = open().shares;
    expect(shares.get('s-0a0b0c')).toEqual(share());
    expect(shares.waiting().map((s) => s.id)).toEqual(['s-0a0b0c']);
    expect(shares.waitingCountFrom('research')).toBe(1);
    expect(shares.end('s-0a0b0c', 'expired')).toBe(true);
    expect(shares.end('s-0a0b0c', 'copied')).toBe(false);
    expect(shares.get('s-0a0b0c')).toMatchObject({ status: 'expired' });
    expect(shares.waiting()).toEqual([]);
    expect(shares.counts()).toEqual({ expired: 1 });
    expect(shares.recent(10).map((s) => s.id)).toEqual(['s-0a0b0c']);
  });
});
