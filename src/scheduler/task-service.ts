/**
 * Task management with its rules, shared by the agent tools and the CLI: create, list,
 * pause, resume, cancel, update, heartbeats. Who may touch which task is decided here from
 * the caller's identity: a non-main agent sees and changes only its own tasks and chats
 * (another agent's task id answers exactly like an unknown one, so ids cannot be probed);
 * the main agent and the operator manage all.
 */
import { randomBytes } from 'node:crypto';
import type { AgentConfig, Route } from '../config/normalise.js';
import type { Task, TaskStore } from '../store/tasks.js';
import { chatAccess } from '../tools/authorise.js';
import { planSchedule, resumedNextRun } from './plan.js';
import type { ScheduleKind } from './schedule.js';

export class TaskRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaskRequestError';
  }
}

/** Who asks: an agent's run (for a chat), or the operator at the CLI. */
export type Caller = { agent: Pick<AgentConfig, 'id' | 'main'>; chat: string } | { operator: true };

export interface TaskServiceDeps {
  tasks: TaskStore;
  timezone: () => string;
  routes: () => readonly Route[];
  agents: () => readonly AgentConfig[];
  now?: () => number;
}

export const DEFAULT_HEARTBEAT_MS = 30 * 60_000;
export const heartbeatTaskId = (agentId: string): string => `heartbeat-${agentId}`;
const newTaskId = (): string => `t-${randomBytes(6).toString('hex')}`;

export interface NewTaskRequest {
  prompt: string;
  scheduleType: ScheduleKind;
  scheduleValue: string;
  contextMode?: Task['contextMode'];
  output?: Task['output'];
  /** A chat other than the caller's (main agent and operator only; other agents: their own chats). */
  chat?: string;
  /** The operator names the agent; an agent's run is its own agent unless main targets another chat. */
  agent?: string;
}

export class TaskService {
  private readonly listeners: (() => void)[] = [];
  private readonly now: () => number;

