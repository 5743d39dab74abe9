/**
 * A time zone where it is about noon now: a test of a daily budget or a "today" count that
 * sets it never has a local midnight fall inside it, whenever CI runs. A fixed offset
 * (`Etc/GMT±N`, no summer time); the Etc names invert the sign (Etc/GMT-12 is UTC+12).
 */
export function middayZone(at = Date.now()): string {
  const offset = 12 - new Date(at).getUTCHours(); // -11 … 12
  if (offset === 0) return 'UTC';
  return `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}
