/**
 * One run of a scheduled task: a full agent run (its sandbox, tools, memory and, in `group`
 * mode, its engine session) with the task's prompt as its only turn. Unlike a chat run it
 * never stays warm and moves no chat cursor; its result is the agent's final reply, which
 * reaches the chat only when the task's output is `reply` (otherwise the agent uses
 * send_message). It is a separate class from AgentRun because it has none of the
 * message-cursor bookkeeping that makes a chat run safe to retry.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AgentConfig } from '../config/normalise.js';
// The run observer (metrics) reads only `id` and `agent`, which a task run has too.
import type { RunDeps } from '../core/agent-run.js';
import { RunnerConnection } from '../core/runner-connection.js';
import { stripInternal } from '../core/prompt.js';
import { decideSession } from '../core/session-policy.js';
import type { LaunchedRun } from '../core/run-launcher.js';
import type { RunnerEvent, ToolResultCommand, Usage } from '../protocol/runner-protocol.js';
import { startCommand } from '../core/start-command.js';
import { relayToolCall } from '../core/tool-call-relay.js';
import type { Task } from '../store/tasks.js';

export interface TaskRunOutcome {
  ok: boolean;
  /** The agent's final reply (internal notes removed). */
  result?: string;
  error?: string;
  usage?: Usage;
  /** Stopped from outside (shutdown) before it finished: recorded `interrupted`, not `failed`. */
  interrupted?: boolean;
  /** Never started: the claim was recovered by another scheduler first (see TaskStore.started). */
  claimLost?: boolean;
}

const addUsage = (a: Usage | undefined, b: Usage): Usage => ({
  inputTokens: (a?.inputTokens ?? 0) + b.inputTokens,
  outputTokens: (a?.outputTokens ?? 0) + b.outputTokens,
  cacheReadTokens: (a?.cacheReadTokens ?? 0) + b.cacheReadTokens,
  cacheWriteTokens: (a?.cacheWriteTokens ?? 0) + b.cacheWriteTokens,
  costUsd: (a?.costUsd ?? 0) + (b.costUsd ?? 0),
});

/** What the agent reads: the task's prompt, and where its answer goes. */
export function taskPrompt(task: Pick<Task, 'id' | 'prompt' | 'output' | 'kind'>): string {
  const where =
    task.output === 'reply'
      ? 'Your final answer is sent to the chat.'
      : 'Your final answer is NOT sent to the chat: use send_message for anything the chat should see (or send nothing).';
  const what = task.kind === 'heartbeat' ? 'Heartbeat' : `Scheduled task ${task.id}`;
  return `<scheduled_task id="${task.id}">\n[${what}. ${where}]\n\n${task.prompt}\n</scheduled_task>`;
}

export class TaskRun {
  readonly id = randomUUID();
  state: 'starting' | 'busy' | 'stopping' | 'ended' = 'starting';
  readonly ended: Promise<TaskRunOutcome>;
  private resolveEnded!: (outcome: TaskRunOutcome) => void;
  private launched: LaunchedRun | undefined;
  private connection: RunnerConnection | undefined;
  private outcome: TaskRunOutcome | undefined;
  private replies: string[] = [];
  private usage: Usage | undefined;
  private turnError: string | undefined;
  private readonly turnId = randomUUID();
  private readonly log: Logger;
  private readonly startedAt: number;
  private stoppedFor: string | undefined;

  constructor(
    readonly agent: AgentConfig,
    readonly task: Task,
    private readonly deps: RunDeps,
    /** A run that is not a scheduled task (a delegation): its own prompt and run kind. */
    private readonly as?: { prompt: string; kind: string },
  ) {
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    this.log = deps.logger.child({ agent: agent.id, chat: task.chat, task: task.id, run: this.id });
    this.startedAt = (deps.now ?? Date.now)();
  }

  get chat(): string {
    return this.task.chat;
  }

  async start(): Promise<void> {
    const { store } = this.deps;
    store.runs.start({
      id: this.id,
      agent: this.agent.id,
      chat: this.task.chat,
      kind: this.as?.kind ?? this.task.kind,
    });
    this.deps.observe?.runStarted?.(this);
    try {
      this.launched = await this.deps.launcher.launch(this.agent, this.id);
    } catch (err) {
      return this.finish({ ok: false, error: `could not start the sandbox: ${(err as Error).message}` });
    }
    if (this.state !== 'starting') {
      void this.launched.process.kill('killed');
      return;
    }
    const connection = new RunnerConnection(this.launched.process, (line) =>
      this.log.debug({ stderr: line }, 'runner'),
    );
    this.connection = connection;
    connection.on('event', (event) => this.handle(event));
    connection.on('protocolError', (err) =>
      this.finish({ ok: false, error: `the agent runner broke the protocol: ${err.message}` }),
    );
    connection.on('exit', (info) => {
      this.launched?.release();
      const why =
        info.reason === 'timeout'
          ? `the task ran longer than its ${Math.round(this.agent.limits.timeoutMs / 1000)} s time limit and was stopped`
          : `the agent runner exited (code ${info.code ?? info.signal})`;
      this.finish(this.outcome ?? { ok: false, error: info.detail ?? why }, true);
    });
    const isolated = this.task.contextMode === 'isolated';
    const session = isolated
      ? undefined
      : decideSession(
          store.sessions.get(this.agent.id, this.agent.runtime),
          this.agent.sessionMaxAgeMs,
          (this.deps.now ?? Date.now)(),
        );
    this.state = 'busy';
    connection.send(
      startCommand({
        runId: this.id,
        turnId: this.turnId,
        agent: this.agent,
        prompt: this.as?.prompt ?? taskPrompt(this.task),
        sessionId: session && 'resume' in session ? session.resume : undefined,
        launched: this.launched,
        tools: this.deps.tools,
        defaultModel: this.deps.defaultModel,
      }),
    );
  }

