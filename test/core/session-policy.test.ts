import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SESSION_MAX_AGE_MS,
  decideSession,
  formatDuration,
  type StoredSession,
} from '../../src/core/session-policy.js';

const HOUR = 3600_000;
const now = Date.parse('2026-11-25T12:00:00Z');
const session = (ageMs: number, sessionId = 'sess-1'): StoredSession => ({
  sessionId,
  createdAt: now - ageMs,
  lastUsedAt: now - 60_000,
});

describe('decideSession', () => {
  // [case, record, max age, decision]
  it.each([
    ['no session yet', undefined, 4 * HOUR, { fresh: true, reason: 'no earlier session' }],
    ['a young session', session(10 * 60_000), 4 * HOUR, { resume: 'sess-1' }],
    ['one ms before the limit', session(4 * HOUR - 1), 4 * HOUR, { resume: 'sess-1' }],
    [
      'exactly at the limit',
      session(4 * HOUR),
      4 * HOUR,
      { fresh: true, reason: 'the session is 4 h old (sessions rotate after 4 h)' },
    ],
    [
      'well past the limit',
      session(29 * HOUR + 30 * 60_000),
      4 * HOUR,
      { fresh: true, reason: 'the session is 29 h 30 min old (sessions rotate after 4 h)' },
    ],
    [
      'a short configured limit',
      session(31 * 60_000),
      30 * 60_000,
      { fresh: true, reason: 'the session is 31 min old (sessions rotate after 30 min)' },
    ],
    [
      'an empty stored id',
      session(60_000, ''),
      4 * HOUR,
      { fresh: true, reason: 'the stored session id is empty' },
    ],
    [
      'a created time that is not a number',
      { sessionId: 's', createdAt: Number.NaN, lastUsedAt: now },
      4 * HOUR,
      { fresh: true, reason: 'the stored session has no valid start time' },
    ],
    ['created in the future (clock set back)', session(-2 * HOUR), 4 * HOUR, { resume: 'sess-1' }],
    ['an invalid limit falls back to 4 h (young)', session(3 * HOUR), 0, { resume: 'sess-1' }],
    [
      'an invalid limit falls back to 4 h (old)',
      session(5 * HOUR),
      Number.NaN,
      { fresh: true, reason: 'the session is 5 h old (sessions rotate after 4 h)' },
    ],
  ])('%s', (_case, record, maxAgeMs, decision) => {
    expect(decideSession(record, maxAgeMs, now)).toEqual(decision);
  });

  it('measures age from creation, not from last use: a busy session still rotates', () => {
    const busy = { sessionId: 'busy', createdAt: now - 5 * HOUR, lastUsedAt: now - 1_000 };
    expect(decideSession(busy, DEFAULT_SESSION_MAX_AGE_MS, now)).toMatchObject({ fresh: true });
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [59_499, '59 s'],
    [60_000, '1 min'],
    [3599_000, '59 min'],
    [3600_000, '1 h'],
    [5 * 3600_000 + 7 * 60_000, '5 h 7 min'],
    [-5, '0 s'],
  ])('%i ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
