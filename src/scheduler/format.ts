/** How tasks read in tool results and the CLI: local times in the instance time zone. */
import type { Task, TaskRunRecord } from '../store/tasks.js';
import { describeSchedule } from './schedule.js';
import { scheduleOf } from './plan.js';

/** "2026-02-01 15:30:00" in the given zone. */
export function localTime(at: number | undefined, timezone: string): string {
  if (at === undefined) return '—';
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).format(at);
}

const clip = (text: string, max: number): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
};

export function describeTask(task: Task, timezone: string): string {
  let schedule: string;
  try {
    schedule = describeSchedule(scheduleOf(task, timezone), timezone);
  } catch {
    schedule = `${task.scheduleType} "${task.scheduleValue}" (invalid)`;
  }
  const lines = [
    `${task.id} [${task.status}] ${task.kind === 'heartbeat' ? 'heartbeat' : 'task'} of ${task.agent} for ${task.chat}: ${schedule}`,
    `  next: ${task.status === 'active' ? localTime(task.nextRunAt, timezone) : '—'} · last: ${localTime(task.lastRunAt, timezone)}${task.lastStatus ? ` (${task.lastStatus})` : ''} · context ${task.contextMode} · output ${task.output}`,
  ];
  if (task.kind === 'task') lines.push(`  prompt: ${clip(task.prompt, 200)}`);
  if (task.lastResult) lines.push(`  last result: ${clip(task.lastResult, 200)}`);
  return lines.join('\n');
}

export function describeRun(run: TaskRunRecord, timezone: string): string {
  const duration =
    run.startedAt !== undefined && run.endedAt !== undefined
      ? ` ${((run.endedAt - run.startedAt) / 1000).toFixed(1)} s`
      : '';
  const late =
    run.startedAt !== undefined ? ` late ${((run.startedAt - run.dueAt) / 1000).toFixed(1)} s` : '';
  const usage =
    run.inputTokens || run.outputTokens
      ? ` ${run.inputTokens}+${run.outputTokens} tokens $${run.costUsd.toFixed(4)}`
      : '';
  const text = run.error ?? run.result;
  return `${localTime(run.dueAt, timezone)} ${run.status}${duration}${late}${usage}${text ? ` — ${clip(text, 200)}` : ''}`;
}
