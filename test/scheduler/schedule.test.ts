import { describe, expect, it } from 'vitest';
import {
  latestDue,
  nextDue,
  parseSchedule,
  ScheduleError,
  type Schedule,
} from '../../src/scheduler/schedule.js';
import { planSchedule } from '../../src/scheduler/plan.js';

const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();
const at = (text: string): number => Date.parse(text);
const cron = (expr: string, tz: string): Schedule => parseSchedule('cron', expr, tz);

/** The next n due times after `from`. */
function series(schedule: Schedule, from: string, n: number, tz: string, anchor?: number): string[] {
  const out: string[] = [];
  let t = at(from);
  for (let i = 0; i < n; i++) {
    const next = nextDue(schedule, t, { timezone: tz, anchor });
    if (next === undefined) break;
    out.push(iso(next)!);
    t = next;
  }
  return out;
}

describe('cron in the instance time zone, across DST', () => {
  it.each([
    // Europe/Berlin springs forward 2026-03-29 02:00 → 03:00: 02:30 does not exist that day and runs at 03:00 once.
    [
      'Europe/Berlin',
      '30 2 * * *',
      '2026-03-28T00:00:00Z',
      ['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z'],
    ],
    // Falls back 2026-10-25 03:00 → 02:00: 02:30 happens twice and runs once.
    [
      'Europe/Berlin',
      '30 2 * * *',
      '2026-10-24T00:00:00Z',
      ['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z'],
    ],
    // 09:00 local stays 09:00 local on both sides of the change (UTC hour moves).
    [
      'Europe/Berlin',
      '0 9 * * *',
      '2026-03-28T12:00:00Z',
      ['2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z'],
    ],
    // America/New_York springs forward 2026-03-08 02:00 → 03:00.
    [
      'America/New_York',
      '30 2 * * *',
      '2026-03-07T12:00:00Z',
      ['2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z'],
    ],
    // Falls back 2026-11-01 02:00 → 01:00: 01:30 happens twice, runs once.
    [
      'America/New_York',
      '30 1 * * *',
      '2026-10-31T12:00:00Z',
      ['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z'],
    ],
    // Australia/Lord_Howe moves by 30 minutes (2026-10-04 02:00 → 02:30): 02:15 does not exist that day.
    [
      'Australia/Lord_Howe',
      '15 2 * * *',
      '2026-10-03T00:00:00Z',
      ['2026-10-03T15:30:00.000Z', '2026-10-04T15:15:00.000Z'],
    ],
    // and back (2026-04-05 02:00 → 01:30): 01:45 happens twice (14:45Z at +11, 15:15Z at +10:30), runs once.
    [
      'Australia/Lord_Howe',
      '45 1 * * *',
      '2026-04-03T12:00:00Z',
      ['2026-04-03T14:45:00.000Z', '2026-04-04T14:45:00.000Z', '2026-04-05T15:15:00.000Z'],
    ],
  ])('%s "%s" after %s', (tz, expr, from, expected) => {
    expect(series(cron(expr, tz), from, expected.length, tz)).toEqual(expected);
  });
});

describe('cron calendar edges', () => {
  it.each([
    [
      '29 February runs only in leap years',
      '0 12 29 2 *',
      '2026-01-01T00:00:00Z',
      ['2028-02-29T12:00:00.000Z', '2032-02-29T12:00:00.000Z'],
    ],
    [
      'day 31 skips the months without one',
      '0 0 31 * *',
      '2026-01-01T00:00:00Z',
      ['2026-01-31T00:00:00.000Z', '2026-03-31T00:00:00.000Z', '2026-05-31T00:00:00.000Z'],
    ],
    [
      'L is the last day of each month',
      '0 0 L * *',
      '2028-01-15T00:00:00Z',
      ['2028-01-31T00:00:00.000Z', '2028-02-29T00:00:00.000Z', '2028-03-31T00:00:00.000Z'],
    ],
    [
      'a step within a range',
      '0 8-18/5 * * *',
      '2026-05-01T00:00:00Z',
      [
        '2026-05-01T08:00:00.000Z',
        '2026-05-01T13:00:00.000Z',
        '2026-05-01T18:00:00.000Z',
        '2026-05-02T08:00:00.000Z',
      ],
    ],
    ['weekdays only', '0 9 * * 1-5', '2026-05-01T10:00:00Z', ['2026-05-04T09:00:00.000Z']],
    [
      'a list of minutes',
      '5,35 * * * *',
      '2026-05-01T10:10:00Z',
      ['2026-05-01T10:35:00.000Z', '2026-05-01T11:05:00.000Z'],
    ],
    ['the year wraps', '0 0 1 1 *', '2026-12-31T23:59:59Z', ['2027-01-01T00:00:00.000Z']],
  ])('%s', (_what, expr, from, expected) => {
    expect(series(cron(expr, 'UTC'), from, expected.length, 'UTC')).toEqual(expected);
  });

  it.each(['61 * * * *', '* * * *', '*/0 * * * *', '0 25 * * *', 'every day', '0 0 32 * *'])(
    'refuses "%s" with a clear error',
    (expr) => {
      expect(() => parseSchedule('cron', expr, 'UTC')).toThrow(ScheduleError);
      expect(() => parseSchedule('cron', expr, 'UTC')).toThrow(
        /invalid cron expression .* e\.g\. "0 9 \* \* 1-5"/,
      );
    },
  );
});

