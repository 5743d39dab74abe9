/**
 * The shapes of scheduled tasks and their run log, and how a SQLite row becomes one. Kept
 * apart from TaskStore (tasks.ts) so the store file holds only the transactions.
 */
export type TaskStatus = 'active' | 'paused' | 'completed' | 'failed' | 'cancelled';
export type TaskRunStatus = 'queued' | 'running' | 'ok' | 'failed' | 'interrupted' | 'skipped';

export interface Task {
  id: string;
  agent: string;
  chat: string;
  prompt: string;
  kind: 'task' | 'heartbeat';
  source: 'agent' | 'config' | 'cli';
  scheduleType: 'cron' | 'interval' | 'once';
  scheduleValue: string;
  contextMode: 'group' | 'isolated';
  output: 'send_message' | 'reply';
  status: TaskStatus;
  anchorAt?: number;
  nextRunAt?: number;
  lastRunAt?: number;
  lastStatus?: TaskRunStatus;
  lastResult?: string;
  createdBy?: string;
  /** For a task declared in omniclaw.yaml: its entry as last applied (see reconcile.ts). */
  declared?: string;
  /** When the chat was told this task is skipped for budget; cleared by its next run. */
  budgetNoticeAt?: number;
  createdAt: number;
  updatedAt: number;
}

export interface TaskRunRecord {
  id: number;
  taskId: string;
  dueAt: number;
  claimedAt: number;
  startedAt?: number;
  endedAt?: number;
  status: TaskRunStatus;
  runId?: string;
  /** The scheduler that claimed the run (host:pid:nonce) and until when its lease holds. */
  owner?: string;
  leaseUntil?: number;
  result?: string;
  error?: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export type NewTask = Pick<Task, 'id' | 'agent' | 'chat' | 'prompt' | 'scheduleType' | 'scheduleValue'> &
  Partial<
    Pick<
      Task,
      'kind' | 'source' | 'contextMode' | 'output' | 'status' | 'anchorAt' | 'nextRunAt' | 'createdBy'
    >
  >;

export type TaskPatch = Partial<
  Pick<
    Task,
    | 'agent'
    | 'chat'
    | 'prompt'
    | 'scheduleType'
    | 'scheduleValue'
    | 'contextMode'
    | 'output'
    | 'status'
    | 'anchorAt'
    | 'source'
  >
> & { nextRunAt?: number | null; declared?: string | null };

export const columns: Record<string, string> = {
  agent: 'agent',
  chat: 'chat',
  prompt: 'prompt',
  scheduleType: 'schedule_type',
  scheduleValue: 'schedule_value',
  contextMode: 'context_mode',
  output: 'output',
  status: 'status',
  anchorAt: 'anchor_at',
  nextRunAt: 'next_run_at',
  source: 'source',
  declared: 'declared',
};

export type Row = Record<string, string | number | null>;
export const opt = <T>(v: unknown): T | undefined => (v === null || v === undefined ? undefined : (v as T));

export function toTask(r: Row): Task {
  return {
    id: r.id as string,
    agent: r.agent as string,
    chat: r.chat as string,
    prompt: r.prompt as string,
    kind: r.kind as Task['kind'],
    source: r.source as Task['source'],
    scheduleType: r.schedule_type as Task['scheduleType'],
    scheduleValue: r.schedule_value as string,
    contextMode: r.context_mode as Task['contextMode'],
    output: r.output as Task['output'],
    status: r.status as TaskStatus,
    anchorAt: opt(r.anchor_at),
    nextRunAt: opt(r.next_run_at),
    lastRunAt: opt(r.last_run_at),
    lastStatus: opt(r.last_status),
    lastResult: opt(r.last_result),
    createdBy: opt(r.created_by),
    declared: opt(r.declared),
    budgetNoticeAt: opt(r.budget_notice_at),
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
  };
}

export function toRun(r: Row): TaskRunRecord {
  return {
    id: r.id as number,
    taskId: r.task_id as string,
    dueAt: r.due_at as number,
    claimedAt: r.claimed_at as number,
    startedAt: opt(r.started_at),
    endedAt: opt(r.ended_at),
    status: r.status as TaskRunStatus,
    runId: opt(r.run_id),
    owner: opt(r.owner),
    leaseUntil: opt(r.lease_until),
    result: opt(r.result),
    error: opt(r.error),
    inputTokens: r.input_tokens as number,
    outputTokens: r.output_tokens as number,
    costUsd: r.cost_usd as number,
  };
}

/** A result kept for `last_result` and the log: long enough to read, bounded in size. */
const MAX_RESULT_CHARS = 4000;
/** Who holds a claimed run, and until when (renewed by its owner while the run is open). */
export interface Lease {
  owner: string;
  until: number;
}

export type TaskRunEnd = 'ok' | 'failed' | 'skipped' | 'interrupted';

export const bounded = (text: string | undefined): string | null =>
  text === undefined ? null : text.length > MAX_RESULT_CHARS ? `${text.slice(0, MAX_RESULT_CHARS)}…` : text;
