import { describe, expect, it } from 'vitest';
import { checkBudget, startOfDay, startOfNextDay, type UsageToday } from '../../src/core/budget.js';

const used = (inputTokens: number, outputTokens: number, costUsd = 0): UsageToday => ({
  inputTokens,
  outputTokens,
  costUsd,
});

describe('checkBudget', () => {
  // [case, budget, usage today, allowed]
  it.each([
    ['no budget configured', undefined, used(10_000_000, 10_000_000, 999), true],
    ['empty budget', {}, used(10_000_000, 0, 999), true],
    ['tokens below the limit', { dailyTokens: 100_000 }, used(60_000, 39_999), true],
    ['tokens exactly at the limit', { dailyTokens: 100_000 }, used(60_000, 40_000), false],
    ['tokens over the limit', { dailyTokens: 100_000 }, used(90_000, 30_000), false],
    ['usd below the limit', { dailyUsd: 5 }, used(0, 0, 4.99), true],
    ['usd at the limit', { dailyUsd: 5 }, used(0, 0, 5), false],
    ['tokens fine, usd spent', { dailyTokens: 1_000_000, dailyUsd: 1 }, used(10, 10, 1.5), false],
    ['usd fine, tokens spent', { dailyTokens: 1_000, dailyUsd: 100 }, used(900, 200, 0.01), false],
    ['both fine', { dailyTokens: 1_000, dailyUsd: 1 }, used(100, 100, 0.5), true],
    [
      'a runtime that reports no cost never spends a usd budget',
      { dailyUsd: 1 },
      used(5_000_000, 5_000_000, 0),
      true,
    ],
  ])('%s', (_case, budget, usage, allowed) => {
    expect(checkBudget(budget, usage).allowed).toBe(allowed);
  });

  it('tells the chat plainly what is spent and when it resets, in the configured time zone', () => {
    const resetsAt = Date.parse('2026-11-25T23:00:00Z'); // midnight in Berlin (CET)
    const decision = checkBudget({ dailyTokens: 100_000, dailyUsd: 2 }, used(90_000, 30_500, 2.345), {
      agentName: 'Researcher',
      resetsAt,
      timezone: 'Europe/Berlin',
    });
    expect(decision).toEqual({
      allowed: false,
      message:
        "Researcher's daily budget is spent (120,500 of 100,000 tokens and $2.35 of $2.00 used today), so this message " +
        'was not answered. It resets at midnight (Europe/Berlin), 26 Nov 2026, 00:00.',
    });
  });

  it('still says when it resets without a reset time', () => {
    const decision = checkBudget({ dailyUsd: 1 }, used(0, 0, 1));
    expect(decision.allowed ? '' : decision.message).toBe(
      "This agent's daily budget is spent ($1.00 of $1.00 used today), so this message was not answered. It resets at midnight.",
    );
  });
});

const iso = (t: number) => new Date(t).toISOString();

describe('startOfDay and startOfNextDay', () => {
  // [zone, now, start of that local day (UTC), start of the next one (UTC)]
  it.each([
    ['UTC', '2026-11-25T15:00:00Z', '2026-11-25T00:00:00.000Z', '2026-11-26T00:00:00.000Z'],
    ['UTC', '2026-11-25T00:00:00Z', '2026-11-25T00:00:00.000Z', '2026-11-26T00:00:00.000Z'],
    ['UTC', '2026-11-25T23:59:59.999Z', '2026-11-25T00:00:00.000Z', '2026-11-26T00:00:00.000Z'],
    ['Europe/Berlin', '2026-11-25T22:59:59.999Z', '2026-11-24T23:00:00.000Z', '2026-11-25T23:00:00.000Z'],
    ['Europe/Berlin', '2026-11-25T23:00:00Z', '2026-11-25T23:00:00.000Z', '2026-11-26T23:00:00.000Z'],
    // Spring forward: a 23-hour day.
    ['Europe/Berlin', '2026-03-29T12:00:00Z', '2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z'],
    // Fall back: a 25-hour day.
    ['Europe/Berlin', '2026-10-25T12:00:00Z', '2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z'],
    ['America/New_York', '2026-03-08T18:00:00Z', '2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z'],
    // Midnight did not exist: São Paulo's DST began at 00:00 on 4 Nov 2018, so the day began at 01:00.
    ['America/Sao_Paulo', '2018-11-04T12:00:00Z', '2018-11-04T03:00:00.000Z', '2018-11-05T02:00:00.000Z'],
    // Half-hour and quarter-hour offsets.
    ['Asia/Kolkata', '2026-11-25T00:00:00Z', '2026-11-24T18:30:00.000Z', '2026-11-25T18:30:00.000Z'],
    ['Asia/Kathmandu', '2026-11-25T00:00:00Z', '2026-11-24T18:15:00.000Z', '2026-11-25T18:15:00.000Z'],
    // Samoa skipped 30 Dec 2011 entirely: the day after the 29th is the 31st.
    ['Pacific/Apia', '2011-12-29T12:00:00Z', '2011-12-29T10:00:00.000Z', '2011-12-30T10:00:00.000Z'],
    ['Pacific/Kiritimati', '2026-06-01T09:59:59Z', '2026-05-31T10:00:00.000Z', '2026-06-01T10:00:00.000Z'],
  ])('%s at %s: day starts %s, next day %s', (zone, now, start, next) => {
    expect(iso(startOfDay(Date.parse(now), zone))).toBe(start);
    expect(iso(startOfNextDay(Date.parse(now), zone))).toBe(next);
  });

  it('rejects an unknown time zone with a message that says where to fix it', () => {
    expect(() => startOfDay(Date.now(), 'Mars/Olympus')).toThrow(
      'unknown time zone "Mars/Olympus" (instance.timezone in omniclaw.yaml); use an IANA name such as "Europe/Berlin"',
    );
  });
});
