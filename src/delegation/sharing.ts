/**
 * share_request wired to the host (issue 11): push files from your folder to another
 * agent's, or pull theirs into yours. They land in the target's `shared/<source>/`. A pair
 * `multiAgent.share` does not allow (from an agent that is not main, as for delegate_task)
 * waits for `approve s-…` / `deny s-…` on the main chat; nothing is read or copied before
 * that. The requester hears the outcome (copied with the paths, denied, expired, failed) as
 * a message in the chat its run answered (AgentMail), like a delegation's answer. Requests
 * live in the store: after a restart one still waiting can be approved or denied, and
 * expires at the time it was given (`recover`).
 */
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import type { Config } from '../config/normalise.js';
import { agentFolder, type InstancePaths } from '../config/paths.js';
import type { Metrics } from '../observability/metrics.js';
import type { Store } from '../store/index.js';
import { defineAgentTool } from '../tools/define-tool.js';
import { FolderFileError, openInside } from '../tools/folder-files.js';
import { ToolError } from '../tools/types.js';
import { formatBytes } from '../domain/file-size.js';
import { ShareBook, shareIdPattern, type Share } from './share-book.js';
import { copyShare } from './share-copy.js';
import { approvalRequest } from './approval-reactions.js';

export interface SharingDeps {
  config: Config;
  paths: InstancePaths;
  store: Store;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
  /** A bot message in `chat` (the approval request, the operator's confirmation). */
  say: (chat: string, text: string) => void;
  /** A host message to `to` in `chat`: its live run takes it, or it wakes `to`. */
  tell: (to: string, from: string, text: string, chat: string) => void;
  /** The main agent's chat, when one can be reached. */
  mainChat: () => string | undefined;
}

const SHOWN_CHARS = 300;

