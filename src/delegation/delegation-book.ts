/**
 * The delegations of this host (issue 11): who asked whom, in which chain, and how it ended.
 * Decides from the run's identity alone (never from what an agent wrote) whether a new
 * delegation may open: no loop back to an agent already in the chain, no chain deeper than
 * `maxDepth`, no more than `maxOpenPerAgent` open per requester; and whether it needs the
 * operator's approval (a pair config does not allow, from an agent that is not main).
 *
 * Kept in the store (migration 007), so a restart loses none: one awaiting approval still
 * waits (and expires at its time), one that was running is recorded interrupted (setup.ts).
 */
import { randomBytes } from 'node:crypto';
import type { Usage } from '../protocol/runner-protocol.js';
import type { Delegation, DelegationEnd, ShareFile } from '../domain/multi-agent.js';
import type { DelegationStore } from '../store/delegations.js';

export type { Delegation, DelegationStatus } from '../domain/multi-agent.js';

export interface DelegationLimits {
  maxDepth: number;
  maxOpenPerAgent: number;
  approvalTimeoutMs: number;
}

export interface DelegationRequest {
  from: { id: string; main: boolean };
  to: string;
  /** The requesting run; a delegated run's id places the request in its chain. */
  runId: string;
  chat: string;
  description: string;
  notifyChat: boolean;
  /** Attached files (planned by share-book.ts planFiles), copied before the target's run. */
  files?: ShareFile[];
}

export type Admission =
  { ok: true; delegation: Delegation; needsApproval: boolean } | { ok: false; reason: string };

export const delegationIdPattern = /^d-[0-9a-f]{6}$/;

export class DelegationBook {
  constructor(
    private readonly store: DelegationStore,
    private readonly limits: DelegationLimits,
    private readonly pairs: readonly { from: string; to: string }[],
    private readonly now: () => number = Date.now,
  ) {}

  /** Opens a delegation when the rules allow it; otherwise the reason, for the requesting agent. */
  admit(request: DelegationRequest): Admission {
    const from = request.from.id;
    if (request.to === from) return { ok: false, reason: 'you cannot delegate a task to yourself' };
    const parent = this.store.byRun(request.runId);
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
    const open = this.store.openCountFrom(from);
    if (open >= this.limits.maxOpenPerAgent)
      return {
        ok: false,
        reason: `refused: you already have ${open} delegations open, the limit is ${this.limits.maxOpenPerAgent} (multiAgent.delegation.maxOpenPerAgent); wait for their answers`,
      };
    const paired = this.pairs.some((p) => p.from === from && p.to === request.to);
    const needsApproval = !request.from.main && !paired;
    const createdAt = this.now();
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
      files: request.files ?? [],
      status: needsApproval ? 'awaiting_approval' : 'running',
      createdAt,
      expiresAt: needsApproval ? createdAt + this.limits.approvalTimeoutMs : undefined,
    };
    this.store.insert(delegation);
    return { ok: true, delegation, needsApproval };
  }

  get(id: string): Delegation | undefined {
    return this.store.get(id);
  }

  /** Delegations still open (after a restart: to expire, re-arm or record as interrupted). */
  open(): Delegation[] {
    return this.store.open();
  }

  /** The delegated run `runId` carries out `delegation` (so its own delegations join the chain). */
  ranAs(delegation: Delegation, runId: string): void {
    delegation.runId = runId;
    this.store.ranAs(delegation.id, runId);
  }

  /** False when it was no longer waiting (expired, denied). */
  approve(delegation: Delegation): boolean {
    if (!this.store.approve(delegation.id)) return false;
    Object.assign(delegation, { status: 'running', expiresAt: undefined });
    return true;
  }

  /** Records the end; false when it had already ended (an expiry racing an approval). */
  end(
    delegation: Delegation,
    status: DelegationEnd,
    detail: { usage?: Usage; error?: string } = {},
  ): boolean {
    if (!this.store.end(delegation.id, status, detail)) return false;
    Object.assign(delegation, { status, endedAt: this.now(), ...detail });
    return true;
  }

  /** For `omniclaw status`: counts by status and the newest delegations. */
  summary(): { counts: ReturnType<DelegationStore['counts']>; recent: Delegation[] } {
    return { counts: this.store.counts(), recent: this.store.recent(10) };
  }

  private newId(): string {
    for (;;) {
      const id = `d-${randomBytes(3).toString('hex')}`;
      if (!this.store.get(id)) return id;
    }
  }
}
