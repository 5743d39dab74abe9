/**
 * Declarative tasks: the `tasks:` list and agents' `heartbeat:` in omniclaw.yaml are
 * reconciled into the database at start. New ones are added, changed ones updated (a new
 * schedule is planned afresh), removed ones cancelled; rows are never deleted, so their
 * run history stays. A task an agent created is never touched by this, except a heartbeat
 * the config now declares: the config takes it over.
 *
 * Precedence: each task remembers its entry as last applied (`declared`). An entry that
 * did not change since is left alone, so a change made at runtime (configure_heartbeat,
 * update_task, pause/cancel from the CLI) survives restarts; editing the entry applies it
 * again, over the runtime change. That is the rule people expect from a config file: it
 * is applied when you change it, it does not undo other changes behind your back.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/normalise.js';
import type { Task, TaskStore } from '../store/tasks.js';
import { planSchedule } from './plan.js';
import { parseSchedule, scheduleValue, type ScheduleKind } from './schedule.js';
import { DEFAULT_HEARTBEAT_MS, heartbeatTaskId } from './task-service.js';

interface Wanted {
  where: string;
  id: string;
  agent: string;
  chat: string;
  prompt: string;
  kind: Task['kind'];
  scheduleType: ScheduleKind;
  scheduleValue: string;
  contextMode: Task['contextMode'];
  output: Task['output'];
  enabled: boolean;
}

export interface ReconcileResult {
  added: string[];
  changed: string[];
  removed: string[];
}

const HEARTBEAT_PROMPT = '(read from the "## Heartbeat" and "## Goals" sections of CLAUDE.md when due)';

function wantedTasks(config: Config): Wanted[] {
  const chatOf = (agent: string, chat: string | undefined, where: string): string => {
    if (!config.agents.some((a) => a.id === agent)) throw new Error(`${where}: no agent "${agent}"`);
    const found = chat ?? config.routes.find((r) => r.agent === agent)?.chat;
    if (!found) throw new Error(`${where}: agent "${agent}" has no routed chat; give chat:`);
    return found;
  };
  const wanted: Wanted[] = config.tasks.map((t, i) => {
    const where = `tasks[${i}] (${t.id})`;
    const [scheduleType, value]: [ScheduleKind, string] =
      t.cron !== undefined
        ? ['cron', t.cron]
        : t.intervalMs !== undefined
          ? ['interval', String(t.intervalMs)]
          : ['once', t.at!];
    return {
      where,
      id: t.id,
      agent: t.agent,
      chat: chatOf(t.agent, t.chat, where),
      prompt: t.prompt,
      kind: 'task',
      scheduleType,
      scheduleValue: value,
      contextMode: t.contextMode,
      output: t.output,
      enabled: t.enabled,
    };
  });
  for (const agent of config.agents) {
    if (!agent.heartbeat) continue;
    const where = `agents.${agent.id}.heartbeat`;
    const h = agent.heartbeat;
    wanted.push({
      where,
      id: heartbeatTaskId(agent.id),
      agent: agent.id,
      chat: chatOf(agent.id, h.chat, where),
      prompt: HEARTBEAT_PROMPT,
      kind: 'heartbeat',
      scheduleType: h.cron !== undefined ? 'cron' : 'interval',
      scheduleValue: h.cron ?? String(h.intervalMs ?? DEFAULT_HEARTBEAT_MS),
      contextMode: 'group',
      output: 'send_message',
      enabled: true,
    });
  }
  const ids = new Set<string>();
  for (const w of wanted) {
    if (ids.has(w.id)) throw new Error(`${w.where}: the task id "${w.id}" is declared twice`);
    ids.add(w.id);
  }
  return wanted;
}

export function reconcileDeclaredTasks(options: {
  tasks: TaskStore;
  config: Config;
  now: number;
  logger: Logger;
}): ReconcileResult {
  const { tasks, config, now, logger } = options;
  const timezone = config.instance.timezone;
  const result: ReconcileResult = { added: [], changed: [], removed: [] };
  const wanted = wantedTasks(config);
  for (const w of wanted) {
    let normalised: string;
    try {
      normalised = scheduleValue(parseSchedule(w.scheduleType, w.scheduleValue, timezone));
    } catch (err) {
      throw new Error(`${w.where}: ${(err as Error).message}`);
    }
    let existing = tasks.get(w.id);
    const entry = JSON.stringify({
      agent: w.agent,
      chat: w.chat,
      prompt: w.prompt,
      scheduleType: w.scheduleType,
      scheduleValue: normalised,
      contextMode: w.contextMode,
      output: w.output,
      enabled: w.enabled,
    });
    // A heartbeat an agent set with configure_heartbeat, now declared: the entry takes over.
    if (existing && existing.source !== 'config' && w.kind === 'heartbeat') {
      existing = { ...existing, declared: undefined };
      tasks.update(w.id, { source: 'config' });
    } else if (existing && existing.source !== 'config') {
      throw new Error(
        `${w.where}: the id "${w.id}" belongs to a task created by ${existing.createdBy ?? 'an agent'}; choose another id`,
      );
    }
    // The entry is as it was last applied: what changed since was done at runtime, and stays.
    if (existing?.declared === entry) continue;
    const sameSchedule = existing?.scheduleType === w.scheduleType && existing.scheduleValue === normalised;
    let plan: ReturnType<typeof planSchedule> | undefined;
    // A changed schedule, or a removed task declared again, is planned afresh from now.
    if (!sameSchedule || existing?.status === 'cancelled') {
      try {
        plan = planSchedule(w.scheduleType, w.scheduleValue, timezone, now);
      } catch (err) {
        // A one-time task whose time has passed: nothing to run, say so, go on.
        logger.warn({ task: w.id, err: (err as Error).message }, `${w.where}: not scheduled`);
        continue;
      }
    }
    const fields = {
      agent: w.agent,
      chat: w.chat,
      prompt: w.prompt,
      contextMode: w.contextMode,
      output: w.output,
    };
    if (!existing) {
      tasks.create({
        id: w.id,
        kind: w.kind,
        source: 'config',
        createdBy: 'omniclaw.yaml',
        ...fields,
        ...plan!,
        status: w.enabled ? 'active' : 'paused',
      });
      tasks.update(w.id, { declared: entry });
      result.added.push(w.id);
      continue;
    }
    const status: Task['status'] = !w.enabled
      ? 'paused'
      : existing.status === 'cancelled' || (plan && existing.status !== 'paused')
        ? 'active'
        : existing.status;
    const differs =
      !sameSchedule ||
      status !== existing.status ||
      (Object.keys(fields) as (keyof typeof fields)[]).some((k) => existing[k] !== fields[k]);
    if (!differs) {
      tasks.update(w.id, { declared: entry });
      continue;
    }
    tasks.update(w.id, {
      ...fields,
      declared: entry,
      status,
      ...(plan ? { ...plan, nextRunAt: plan.nextRunAt ?? null } : {}),
    });
    result.changed.push(w.id);
  }
  const declared = new Set(wanted.map((w) => w.id));
  for (const task of tasks.list({ includeCancelled: false })) {
    if (task.source !== 'config' || declared.has(task.id)) continue;
    // Forgotten, so the same entry declared again later is applied again.
    tasks.update(task.id, { status: 'cancelled', nextRunAt: null, declared: null });
    result.removed.push(task.id);
  }
  return result;
}
