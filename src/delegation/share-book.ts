/**
 * The share requests of this host (issue 11, share_request): who copies which files from
 * whose folder into whose, and how it ended. Decides from the run's identity alone whether a
 * request needs the operator's approval (a pair `multiAgent.share` does not allow, from an
 * agent that is not main — the rule delegate_task follows) and plans where each file lands:
 * `shared/<source agent>/<file name>` in the target's folder. Kept in memory like
 * delegations: a request open when the host stops is lost, and nothing was copied for it.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { assertRelativePath } from '../protocol/ids.js';

export type ShareStatus = 'awaiting_approval' | 'copied' | 'failed' | 'denied' | 'expired';
export type ShareDirection = 'push' | 'pull';

export interface ShareFile {
  /** Relative to the source agent's folder. */
  path: string;
  /** Relative to the target agent's folder: shared/<source>/<name>. */
  lands: string;
}

export interface ShareMove {
  direction: ShareDirection;
  /** Whose folder the files are read from, and whose they land in. */
  source: string;
  target: string;
  files: ShareFile[];
}

export interface Share {
  id: string;
  /** The requesting agent, and the chat its run answered (where it hears the outcome). */
  from: string;
  chat: string;
  other: string;
  description: string;
  moves: ShareMove[];
  status: ShareStatus;
  createdAt: number;
  endedAt?: number;
  error?: string;
}

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
const KEEP_ENDED = 50;
/** Requests one agent may have waiting for approval at once. */
export const MAX_WAITING_PER_AGENT = 5;

export class ShareBook {
  private readonly all = new Map<string, Share>();

  constructor(
    private readonly pairs: readonly SharePair[],
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
    const waiting = [...this.all.values()].filter(
      (s) => s.from === from && s.status === 'awaiting_approval',
    ).length;
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
    const share: Share = {
      id: this.newId(),
      from,
      chat: request.chat,
      other: request.other,
      description: request.description,
      moves,
      // An allowed request is copied at once, so it never waits in this state for long.
      status: 'awaiting_approval',
      createdAt: this.now(),
    };
    this.all.set(share.id, share);
    return { ok: true, share, needsApproval };
  }

  get(id: string): Share | undefined {
    return this.all.get(id);
  }

  /** Records the end; false when it had already ended (an expiry racing an approval). */
  end(share: Share, status: Exclude<ShareStatus, 'awaiting_approval'>, error?: string): boolean {
    if (share.status !== 'awaiting_approval') return false;
    Object.assign(share, { status, endedAt: this.now(), error });
    const ended = [...this.all.values()].filter((s) => s.status !== 'awaiting_approval');
    for (const s of ended.slice(0, Math.max(0, ended.length - KEEP_ENDED))) this.all.delete(s.id);
    return true;
  }

  private newId(): string {
    for (;;) {
      const id = `s-${randomBytes(3).toString('hex')}`;
      if (!this.all.has(id)) return id;
    }
  }
}

/** Where each file lands; two files with one name would overwrite each other, so that is refused. */
function plan(
  direction: ShareDirection,
  source: string,
  target: string,
  paths: readonly string[],
): ShareMove {
  const seen = new Set<string>();
  const files = paths.map((path) => {
    assertRelativePath(path, direction === 'push' ? 'files' : 'request_files');
    const name = posix.basename(path);
    if (seen.has(name))
      throw new Error(`two files are named "${name}"; they would land on one another in shared/${source}/`);
    seen.add(name);
    return { path, lands: `shared/${source}/${name}` };
  });
  return { direction, source, target, files };
}
