/** The test helper that keeps daily budgets away from midnight: noon there, at every UTC hour. */
import { describe, expect, it } from 'vitest';
import { middayZone } from '../helpers/midday-zone.js';

describe('middayZone', () => {
  it.each(Array.from({ length: 24 }, (_, hour) => [hour]))('is noon there at %i:30 UTC', (hour) => {
    const at = Date.UTC(2026, 11, 4, hour, 30);
    const local = new Intl.DateTimeFormat('en-GB', {
      timeZone: middayZone(at),
      hour: 'numeric',
      hourCycle: 'h23',
    });
    expect(Number(local.format(at))).toBe(12);
  });
});
