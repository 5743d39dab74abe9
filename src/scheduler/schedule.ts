/**
 * Schedule maths: pure functions from a schedule, a time zone and an instant to the next
 * (or latest) due instant. Cron and local one-time dates go through croner, which handles
 * time zones and DST (a time skipped by spring-forward runs at the first instant after the
 * gap; a repeated fall-back hour runs once). Intervals are anchored to their first run, so
 * every due time is anchor + k × every and a late or paused run never shifts later ones.
 */
import { Cron } from 'croner';

export type ScheduleKind = 'cron' | 'interval' | 'once';

export type Schedule =
  { kind: 'cron'; expr: string } | { kind: 'interval'; everyMs: number } | { kind: 'once'; at: number };

/** A schedule the agent or operator got wrong: the message says what to write instead. */
export class ScheduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleError';
  }
}

export const MIN_INTERVAL_MS = 10_000;
/** Longest interval accepted: about a year. */
export const MAX_INTERVAL_MS = 366 * 24 * 3600_000;

const cronOf = (expr: string, timezone: string): Cron =>
  new Cron(expr, { timezone, paused: true, mode: '5-or-6-parts' });

/** Parses and validates a schedule as the tools and the config write it. */
export function parseSchedule(kind: ScheduleKind, value: string, timezone: string): Schedule {
  const text = value.trim();
  if (kind === 'cron') {
    try {
      cronOf(text, timezone);
    } catch (error) {
      throw new ScheduleError(
        `invalid cron expression "${text}": ${(error as Error).message}; write five fields, e.g. "0 9 * * 1-5" (09:00 on weekdays)`,
      );
    }
    return { kind, expr: text };
  }
  if (kind === 'interval') {
    if (!/^\d+$/.test(text)) {
      throw new ScheduleError(
        `invalid interval "${text}": write whole milliseconds, e.g. "3600000" for one hour`,
      );
    }
    const everyMs = Number(text);
    if (everyMs < MIN_INTERVAL_MS || everyMs > MAX_INTERVAL_MS) {
      throw new ScheduleError(
        `interval ${everyMs} ms is out of range: use ${MIN_INTERVAL_MS} ms (10 s) to ${MAX_INTERVAL_MS} ms (366 days)`,
      );
    }
    return { kind, everyMs };
  }
  return { kind: 'once', at: parseInstant(text, timezone) };
}

/**
 * A one-time date: a local ISO time ("2026-02-01T15:30:00", read in the instance time zone)
 * or an absolute instant ("…Z" or "…+01:00").
 */
export function parseInstant(text: string, timezone: string): number {
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/;
  const bad = new ScheduleError(
    `invalid time "${text}": write a local time like "2026-02-01T15:30:00" (time zone ${timezone}) or an instant like "2026-02-01T14:30:00Z"`,
  );
  if (!iso.test(text)) throw bad;
  if (/(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    const at = Date.parse(text);
    if (!Number.isFinite(at)) throw bad;
    return at;
  }
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  // Date arithmetic would roll 30 February over into March: refuse a day that does not exist.
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) throw bad;
  const withSeconds = /T\d{2}:\d{2}$/.test(text) ? `${text}:00` : text;
  let next: Date | null;
  try {
    // croner reads a date without offset in the job's time zone (DST-aware).
    next = new Cron(withSeconds.replace(/\.\d+$/, ''), { timezone, paused: true }).nextRun(new Date(0));
  } catch {
    throw bad;
  }
  if (!next) throw bad;
  return next.getTime();
}

/** The schedule as stored: type and value columns. */
export function scheduleValue(schedule: Schedule): string {
  if (schedule.kind === 'cron') return schedule.expr;
  if (schedule.kind === 'interval') return String(schedule.everyMs);
  return new Date(schedule.at).toISOString();
}

export interface DueContext {
  timezone: string;
  /** The first due time of an interval (its anchor). */
  anchor?: number;
}

/** The first due instant strictly after `after`, or undefined when there is none. */
export function nextDue(schedule: Schedule, after: number, context: DueContext): number | undefined {
  switch (schedule.kind) {
    case 'cron':
      return cronOf(schedule.expr, context.timezone).nextRun(new Date(after))?.getTime();
    case 'interval': {
      const anchor = context.anchor ?? after + schedule.everyMs;
      if (after < anchor) return anchor;
      const k = Math.floor((after - anchor) / schedule.everyMs) + 1;
      return anchor + k * schedule.everyMs;
    }
    case 'once':
      return schedule.at > after ? schedule.at : undefined;
  }
}

/** The latest due instant at or before `at` (and at or after `from`), for catch-up after downtime. */
export function latestDue(
  schedule: Schedule,
  from: number,
  at: number,
  context: DueContext,
): number | undefined {
  let found: number | undefined;
  switch (schedule.kind) {
    case 'cron': {
      const previous = cronOf(schedule.expr, context.timezone).previousRuns(1, new Date(at + 1))[0];
      found = previous?.getTime();
      break;
    }
    case 'interval': {
      const anchor = context.anchor ?? from;
      if (at < anchor) return undefined;
      found = anchor + Math.floor((at - anchor) / schedule.everyMs) * schedule.everyMs;
      break;
    }
    case 'once':
      found = schedule.at <= at ? schedule.at : undefined;
  }
  return found !== undefined && found >= from ? found : undefined;
}

/** A short description for lists: "cron 0 9 * * * (Europe/Berlin)", "every 5 min", "once at …". */
export function describeSchedule(schedule: Schedule, timezone: string): string {
  if (schedule.kind === 'cron') return `cron "${schedule.expr}" (${timezone})`;
  if (schedule.kind === 'interval') return `every ${formatEvery(schedule.everyMs)}`;
  return `once at ${new Date(schedule.at).toISOString()}`;
}

function formatEvery(ms: number): string {
  if (ms % 3600_000 === 0) return `${ms / 3600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}
