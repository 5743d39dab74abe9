/**
 * delegate_task wired to the host (issue 11). Agent A asks agent B; B works on it in a run
 * of its own — the scheduler's isolated task run (fresh engine context, no chat cursor, its
 * session untouched), so B's chats and conversation are not affected by the request — and
 * its final answer comes back to A as a host message in the chat A's run answered: a live
 * run there takes it as its next message, otherwise it wakes A (AgentMail). With
 * `notify_chat` the answer is also posted to that chat for the people there.
 *
 * A pair that `multiAgent.delegate` does not allow (and the requester is not main) waits for
 * `approve <id>` / `deny <id>` typed on the main agent's chat; the intake hands those
 * commands here before routing (`intercept`), so the agent never sees them.
 *
 * Files A attaches are copied into B's shared/<A>/ before B's run (attachments.ts).
 * Delegations live in the store: after a restart one awaiting approval still waits and
 * expires at its time, and one that was running is recorded `interrupted` and its requester
 * told — not re-run: the run may already have acted (sent messages, written files, asked
 * others, spent budget), and running it again could do all that twice; the requester, told
 * it was interrupted, decides whether to ask again.
 */
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import type { AgentConfig, Config } from '../config/normalise.js';
import { agentFolder, type InstancePaths } from '../config/paths.js';
import type { AgentQueue } from '../core/agent-queue.js';
import { AgentMail } from '../core/agent-mail.js';
import type { Refusal } from '../core/failure-notice.js';
import type { RunDeps } from '../core/run-types.js';
import type { InboundMessage, InboundReaction, InboundResult } from '../domain/channel.js';
import type { Metrics } from '../observability/metrics.js';
import { TaskRun } from '../scheduler/task-run.js';
import type { Store } from '../store/index.js';
import { chatsOfAgent } from '../tools/authorise.js';
import { defineAgentTool } from '../tools/define-tool.js';
import { ToolError, type ToolHandler } from '../tools/types.js';
import type { DelegationEnd, ShareFile } from '../domain/multi-agent.js';
import { approvalRequest, reactionDecision } from './approval-reactions.js';
import { delegationAttachments } from './attachments.js';
import { delegatedPrompt, delegatedTask, delegationEnd, interruptedText } from './delegated-run.js';
import { DelegationBook, delegationIdPattern, type Delegation } from './delegation-book.js';
import { createSharing } from './sharing.js';

export interface DelegationSetupDeps {
  /** Tools the chat path's dispatcher already replaces (the scheduler's): delegate_task joins them. */
  replacing?: ToolHandler[];
  config: Config;
  paths: InstancePaths;
  store: Store;
  metrics: Metrics;
  logger: Logger;
  now?: () => number;
}

/** What exists only once the chat path is built. */
export interface DelegationRuntime {
  queue: AgentQueue;
  runDeps: RunDeps;
  refuse: (agent: AgentConfig) => Refusal | undefined;
}

/** Delegations are d-xxxxxx, file shares (sharing.ts) s-xxxxxx. */
const APPROVAL_COMMAND = /^\s*(approve|deny)\s+([ds]-[0-9a-f]{6})\s*$/i;
const SHOWN_CHARS = 300;

