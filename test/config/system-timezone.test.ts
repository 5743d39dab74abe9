/** The default time zone is read from the system without Intl (src/config/system-timezone.ts). */
import { describe, expect, it } from 'vitest';
import { systemTimezone } from '../../src/config/system-timezone.js';

/** Two zone names keep the same clock: equal UTC offsets at instants across two years. */
function sameClock(a: string, b: string): boolean {
  const offset = (zone: string, at: number): string =>
    new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).format(at);
  const instants = Array.from({ length: 24 }, (_, month) =>
    Date.UTC(2026 + Math.floor(month / 12), month % 12, 15),
  );
  return instants.every((at) => offset(a, at) === offset(b, at));
}

describe('systemTimezone', () => {
  it('names the zone Intl sees for this process', () => {
    const zone = systemTimezone();
    expect(sameClock(zone, Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC')).toBe(true);
  });

  it('takes TZ as a name, a ":name" or a path into zoneinfo (needs the tz database, as on any Linux here)', () => {
    expect(systemTimezone({ TZ: 'Asia/Tokyo' })).toBe('Asia/Tokyo');
    expect(systemTimezone({ TZ: ':America/New_York' })).toBe('America/New_York');
    expect(systemTimezone({ TZ: '/usr/share/zoneinfo/posix/Europe/Berlin' })).toBe('Europe/Berlin');
  });

  it('ignores a TZ that is not a zone it can find, as ICU does, and falls back to the machine zone', () => {
    const machine = systemTimezone({});
    for (const TZ of ['CET-1CEST', 'No/Such_Zone', '../../etc/passwd', '/etc/passwd', ''])
      expect(systemTimezone({ TZ })).toBe(machine);
  });
});