export function createSharing(deps: SharingDeps) {
  const { config, now, logger } = deps;
  const log = logger.child({ component: 'share' });
  const limits = config.multiAgent.sharing;
  const book = new ShareBook(deps.store.shares, config.multiAgent.share, limits.approvalTimeoutMs, now);
  const outcomes = new Counter({
    name: 'omniclaw_shares_total',
    help: 'File shares (share_request) by requester, other agent and outcome',
    labelNames: ['from', 'to', 'outcome'],
    registers: [deps.metrics.registry],
  });
  const timers = new Map<string, NodeJS.Timeout>();
  const folderOf = (agent: string): string => agentFolder(deps.paths, agent);

  const finish = (s: Share, outcome: 'copied' | 'failed' | 'denied' | 'expired', error?: string): boolean => {
    if (!book.end(s, outcome, error)) return false;
    clearTimeout(timers.get(s.id));
    timers.delete(s.id);
    outcomes.inc({ from: s.from, to: s.other, outcome });
    log.info({ share: s.id, from: s.from, other: s.other, outcome, err: error }, 'share ended');
    return true;
  };

  /** Copies now; the text says what happened (for the tool result or the requester's message). */
  const copy = (s: Share): { ok: boolean; text: string } => {
    try {
      const landed = copyShare(s.moves, folderOf, limits.maxBytes);
      finish(s, 'copied');
      const text = `Share ${s.id} with "${s.other}" is done; copied:\n${landed.map((p) => `- ${p}`).join('\n')}`;
      return { ok: true, text };
    } catch (error) {
      const reason = (error as Error).message;
      finish(s, 'failed', reason);
      return { ok: false, text: `Share ${s.id} with "${s.other}" failed, nothing was copied: ${reason}` };
    }
  };

  const tellRequester = (s: Share, text: string): void => {
    try {
      deps.tell(s.from, s.other, text, s.chat);
    } catch (error) {
      log.error({ share: s.id, err: (error as Error).message }, 'could not tell the requester');
    }
  };

  /** The expiry of a waiting request, at its time (at once when that passed while the host was down). */
  const arm = (s: Share): void => {
    const timer = setTimeout(
      () => {
        if (finish(s, 'expired'))
          tellRequester(
            s,
            `Share ${s.id} with "${s.other}" expired: the operator did not approve it in time; nothing was copied.`,
          );
      },
      Math.max(0, (s.expiresAt ?? now()) - now()),
    );
    timer.unref();
    timers.set(s.id, timer);
  };

  const askApproval = (s: Share): string => {
    const chat = deps.mainChat();
    if (chat === undefined) {
      finish(s, 'denied', 'no main chat to ask');
      throw new ToolError(
        `share_request: sharing between "${s.from}" and "${s.other}" needs the operator's approval, and there is no main chat to ask; ` +
          'allow the pair in omniclaw.yaml under multiAgent.share',
      );
    }
    const minutes = Math.round(limits.approvalTimeoutMs / 60_000);
    deps.say(chat, approvalRequest(approvalText(s, folderOf), s.id, minutes));
    arm(s);
    log.info({ share: s.id, from: s.from, other: s.other }, 'share waits for approval');
    return `Share ${s.id} is waiting for approval on the main chat (at most ${minutes} min); nothing is copied before that. The outcome comes to you as a message.`;
  };

  const tool = defineAgentTool('share_request', async (args, context) => {
    const other = args.target_agent ?? config.agents.find((a) => a.main)?.id;
    if (other === undefined)
      throw new ToolError('share_request: no main agent is configured; name target_agent');
    if (!config.agents.some((a) => a.id === other))
      throw new ToolError(`share_request: there is no agent "${other}" (list_agents shows them)`);
    const admission = book.admit({
      from: context.agent,
      other,
      chat: context.chat,
      description: args.description,
      push: args.files ?? [],
      pull: args.request_files ?? [],
    });
    if (!admission.ok) {
      outcomes.inc({ from: context.agent.id, to: other, outcome: 'refused' });
      log.warn({ from: context.agent.id, other, reason: admission.reason }, 'share refused');
      throw new ToolError(`share_request: ${admission.reason}`);
    }
    const s = admission.share;
    if (admission.needsApproval) return askApproval(s);
    const result = copy(s);
    if (!result.ok) throw new ToolError(`share_request: ${result.text}`);
    return result.text;
  });

  /** `approve s-…` / `deny s-…` from the main chat; the text confirms it to the operator. */
  const decide = (verb: 'approve' | 'deny', id: string, by: string | undefined): string => {
    const s = shareIdPattern.test(id) ? book.get(id) : undefined;
    if (!s || s.status !== 'awaiting_approval')
      return `No share ${id} is waiting for approval (it may have expired).`;
    log.info({ share: s.id, verb, by }, 'share decided');
    if (verb === 'deny') {
      finish(s, 'denied');
      tellRequester(s, `Share ${s.id} with "${s.other}" was denied by the operator; nothing was copied.`);
      return `Denied ${s.id}; "${s.from}" is told.`;
    }
    const result = copy(s);
    tellRequester(s, result.text);
    return result.ok ? `Approved ${s.id}: copied for "${s.from}".` : `Approved ${s.id}, but ${result.text}`;
  };

  return {
    tool,
    decide,
    /** Whether share `id` still waits for the operator. */
    waiting: (id: string): boolean => book.get(id)?.status === 'awaiting_approval',
    /** After a restart: every request still waiting expires at its time again. */
    recover: (): void => {
      const waiting = book.waiting();
      for (const s of waiting) arm(s);
      if (waiting.length)
        log.info({ shares: waiting.map((s) => s.id) }, 'share requests still wait for approval');
    },
    /** The `shares` section of `omniclaw status`. */
    status: () => {
      const { counts, recent } = book.summary();
      return {
        counts,
        recent: recent.map((s) => ({
          id: s.id,
          from: s.from,
          other: s.other,
          status: s.status,
          files: s.moves.map((m) => ({ direction: m.direction, count: m.files.length })),
          expiresAt: s.status === 'awaiting_approval' ? s.expiresAt : undefined,
        })),
      };
    },
    stop: (): void => {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}

/** What the operator reads: who, which files from whose folder to whose, how big. */
function approvalText(s: Share, folderOf: (agent: string) => string): string {
  const description =
    s.description.length > SHOWN_CHARS ? `${s.description.slice(0, SHOWN_CHARS)}…` : s.description;
  const lines = s.moves.map((m) => {
    const files = m.files.map((f) => `${f.path} (${sizeOf(folderOf(m.source), f.path)})`).join(', ');
    return `- from "${m.source}" to "${m.target}" (into shared/${m.source}/): ${files}`;
  });
  return `Agent "${s.from}" asks to share files: ${description}\n${lines.join('\n')}`;
}

/** The size shown to the operator; the copy opens the file again and checks for itself. */
function sizeOf(root: string, path: string): string {
  try {
    const file = openInside(root, path, Number.MAX_SAFE_INTEGER);
    file.close();
    return formatBytes(file.size);
  } catch (error) {
    if (error instanceof FolderFileError && error.code === 'missing') return 'missing';
    return 'refused: a link or not a regular file';
  }
}
