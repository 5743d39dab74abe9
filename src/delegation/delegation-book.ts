/**
 * The delegations of this host (issue 11): who asked whom, in which chain, and how it ended.
 * Decides from the run's identity alone (never from what an agent wrote) whether a new
 * delegation may open: no loop back to an agent already in the chain, no chain deeper than
 * `maxDepth`, no more than `maxOpenPerAgent` open per requester; and whether it needs the
 * operator's approval (a pair config does not allow, from an agent that is not main).
 *
 * Kept in memory (plus the log lines and /metrics): a delegation lives for minutes, and one
 * open when the host stops is lost with the run it started, so the requester simply never
 * hears back — `status` after a restart starts empty.
 */
import { randomBytes } from 'node:crypto';
import type { Usage } from '../protocol/runner-protocol.js';

export type DelegationStatus = 'awaiting_approval' | 'running' | 'done' | 'failed' | 'denied' | 'expired';

export interface Delegation {
  id: string;
  from: string;
  to: string;
  /** The chat the requester's run answered: where the result comes back. */
  chat: string;
  description: string;
  /** 1 for a delegation from a chat run, 2 for one from a delegated run, … */
  depth: number;
  /** Agents the chain has passed through before `to` (the requester last). */
  chain: string[];
  notifyChat: boolean;
  /**
   * Who hears the outcome: the requester, in the chat its run answered — or, for a delegation
   * made by a delegated run (which has ended by then), the one who started the chain, so
   * the answer travels back to it and the middle agent's chats stay untouched.
   */
  replyTo: { agent: string; chat: string; via?: { agent: string; delegation: string } };
  status: DelegationStatus;
  createdAt: number;
  endedAt?: number;
  usage?: Usage;
  error?: string;
}

export interface DelegationLimits {
  maxDepth: number;
  maxOpenPerAgent: number;
}

export interface DelegationRequest {
  from: { id: string; main: boolean };
  to: string;
  /** The requesting run; a delegated run's id places the request in its chain. */
  runId: string;
  chat: string;
  description: string;
  notifyChat: boolean;
}

export type Admission =
  { ok: true; delegation: Delegation; needsApproval: boolean } | { ok: false; reason: string };

const OPEN: readonly DelegationStatus[] = ['awaiting_approval', 'running'];
/** Ended delegations kept for `status`; older ones are only in the log. */
const KEEP_ENDED = 50;

export const delegationIdPattern = /^d-[0-9a-f]{6}$/;

export class DelegationBook {
  private readonly all = new Map<string, Delegation>();
  /** Run id of a delegated run → the delegation it carries out. */
  private readonly byRun = new Map<string, Delegation>();

  constructor(
    private readonly limits: DelegationLimits,
    private readonly pairs: readonly { from: string; to: string }[],
    private readonly now: () => number = Date.now,
  ) {}

  /** Opens a delegation when the rules allow it; otherwise the reason, for the requesting agent. */
  admit(request: DelegationRequest): Admission {
    const from = request.from.id;
    if (request.to === from) return { ok: false, reason: 'you cannot delegate a task to yourself' };
    const parent = this.byRun.get(request.runId);
    const chain = parent ? [...parent.chain, from] : [from];
    if (chain.includes(request.to))
      return {
        ok: false,
        reason: `refused: delegating to "${request.to}" would loop (this task already came through ${chain.join(' → ')}); answer it yourself`,
      };
    const depth = parent ? parent.depth + 1 : 1;
    if (depth > this.limits.maxDepth)
      return {
        ok: false,
        reason: `refused: this task is already ${depth - 1} delegation(s) deep (${chain.join(' → ')}), the limit is ${this.limits.maxDepth} (multiAgent.delegation.maxDepth); answer it yourself`,
      };
    const open = [...this.all.values()].filter((d) => d.from === from && OPEN.includes(d.status)).length;
    if (open >= this.limits.maxOpenPerAgent)
      return {
        ok: false,
        reason: `refused: you already have ${open} delegations open, the limit is ${this.limits.maxOpenPerAgent} (multiAgent.delegation.maxOpenPerAgent); wait for their answers`,
      };
    const paired = this.pairs.some((p) => p.from === from && p.to === request.to);
    const needsApproval = !request.from.main && !paired;
    const delegation: Delegation = {
      id: this.newId(),
      from,
      to: request.to,
      chat: request.chat,
      description: request.description,
      depth,
      chain,
      notifyChat: request.notifyChat,
      replyTo: parent
        ? {
            agent: parent.replyTo.agent,
            chat: parent.replyTo.chat,
            via: { agent: from, delegation: parent.id },
          }
        : { agent: from, chat: request.chat },
      status: needsApproval ? 'awaiting_approval' : 'running',
      createdAt: this.now(),
    };
    this.all.set(delegation.id, delegation);
    return { ok: true, delegation, needsApproval };
  }

  get(id: string): Delegation | undefined {
    return this.all.get(id);
  }

  /** The delegated run `runId` carries out `delegation` (so its own delegations join the chain). */
  ranAs(delegation: Delegation, runId: string): void {
    this.byRun.set(runId, delegation);
  }

  approve(delegation: Delegation): void {
    delegation.status = 'running';
  }

  /** Records the end; false when it had already ended (an expiry racing an approval). */
  end(
    delegation: Delegation,
    status: Exclude<DelegationStatus, 'awaiting_approval' | 'running'>,
    detail: { usage?: Usage; error?: string } = {},
  ): boolean {
    if (!OPEN.includes(delegation.status)) return false;
    Object.assign(delegation, { status, endedAt: this.now(), ...detail });
    for (const [run, d] of this.byRun) if (d === delegation) this.byRun.delete(run);
    this.prune();
    return true;
  }

  /** For `omniclaw status`: counts by status and the newest delegations. */
  summary(): { counts: Partial<Record<DelegationStatus, number>>; recent: Delegation[] } {
    const counts: Partial<Record<DelegationStatus, number>> = {};
    for (const d of this.all.values()) counts[d.status] = (counts[d.status] ?? 0) + 1;
    return { counts, recent: [...this.all.values()].slice(-10).reverse() };
  }

  private prune(): void {
    const ended = [...this.all.values()].filter((d) => !OPEN.includes(d.status));
    for (const d of ended.slice(0, Math.max(0, ended.length - KEEP_ENDED))) this.all.delete(d.id);
  }

  private newId(): string {
    for (;;) {
      const id = `d-${randomBytes(3).toString('hex')}`;
      if (!this.all.has(id)) return id;
    }
  }
}