const shorten = (text: string): string =>
  text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}…` : text;

export function setUpDelegation(deps: DelegationSetupDeps) {
  const { config, store } = deps;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ component: 'delegation' });
  const { delegation: limits, delegate: pairs } = config.multiAgent;
  const book = new DelegationBook(store.delegations, limits, pairs, now);
  const attachments = delegationAttachments(
    (id) => agentFolder(deps.paths, id),
    config.multiAgent.sharing.maxBytes,
  );
  const outcomes = new Counter({
    name: 'omniclaw_delegations_total',
    help: 'Delegations (delegate_task) by requester, target and outcome',
    labelNames: ['from', 'to', 'outcome'],
    registers: [deps.metrics.registry],
  });
  const timers = new Map<string, NodeJS.Timeout>();
  let runtime: DelegationRuntime | undefined;
  const agent = (id: string): AgentConfig | undefined => config.agents.find((a) => a.id === id);
  const main = (): AgentConfig | undefined => config.agents.find((a) => a.main);
  const mail = new AgentMail({
    store,
    agents: () => config.agents,
    routes: () => config.routes,
    channelOf: (chat) => runtime?.runDeps.channelOf(chat),
    wake: (a, chat) => runtime?.queue.notify(a, chat),
    now,
  });

  const mainChat = (): string | undefined => {
    const boss = main();
    const chat = boss && chatsOfAgent(boss.id, config.routes)[0];
    return chat !== undefined && runtime?.runDeps.channelOf(chat) ? chat : undefined;
  };
  const sharing = createSharing({
    ...deps,
    now,
    say: (chat, text) => say(chat, text),
    tell: (to, from, text, chat) => mail.post({ to, from, text }, chat),
    mainChat,
  });

  /** A bot message the people in `chat` read (approval requests, notify_chat, confirmations). */
  const say = (chat: string, text: string, from?: string): void => {
    if (!runtime) return;
    const channel = runtime.runDeps.channelOf(chat);
    if (channel === undefined)
      return void log.warn({ chat }, 'no channel for a delegation message; not sent');
    store.outbox.enqueue({ channel, chat, text, agent: from });
    runtime.runDeps.outbox.kick();
  };

  /** The requester learns the outcome: a message in its run's chat (its live run, or a new one). */
  const tellRequester = (d: Delegation, text: string): void => {
    const { agent: to, chat, via } = d.replyTo;
    const note = via
      ? `\n\n(Asked by "${via.agent}" while working on your delegation ${via.delegation}.)`
      : '';
    try {
      mail.post({ to, from: d.to, text: `${text}${note}` }, chat);
    } catch (error) {
      log.error({ delegation: d.id, err: (error as Error).message }, 'could not tell the requester');
    }
  };

  const finish = (d: Delegation, outcome: DelegationEnd, text: string, detail = {}) => {
    if (!book.end(d, outcome, detail)) return;
    clearTimeout(timers.get(d.id));
    timers.delete(d.id);
    outcomes.inc({ from: d.from, to: d.to, outcome });
    log.info(
      { delegation: d.id, from: d.from, to: d.to, outcome, depth: d.depth, usage: d.usage, err: d.error },
      'delegation ended',
    );
    tellRequester(d, text);
    // Only the requester's own chat, never one further up a chain.
    if (d.notifyChat && outcome === 'done' && !d.replyTo.via) say(d.chat, text, d.from);
  };

  const run = (d: Delegation): void => {
    const target = agent(d.to);
    if (!runtime || !target)
      return finish(d, 'failed', `Delegation ${d.id} to "${d.to}" failed: the host is not ready.`);
    const refusal = runtime.refuse(target);
    if (refusal)
      return finish(d, 'failed', `Delegation ${d.id} to "${d.to}" could not start: ${refusal.message}`, {
        error: refusal.message,
      });
    const chat = chatsOfAgent(target.id, config.routes)[0] ?? `local:${target.id}`;
    const task = delegatedTask(d, chat, now());
    const accepted = runtime.queue.submitTask(target, {
      start: () => {
        const taskRun = new TaskRun(target, task, runtime!.runDeps, {
          prompt: delegatedPrompt(d, attachments.note(d)),
          kind: 'delegation',
        });
        book.ranAs(d, taskRun.id);
        void taskRun.ended.then((outcome) => {
          const end = delegationEnd(d, outcome);
          finish(d, end.status, end.text, end.detail);
        });
        void taskRun.start();
        return taskRun;
      },
    });
    if (!accepted) finish(d, 'failed', `Delegation ${d.id} to "${d.to}" failed: the host is shutting down.`);
    else log.info({ delegation: d.id, from: d.from, to: d.to, depth: d.depth }, 'delegation started');
  };

  /** Copies the attached files into the target's shared/<from>/; the reason when refused (nothing copied). */
  const attach = (d: Delegation): string | undefined => {
    try {
      const landed = attachments.copy(d);
      if (landed.length) log.info({ delegation: d.id, files: landed }, 'delegation files copied');
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  };
  const filesFailed = (d: Delegation, reason: string): string =>
    `Delegation ${d.id} to "${d.to}" failed, its files were not copied: ${reason}`;

  /** The expiry of an approval request, at its time (at once when that passed while the host was down). */
  const arm = (d: Delegation): void => {
    const expire = () =>
      finish(
        d,
        'expired',
        `Delegation ${d.id} to "${d.to}" expired: the operator did not approve it in time.`,
      );
    const timer = setTimeout(expire, Math.max(0, (d.expiresAt ?? now()) - now()));
    timer.unref();
    timers.set(d.id, timer);
  };

  const askApproval = (d: Delegation): string => {
    const chat = mainChat();
    if (chat === undefined) {
      book.end(d, 'denied', { error: 'no main chat to ask' });
      throw new ToolError(
        `delegate_task: "${d.from}" → "${d.to}" needs the operator's approval, and there is no main chat to ask; ` +
          `allow the pair in omniclaw.yaml under multiAgent.delegate`,
      );
    }
    const minutes = Math.round(limits.approvalTimeoutMs / 60_000);
    say(
      chat,
      approvalRequest(
        `Agent "${d.from}" asks "${d.to}" to: ${shorten(d.description)}${attachments.approvalLine(d)}`,
        d.id,
        minutes,
      ),
    );
    arm(d);
    log.info({ delegation: d.id, from: d.from, to: d.to }, 'delegation waits for approval');
    return `Delegation ${d.id} waits for the operator's approval on the main chat (at most ${minutes} min); the answer, or the refusal, comes to you as a message.`;
  };

  const tool = defineAgentTool('delegate_task', async (args, context) => {
    const to = args.target_agent ?? main()?.id;
    if (to === undefined)
      throw new ToolError('delegate_task: no main agent is configured; name target_agent');
    if (!agent(to)) throw new ToolError(`delegate_task: there is no agent "${to}" (list_agents shows them)`);
    if (args.callback_agent_id !== undefined && args.callback_agent_id !== context.agent.id)
      throw new ToolError('delegate_task: the answer always comes back to you; leave callback_agent_id out');
    let files: ShareFile[];
    try {
      files = attachments.plan(context.agent.id, to, args.files ?? []);
    } catch (error) {
      outcomes.inc({ from: context.agent.id, to, outcome: 'refused' });
      log.warn({ from: context.agent.id, to, err: (error as Error).message }, 'delegation files refused');
      throw new ToolError(`delegate_task: nothing was delegated or copied: ${(error as Error).message}`);
    }
    const admission = book.admit({
      files,
      from: context.agent,
      to,
      runId: context.runId,
      chat: context.chat,
      description: args.description,
      notifyChat: args.notify_chat ?? false,
    });
    if (!admission.ok) {
      outcomes.inc({ from: context.agent.id, to, outcome: 'refused' });
      log.warn({ from: context.agent.id, to, reason: admission.reason }, 'delegation refused');
      throw new ToolError(`delegate_task: ${admission.reason}`);
    }
    const d = admission.delegation;
    if (admission.needsApproval) return askApproval(d);
    const refused = attach(d);
    if (refused !== undefined) {
      book.end(d, 'failed', { error: refused });
      outcomes.inc({ from: d.from, to: d.to, outcome: 'failed' });
      throw new ToolError(`delegate_task: ${filesFailed(d, refused)}`);
    }
    run(d);
    const copied = d.files.length ? ` Your files were copied into its shared/${d.from}/.` : '';
    return `Delegated to "${to}" as ${d.id}; its answer comes to you as a message when it is done.${copied}`;
  });

  /** `approve <id>` / `deny <id>` on the main agent's chats, before routing. */
  const inMainChat = (chat: string): boolean => {
    const boss = main();
    return boss !== undefined && chatsOfAgent(boss.id, config.routes).includes(chat);
  };

  const intercept = (message: InboundMessage): InboundResult | undefined => {
    const command = APPROVAL_COMMAND.exec(message.text ?? '');
    if (!command || !inMainChat(message.chat)) return undefined;
    const [, verb, id] = command as unknown as [string, string, string];
    decide(
      verb.toLowerCase() === 'deny' ? 'deny' : 'approve',
      id.toLowerCase(),
      message.chat,
      message.senderId,
    );
    return { accepted: true };
  };

  /** 👍 / 👎 on the host's approval request in the main chat (approval-reactions.ts). */
  const reacted = (reaction: InboundReaction): void => {
    if (!inMainChat(reaction.chat)) return;
    const sent = store.outbox.sentAs(reaction.chat, reaction.platformMessageId);
    const decision = reactionDecision(reaction.emoji, sent);
    if (!decision) return;
    // A reaction on a request already decided or expired is not answered (typed commands
    // are): adding and removing one again and again would flood the main chat.
    const waiting = decision.id.startsWith('s-')
      ? sharing.waiting(decision.id)
      : book.get(decision.id)?.status === 'awaiting_approval';
    if (!waiting) return log.debug({ id: decision.id }, 'reaction on a request no longer waiting');
    log.info({ id: decision.id, emoji: reaction.emoji, by: reaction.senderId }, 'approval by reaction');
    decide(decision.verb, decision.id, reaction.chat, reaction.senderId);
  };

  /** The operator's approve / deny, typed or by reaction; the confirmation goes to `chat`. */
  const decide = (verb: 'approve' | 'deny', id: string, chat: string, by: string | undefined): void => {
    if (id.startsWith('s-')) return say(chat, sharing.decide(verb, id, by));
    const d = delegationIdPattern.test(id) ? book.get(id) : undefined;
    if (!d || d.status !== 'awaiting_approval')
      return say(chat, `No delegation ${id} is waiting for approval (it may have expired).`);
    log.info({ delegation: d.id, verb, by }, 'delegation decided');
    if (verb === 'deny') {
      say(chat, `Denied ${d.id}; "${d.from}" is told.`);
      finish(d, 'denied', `Delegation ${d.id} to "${d.to}" was denied by the operator.`);
    } else {
      if (!book.approve(d))
        return say(chat, `No delegation ${id} is waiting for approval (it may have expired).`);
      clearTimeout(timers.get(d.id));
      timers.delete(d.id);
      const refused = attach(d);
      if (refused !== undefined) {
        say(chat, `Approved ${d.id}, but ${filesFailed(d, refused)}`);
        return finish(d, 'failed', filesFailed(d, refused), { error: refused });
      }
      say(chat, `Approved ${d.id}: "${d.to}" is working on it for "${d.from}".`);
      run(d);
    }
  };

  return {
    /** For createChatPath: the tool replacements, delegate_task among them, and the intake's intercept. */
    chatParts: {
      replacements: [...(deps.replacing ?? []), tool as ToolHandler, sharing.tool as ToolHandler],
      intercept,
      reacted,
    },
    /** Binds the queue and run deps once the chat path exists (tools only run after that). */
    start: (parts: DelegationRuntime): void => void (runtime = parts),
    /**
     * After a restart (once the queue has recovered its chats): approval requests wait again
     * until their time; a delegation that was running when the host stopped is recorded
     * interrupted and its requester told (see the header for why it is not re-run).
     */
    recover: (): void => {
      for (const d of book.open())
        if (d.status === 'awaiting_approval') arm(d);
        else
          finish(d, 'interrupted', interruptedText(d), { error: 'the host stopped during the delegation' });
      sharing.recover();
    },
    /** The `delegations` section of `omniclaw status`. */
    status: () => {
      const { counts, recent } = book.summary();
      const delegations = {
        counts,
        recent: recent.map((d) => ({
          id: d.id,
          from: d.from,
          to: d.to,
          status: d.status,
          depth: d.depth,
          tokens: d.usage ? d.usage.inputTokens + d.usage.outputTokens : undefined,
          costUsd: d.usage?.costUsd,
        })),
      };
      return { delegations, shares: sharing.status() };
    },
    stop: (): void => {
      sharing.stop();
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}

export type DelegationSetup = ReturnType<typeof setUpDelegation>;
