/**
 * The scheduler's parts the host needs before it starts: the task rules (shared by the
 * agent tools and `omniclaw tasks`), the seven task tools, and the tasks section of
 * `omniclaw status`. `startScheduler` (start.ts) then arms the timer.
 */
import type { HostContext } from '../core/host-context.js';
import type { Store } from '../store/index.js';
import type { Task } from '../store/tasks.js';
import { TaskService } from './task-service.js';
import { schedulerTools } from './tools.js';

export interface TaskStatus {
  counts: Record<Task['status'], number>;
  nextDueAt?: number;
}

export interface SchedulerSetup {
  service: TaskService;
  tools: ReturnType<typeof schedulerTools>;
  status(): TaskStatus;
}

export function setUpScheduler(options: HostContext & { store: Store }): SchedulerSetup {
  const { config, store } = options;
  const service = new TaskService({
    tasks: store.tasks,
    timezone: () => config.instance.timezone,
    routes: () => config.routes,
    agents: () => config.agents,
    now: options.now,
  });
  return {
    service,
    tools: schedulerTools(service),
    status: () => ({ counts: store.tasks.counts(), nextDueAt: store.tasks.earliestDue() }),
  };
}