  /** Asks the runner to stop (shutdown); kills it after the grace period. */
  async stop(reason = 'shutdown'): Promise<TaskRunOutcome> {
    if (this.state === 'ended') return this.ended;
    // Not finished on its own: whatever the runner says on its way out, the run was cut short.
    if (this.outcome === undefined) this.stoppedFor = reason;
    this.state = 'stopping';
    this.connection?.send({ type: 'stop', reason });
    const timer = setTimeout(
      () => void this.launched?.process.kill('killed'),
      this.deps.stopGraceMs ?? 5_000,
    );
    if (!this.connection) this.finish({ ok: false, error: `stopped before it started (${reason})` }, true);
    const outcome = await this.ended;
    clearTimeout(timer);
    return outcome;
  }

  private handle(event: RunnerEvent): void {
    switch (event.type) {
      case 'reply': {
        const text = stripInternal(event.text);
        if (text) this.replies.push(text);
        return;
      }
      case 'tool_call':
        return void this.onToolCall(event.callId, event.name, event.args);
      case 'session':
        // An isolated task must not replace the agent's conversation with its own.
        if (this.task.contextMode === 'group')
          this.deps.store.sessions.set(this.agent.id, this.agent.runtime, event.sessionId);
        return;
      case 'done':
        if (event.usage) {
          this.usage = addUsage(this.usage, event.usage);
          this.deps.store.runs.addUsage(this.id, event.usage);
          this.deps.observe?.usage?.(this.agent.id, event.usage);
        }
        this.deliver();
        // A turn that ended on a model error without any answer failed; with an answer it did its job.
        this.finish(
          !this.replies.length && this.turnError
            ? { ok: false, error: this.turnError }
            : { ok: true, result: this.replies.join('\n\n') || undefined },
        );
        void this.stop('task done');
        return;
      case 'error':
        if (event.sessionInvalid) this.deps.store.sessions.clear(this.agent.id, this.agent.runtime);
        if (event.fatal) {
          this.finish({ ok: false, error: event.message });
          void this.launched?.process.kill('killed');
        } else {
          this.turnError = event.message;
          this.log.warn({ err: event.message }, 'task run error');
        }
        return;
      default:
        return;
    }
  }

  private onToolCall(callId: string, name: string, args: unknown): Promise<void> {
    const context = { runId: this.id, agent: this.agent, chat: this.task.chat };
    const send = (command: ToolResultCommand): void => void this.connection?.send(command);
    return relayToolCall(
      { callId, name, args },
      { live: this.state === 'busy', context, send },
      this.deps.tools,
    );
  }

  /** Output `reply`: the final answer goes to the chat through the outbox. */
  private deliver(): void {
    if (this.task.output !== 'reply' || !this.replies.length) return;
    const channel = this.deps.channelOf(this.task.chat) ?? 'unknown';
    this.deps.store.outbox.enqueue({
      channel,
      chat: this.task.chat,
      text: this.replies.join('\n\n'),
      agent: this.agent.id,
      runId: this.id,
    });
    this.deps.outbox.kick();
    this.deps.observe?.replied?.(this);
  }

  /** Records the outcome; it is reported once the runner's process is gone. */
  private finish(outcome: TaskRunOutcome, exited = false): void {
    if (this.state === 'ended') return;
    this.outcome ??= { ...outcome, usage: this.usage };
    if (this.launched && !exited) return;
    this.state = 'ended';
    const final: TaskRunOutcome =
      // A turn that still completed while stopping did its job; anything else was cut short.
      this.stoppedFor === undefined || this.outcome.ok
        ? { ...this.outcome, usage: this.usage }
        : {
            ok: false,
            interrupted: true,
            error: `interrupted: the host stopped during the run (${this.stoppedFor})`,
            usage: this.usage,
          };
    this.deps.store.runs.finish(this.id, final.ok ? 'ok' : 'failed', final.error);
    this.deps.observe?.runEnded?.(
      this,
      { ok: final.ok, error: final.error, unanswered: false },
      (this.deps.now ?? Date.now)() - this.startedAt,
    );
    this.resolveEnded(final);
  }
}
