/**
 * Wires the scheduler into the host: declarative tasks reconciled, crash recovery, the
 * timer, task runs through the agent queue, heartbeats from CLAUDE.md, budgets and the
 * daily heartbeat cap, metrics and the control-socket requests of `omniclaw tasks`.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/normalise.js';
import { agentFolder, type InstancePaths } from '../config/paths.js';
import type { AgentQueue } from '../core/agent-queue.js';
import type { RunDeps } from '../core/agent-run.js';
import { checkBudget, startOfDay, startOfNextDay } from '../core/budget.js';
import type { Refusal as RunRefusal } from '../core/failure-notice.js';
import type { ControlSocket } from '../transport/control-socket.js';
import type { Metrics } from '../observability/metrics.js';
import type { Store } from '../store/index.js';
import type { Task } from '../store/tasks.js';
import type { AgentConfig } from '../config/normalise.js';
import { heartbeatPromptFile } from './heartbeat.js';
import { schedulerMetrics } from './metrics.js';
import { reconcileDeclaredTasks } from './reconcile.js';
import { Scheduler } from './scheduler.js';
import { TaskRun, type TaskRunOutcome } from './task-run.js';
import type { TaskService } from './task-service.js';

export interface SchedulerOptions {
  config: Config;
  paths: InstancePaths;
  store: Store;
  queue: AgentQueue;
  runDeps: RunDeps;
  metrics: Metrics;
  logger: Logger;
  service: TaskService;
  control: ControlSocket;
  /** The model and budget checks of chat runs: a refusal skips the due time, its text the reason. */
  refuse(agent: AgentConfig): RunRefusal | undefined;
  now?: () => number;
}

export interface StartedScheduler {
  scheduler: Scheduler;
  status(): { counts: Record<Task['status'], number>; nextDueAt?: number };
  stop(): void;
}

export function startScheduler(options: SchedulerOptions): StartedScheduler {
  const { config, store, queue, logger } = options;
  const now = options.now ?? Date.now;
  const log = logger.child({ component: 'scheduler' });
  const reconciled = reconcileDeclaredTasks({ tasks: store.tasks, config, now: now(), logger: log });
  if (reconciled.added.length + reconciled.changed.length + reconciled.removed.length)
    log.info(reconciled, 'declared tasks reconciled');
  const metrics = schedulerMetrics(options.metrics.registry, () => store.tasks.earliestDue());
  const timezone = config.instance.timezone;

  const scheduler = new Scheduler({
    tasks: store.tasks,
    timezone,
    graceMs: config.scheduler.graceMs,
    logger: log,
    now,
    agent: (id) => config.agents.find((a) => a.id === id),
    refuse: (agent, task) => {
      // Budget first, in words for the task's chat (told once per skip streak, scheduler.ts).
      const at = now();
      const budget = checkBudget(agent.budget, store.runs.usageSince(agent.id, startOfDay(at, timezone)), {
        agentName: agent.name,
        resetsAt: startOfNextDay(at, timezone),
        timezone,
        refused: `the ${task.kind === 'heartbeat' ? 'heartbeat' : `scheduled task ${task.id}`} was skipped`,
      });
      if (!budget.allowed) return { reason: budget.message, tell: budget.message };
      const refusal = options.refuse(agent);
      if (refusal) return refusal.userText;
      if (task.kind !== 'heartbeat') return undefined;
      const used = store.tasks.heartbeatRunsSince(agent.id, startOfDay(now(), timezone));
      return used >= config.scheduler.heartbeatDailyCap
        ? `the daily heartbeat cap of ${config.scheduler.heartbeatDailyCap} runs for agent "${agent.id}" is reached`
        : undefined;
    },
    tell: (agent, task, text) => {
      store.outbox.enqueue({
        channel: options.runDeps.channelOf(task.chat) ?? 'unknown',
        chat: task.chat,
        text,
        agent: agent.id,
      });
      options.runDeps.outbox.kick();
    },
    heartbeatPrompt: (agent) => heartbeatPromptFile(join(agentFolder(options.paths, agent.id), 'CLAUDE.md')),
    start: ({ agent, task, runRow }) => {
      let resolve!: (outcome: TaskRunOutcome) => void;
      const outcome = new Promise<TaskRunOutcome>((r) => (resolve = r));
      const accepted = queue.submitTask(agent, {
        start: () => {
          const run = new TaskRun(agent, task, options.runDeps);
          if (!store.tasks.started(runRow, run.id)) {
            // Another scheduler recovered this claim (our lease ran out): it is due there, not here.
            log.warn(
              { task: task.id, agent: agent.id },
              'task claim was taken over meanwhile; not started here',
            );
            resolve({ ok: false, claimLost: true });
            return { ended: Promise.resolve(), stop: () => Promise.resolve() };
          }
          void run.ended.then(resolve);
          void run.start();
          return run;
        },
      });
      return accepted ? outcome : false;
    },
    observe: {
      lateness: (task, ms) => metrics.lateness.observe({ kind: task.kind }, ms / 1000),
      result: (_task, result) => options.metrics.taskResults.inc({ result }),
    },
  });
  options.service.onChange(() => scheduler.changed());

  // `omniclaw tasks …` changes the database itself and then tells the daemon.
  options.control.handle('tasks_changed', (_m, client) => {
    scheduler.changed();
    client.send({ type: 'tasks_changed' });
  });
  options.control.handle('task_run', (message, client) => {
    const started = scheduler.runNow(String(message.id));
    client.send(
      started.ok ? { type: 'task_run', runRow: started.runRow } : { type: 'error', message: started.error },
    );
  });

  scheduler.start();
  return {
    scheduler,
    status: () => ({ counts: store.tasks.counts(), nextDueAt: store.tasks.earliestDue() }),
    stop: () => scheduler.stop(),
  };
}