  constructor(private readonly deps: TaskServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Called after every change (the scheduler re-arms its timer). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  get timezone(): string {
    return this.deps.timezone();
  }

  create(caller: Caller, request: NewTaskRequest): Task {
    const { agent, chat } = this.target(caller, request.chat, request.agent);
    const plan = this.plan(request.scheduleType, request.scheduleValue);
    const task = this.deps.tasks.create({
      id: newTaskId(),
      agent,
      chat,
      prompt: request.prompt,
      ...plan,
      contextMode: request.contextMode ?? 'group',
      output: request.output ?? 'send_message',
      source: 'operator' in caller ? 'cli' : 'agent',
      createdBy: 'operator' in caller ? 'operator' : caller.agent.id,
    });
    this.changed();
    return task;
  }

  /** Tasks the caller may see (cancelled ones only on request). */
  list(caller: Caller, options: { includeCancelled?: boolean } = {}): Task[] {
    const all = this.deps.tasks.list({ includeCancelled: options.includeCancelled });
    return all.filter((t) => this.visible(caller, t));
  }

  get(caller: Caller, id: string): Task {
    const task = this.deps.tasks.get(id);
    if (!task || !this.visible(caller, task) || (task.status === 'cancelled' && !('operator' in caller))) {
      const whose =
        'operator' in caller || caller.agent.main ? '' : ` among the tasks of agent "${caller.agent.id}"`;
      throw new TaskRequestError(`no task "${id}"${whose}; list_tasks shows the ids`);
    }
    return task;
  }

  pause(caller: Caller, id: string): Task {
    const task = this.get(caller, id);
    if (task.status === 'paused') return task;
    if (task.status !== 'active')
      throw new TaskRequestError(`task ${id} is ${task.status}; only an active task can be paused`);
    return this.save(id, { status: 'paused' });
  }

  resume(caller: Caller, id: string): Task {
    const task = this.get(caller, id);
    if (task.status === 'active') return task;
    if (task.status !== 'paused')
      throw new TaskRequestError(`task ${id} is ${task.status}; only a paused task can be resumed`);
    return this.save(id, {
      status: 'active',
      nextRunAt: resumedNextRun(task, this.timezone, this.now()) ?? null,
    });
  }

  /** Cancelled tasks stop for good; their row and run log stay for `omniclaw tasks logs`. */
  cancel(caller: Caller, id: string): Task {
    this.get(caller, id);
    return this.save(id, { status: 'cancelled', nextRunAt: null });
  }

  update(
    caller: Caller,
    id: string,
    patch: { prompt?: string; scheduleType?: ScheduleKind; scheduleValue?: string },
  ): Task {
    const task = this.get(caller, id);
    if (task.status === 'completed' || task.status === 'cancelled')
      throw new TaskRequestError(`task ${id} is ${task.status}; schedule a new task instead`);
    if (
      patch.scheduleValue === undefined &&
      patch.scheduleType !== undefined &&
      patch.scheduleType !== task.scheduleType
    )
      throw new TaskRequestError('a new schedule_type needs its schedule_value too');
    const changes: Parameters<TaskStore['update']>[1] = {};
    if (patch.prompt !== undefined) changes.prompt = patch.prompt;
    if (patch.scheduleValue !== undefined) {
      const plan = this.plan(patch.scheduleType ?? task.scheduleType, patch.scheduleValue);
      Object.assign(changes, { ...plan, nextRunAt: plan.nextRunAt ?? null });
      if (task.status === 'failed') changes.status = 'active';
    }
    return this.save(id, changes);
  }

  /** Turns an agent's heartbeat on (creating or changing it) or off. */
  configureHeartbeat(
    caller: Caller,
    request: {
      enabled: boolean;
      scheduleType?: 'cron' | 'interval';
      value?: string;
      chat?: string;
      agent?: string;
    },
  ): Task | undefined {
    const { agent, chat } = this.target(caller, request.chat, request.agent);
    const id = heartbeatTaskId(agent);
    const existing = this.deps.tasks.get(id);
    if (!request.enabled) {
      if (!existing || existing.status === 'cancelled') return undefined;
      return this.save(id, { status: 'paused' });
    }
    const plan = this.plan(request.scheduleType ?? 'interval', request.value ?? String(DEFAULT_HEARTBEAT_MS));
    if (existing) {
      // A declared heartbeat keeps its source: the change lasts until its omniclaw.yaml entry
      // changes (reconcile.ts). One the config dropped (cancelled) becomes the caller's own.
      const revived =
        existing.status === 'cancelled'
          ? { source: 'operator' in caller ? ('cli' as const) : ('agent' as const), declared: null }
          : {};
      return this.save(id, {
        ...plan,
        nextRunAt: plan.nextRunAt ?? null,
        chat,
        status: 'active',
        ...revived,
      });
    }
    const task = this.deps.tasks.create({
      id,
      agent,
      chat,
      prompt: '(read from the "## Heartbeat" and "## Goals" sections of CLAUDE.md when due)',
      kind: 'heartbeat',
      ...plan,
      source: 'operator' in caller ? 'cli' : 'agent',
      createdBy: 'operator' in caller ? 'operator' : caller.agent.id,
    });
    this.changed();
    return task;
  }

  private plan(kind: ScheduleKind, value: string): ReturnType<typeof planSchedule> {
    try {
      return planSchedule(kind, value, this.timezone, this.now());
    } catch (err) {
      throw new TaskRequestError((err as Error).message);
    }
  }

  private save(id: string, changes: Parameters<TaskStore['update']>[1]): Task {
    const task = this.deps.tasks.update(id, changes)!;
    this.changed();
    return task;
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  private visible(caller: Caller, task: Task): boolean {
    return 'operator' in caller || caller.agent.main || task.agent === caller.agent.id;
  }

  /** The agent that runs the task and the chat it belongs to, checked against the caller. */
  private target(
    caller: Caller,
    chat: string | undefined,
    agentId: string | undefined,
  ): { agent: string; chat: string } {
    const routes = this.deps.routes();
    if ('operator' in caller) {
      const agent = agentId ?? routes.find((r) => r.chat === chat)?.agent;
      if (!agent || !this.deps.agents().some((a) => a.id === agent))
        throw new TaskRequestError(
          `no agent "${agentId ?? '(none)'}": give --agent with a configured agent id`,
        );
      const target = chat ?? routes.find((r) => r.agent === agent)?.chat;
      if (!target) throw new TaskRequestError(`agent "${agent}" has no chat; give --chat`);
      return { agent, chat: target };
    }
    const target = chat ?? caller.chat;
    if (
      target !== caller.chat &&
      !caller.agent.main &&
      !routes.some((r) => r.chat === target && r.agent === caller.agent.id)
    ) {
      throw new TaskRequestError(
        `not allowed: agent "${caller.agent.id}" may only schedule for its own chats; only the main agent schedules for other chats`,
      );
    }
    const access = chatAccess(caller.agent, target, caller.chat, routes);
    if (!access.allowed) throw new TaskRequestError(access.reason);
    // The main agent scheduling for another chat: the task runs as the agent that answers there.
    const agent =
      target === caller.chat
        ? caller.agent.id
        : (routes.find((r) => r.chat === target && r.agent === caller.agent.id)?.agent ??
          routes.find((r) => r.chat === target)!.agent);
    return { agent, chat: target };
  }
}
