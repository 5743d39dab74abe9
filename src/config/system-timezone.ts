/**
 * This machine's time zone, the default of `instance.timezone`. Hand-written rather than
 * `Intl.DateTimeFormat().resolvedOptions().timeZone` because the first Intl object of a
 * process loads ICU's locale and zone data: 7-8 MB of RSS that an idle daemon without
 * scheduled tasks never needs otherwise (docs/performance.md). It reads the name the way
 * ICU finds it on Linux and macOS (the TZ variable, then the /etc/localtime link into a
 * zoneinfo folder) and asks Intl whenever the system does not name a zone plainly.
 */
import { existsSync, realpathSync } from 'node:fs';

const ZONEINFO = '/usr/share/zoneinfo';
/** Area/City names as in the tz database: letters, digits, "_", "+", "-", no "." (no ".."). */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/** "…/zoneinfo/posix/Europe/Berlin" → "Europe/Berlin"; undefined for a path outside zoneinfo. */
function zoneOfPath(path: string): string | undefined {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return undefined;
  }
  const at = real.lastIndexOf('/zoneinfo/');
  if (at < 0) return undefined;
  const name = real.slice(at + '/zoneinfo/'.length).replace(/^(posix|right)\//, '');
  return ZONE_NAME.test(name) ? name : undefined;
}

/** TZ=Europe/Berlin, TZ=:Europe/Berlin or TZ=/usr/share/zoneinfo/Europe/Berlin; not POSIX rules like "CET-1CEST". */
function zoneOfTz(tz: string | undefined): string | undefined {
  const value = tz?.replace(/^:/, '');
  if (!value) return undefined;
  if (value.startsWith('/')) return zoneOfPath(value);
  return ZONE_NAME.test(value) && existsSync(`${ZONEINFO}/${value}`) ? value : undefined;
}

export function systemTimezone(env: NodeJS.ProcessEnv = process.env): string {
  return (
    zoneOfTz(env.TZ) ??
    zoneOfPath('/etc/localtime') ??
    (Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC')
  );
}