describe('intervals are anchored to their first run', () => {
  const every = parseSchedule('interval', '60000', 'UTC');
  const anchor = at('2026-05-01T10:00:00Z');

  it('first due at the anchor, then anchor + k × interval', () => {
    expect(series(every, '2026-05-01T09:00:00Z', 3, 'UTC', anchor)).toEqual([
      '2026-05-01T10:00:00.000Z',
      '2026-05-01T10:01:00.000Z',
      '2026-05-01T10:02:00.000Z',
    ]);
  });

  it('a late run does not shift later ones (no drift)', () => {
    // Ran 17 s late at 10:01:17: the next is still 10:02:00.
    expect(iso(nextDue(every, at('2026-05-01T10:01:17Z'), { timezone: 'UTC', anchor }))).toBe(
      '2026-05-01T10:02:00.000Z',
    );
  });

  it('after a long pause the next due time keeps the phase, and the latest missed one is found', () => {
    const after = at('2026-05-09T13:37:42Z');
    expect(iso(nextDue(every, after, { timezone: 'UTC', anchor }))).toBe('2026-05-09T13:38:00.000Z');
    expect(iso(latestDue(every, anchor, after, { timezone: 'UTC', anchor }))).toBe(
      '2026-05-09T13:37:00.000Z',
    );
  });

  it.each([
    ['abc', /whole milliseconds/],
    ['1.5', /whole milliseconds/],
    ['-5', /whole milliseconds/],
    ['500', /out of range/],
    ['99999999999', /out of range/],
  ])('refuses "%s"', (value, message) => {
    expect(() => parseSchedule('interval', value, 'UTC')).toThrow(message);
  });
});

describe('one-time tasks', () => {
  it('reads a local time in the instance zone, DST-aware', () => {
    expect(iso((parseSchedule('once', '2026-07-01T15:30:00', 'Europe/Berlin') as { at: number }).at)).toBe(
      '2026-07-01T13:30:00.000Z',
    );
    expect((parseSchedule('once', '2026-01-15T15:30', 'America/New_York') as { at: number }).at).toBe(
      at('2026-01-15T20:30:00Z'),
    );
  });

  it('takes an absolute instant as it is', () => {
    expect((parseSchedule('once', '2026-07-01T15:30:00+05:30', 'Europe/Berlin') as { at: number }).at).toBe(
      at('2026-07-01T10:00:00Z'),
    );
    expect((parseSchedule('once', '2026-07-01T15:30:00Z', 'Europe/Berlin') as { at: number }).at).toBe(
      at('2026-07-01T15:30:00Z'),
    );
  });

  it.each(['2026-02-30T10:00:00', '2026-13-01T10:00:00', 'tomorrow', '2026-02-01 10:00', '1700000000000'])(
    'refuses "%s"',
    (value) => {
      expect(() => parseSchedule('once', value, 'UTC')).toThrow(/invalid time .* like "2026-02-01T15:30:00"/);
    },
  );

  it('is due once and never again', () => {
    const once = parseSchedule('once', '2026-07-01T10:00:00Z', 'UTC');
    expect(iso(nextDue(once, at('2026-06-01T00:00:00Z'), { timezone: 'UTC' }))).toBe(
      '2026-07-01T10:00:00.000Z',
    );
    expect(nextDue(once, at('2026-07-01T10:00:00Z'), { timezone: 'UTC' })).toBeUndefined();
  });

  it('a time in the past is refused when planning', () => {
    expect(() => planSchedule('once', '2026-01-01T10:00:00', 'UTC', at('2026-02-01T00:00:00Z'))).toThrow(
      /is in the past/,
    );
  });
});

describe('latest missed due time (catch-up after downtime)', () => {
  it('cron: the latest occurrence at or before now, if not before the stored due time', () => {
    const daily = cron('0 9 * * *', 'Europe/Berlin');
    const ctx = { timezone: 'Europe/Berlin' };
    const due = at('2026-03-27T08:00:00Z');
    expect(iso(latestDue(daily, due, at('2026-03-30T12:00:00Z'), ctx))).toBe('2026-03-30T07:00:00.000Z');
    expect(latestDue(daily, due, at('2026-03-27T07:59:00Z'), ctx)).toBeUndefined();
  });
});
