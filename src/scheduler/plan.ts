/**
 * From a schedule as written (tool arguments, config, CLI) to the stored columns of a task:
 * its validated value, interval anchor and first due time. Pure; the clock is a parameter.
 */
import type { Task } from '../store/tasks.js';
import {
  nextDue,
  parseSchedule,
  ScheduleError,
  scheduleValue,
  type Schedule,
  type ScheduleKind,
} from './schedule.js';

export interface PlannedSchedule {
  scheduleType: ScheduleKind;
  scheduleValue: string;
  anchorAt?: number;
  nextRunAt?: number;
}

/** A new schedule starting now: an interval's first run is one interval from now (its anchor). */
export function planSchedule(
  kind: ScheduleKind,
  value: string,
  timezone: string,
  now: number,
): PlannedSchedule {
  const schedule = parseSchedule(kind, value, timezone);
  if (schedule.kind === 'once' && schedule.at <= now) {
    throw new ScheduleError(
      `the time ${new Date(schedule.at).toISOString()} is in the past (now ${new Date(now).toISOString()}, time zone ${timezone}); give a future time`,
    );
  }
  const anchorAt = schedule.kind === 'interval' ? now + schedule.everyMs : undefined;
  return {
    scheduleType: kind,
    scheduleValue: scheduleValue(schedule),
    anchorAt,
    nextRunAt: nextDue(schedule, now, { timezone, anchor: anchorAt }),
  };
}

/** The schedule of a stored task (its value was validated when it was stored). */
export function scheduleOf(task: Pick<Task, 'scheduleType' | 'scheduleValue'>, timezone: string): Schedule {
  return parseSchedule(task.scheduleType, task.scheduleValue, timezone);
}

/** When a resumed task is next due: recurring ones keep their phase; a one-time task keeps its time. */
export function resumedNextRun(task: Task, timezone: string, now: number): number | undefined {
  const schedule = scheduleOf(task, timezone);
  if (schedule.kind === 'once') return schedule.at;
  return nextDue(schedule, now, { timezone, anchor: task.anchorAt });
}
