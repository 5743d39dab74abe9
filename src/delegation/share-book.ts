/**
 * The share requests of this host (issue 11, share_request): who copies which files from
 * whose folder into whose, and how it ended. Decides from the run's identity alone whether a
 * request needs the operator's approval (a pair `multiAgent.share` does not allow, from an
 * agent that is not main — the rule delegate_task follows) and plans where each file lands:
 * `shared/<source agent>/<file name>` in the target's folder. Kept in the store (migration
 * 007) like delegations: a request waiting for approval when the host stops still waits
 * after the restart, and still expires at its time (sharing.ts).
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { Share, ShareDirection, ShareFile, ShareMove, ShareStatus } from '../domain/multi-agent.js';
import { assertRelativePath } from '../protocol/ids.js';
import type { ShareRequestStore } from '../store/share-requests.js';

export type { Share, ShareDirection, ShareFile, ShareMove, ShareStatus } from '../domain/multi-agent.js';

export interface SharePair {
  from: string;
  to: string;
  direction: 'push' | 'pull' | 'both';
}

export interface ShareRequest {
  from: { id: string; main: boolean };
  other: string;
  chat: string;
  description: string;
  push: readonly string[];
  pull: readonly string[];
}

export type ShareAdmission =
  { ok: true; share: Share; needsApproval: boolean } | { ok: false; reason: string };

export const shareIdPattern = /^s-[0-9a-f]{6}$/;
/** Requests one agent may have waiting for approval at once. */
export const MAX_WAITING_PER_AGENT = 5;

export class ShareBook {
  constructor(
    private readonly store: ShareRequestStore,
    private readonly pairs: readonly SharePair[],
    private readonly approvalTimeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  admit(request: ShareRequest): ShareAdmission {
    const from = request.from.id;
    if (request.other === from) return { ok: false, reason: 'you cannot share files with yourself' };
    if (request.push.length === 0 && request.pull.length === 0)
      return {
        ok: false,
        reason:
          'name files (yours to share) or request_files (theirs to copy to you); for a question, use delegate_task',
      };
    const moves: ShareMove[] = [];
    try {
      if (request.push.length) moves.push(plan('push', from, request.other, request.push));
      if (request.pull.length) moves.push(plan('pull', request.other, from, request.pull));
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    }
    const waiting = this.store.waitingCountFrom(from);
    if (waiting >= MAX_WAITING_PER_AGENT)
      return {
        ok: false,
        reason: `refused: you already have ${waiting} share requests waiting for approval; wait for the answers`,
      };
    const allowed = (direction: ShareDirection): boolean =>
      this.pairs.some(
        (p) =>
          p.from === from && p.to === request.other && (p.direction === 'both' || p.direction === direction),
      );
    const needsApproval = !request.from.main && !moves.every((m) => allowed(m.direction));
    const createdAt = this.now();
    const share: Share = {
      id: this.newId(),
      from,
      chat: request.chat,
      other: request.other,
      description: request.description,
      moves,
      // An allowed request is copied at once, so it never waits in this state for long.
      status: 'awaiting_approval',
      createdAt,
      expiresAt: needsApproval ? createdAt + this.approvalTimeoutMs : undefined,
    };
    this.store.insert(share);
    return { ok: true, share, needsApproval };
  }

  get(id: string): Share | undefined {
    return this.store.get(id);
  }

  /** Requests awaiting approval (after a restart: to expire or re-arm). */
  waiting(): Share[] {
    return this.store.waiting();
  }

  /** Records the end; false when it had already ended (an expiry racing an approval). */
  end(share: Share, status: Exclude<ShareStatus, 'awaiting_approval'>, error?: string): boolean {
    if (!this.store.end(share.id, status, error)) return false;
    Object.assign(share, { status, endedAt: this.now(), error });
    return true;
  }

  /** For `omniclaw status`: counts by status and the newest requests. */
  summary(): { counts: Partial<Record<ShareStatus, number>>; recent: Share[] } {
    return { counts: this.store.counts(), recent: this.store.recent(10) };
  }

  private newId(): string {
    for (;;) {
      const id = `s-${randomBytes(3).toString('hex')}`;
      if (!this.store.get(id)) return id;
    }
  }
}

function plan(
  direction: ShareDirection,
  source: string,
  target: string,
  paths: readonly string[],
): ShareMove {
  return {
    direction,
    source,
    target,
    files: planFiles(source, paths, direction === 'push' ? 'files' : 'request_files'),
  };
}

/**
 * Where each file of `source`'s lands in the target's folder: shared/<source>/<name>. Throws
 * for a path that is not plain and relative (`..`, absolute) and for two files with one name,
 * which would overwrite each other. `argument` names the tool argument in the message.
 */
export function planFiles(source: string, paths: readonly string[], argument: string): ShareFile[] {
  const seen = new Set<string>();
  return paths.map((path) => {
    assertRelativePath(path, argument);
    const name = posix.basename(path);
    if (seen.has(name))
      throw new Error(`two files are named "${name}"; they would land on one another in shared/${source}/`);
    seen.add(name);
    return { path, lands: `shared/${source}/${name}` };
  });
}
