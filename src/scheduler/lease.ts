/**
 * Claim leases: every scheduler has an owner id (host:pid:nonce) written on the runs it
 * claims, and renews their lease while they are queued or running. Another scheduler (a
 * second daemon on the same database, or the next start after a crash) takes a run over
 * only when its owner is gone: the lease ran out without renewal, or the owner's process
 * on this machine no longer exists (so a restart after kill -9 recovers at once, without
 * waiting for the lease).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { TaskRunRecord } from '../store/tasks.js';

/** How long a claim holds without renewal; the owner renews every third of it. */
export const DEFAULT_LEASE_MS = 30_000;

export function newOwnerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** True when a process with this pid exists (EPERM: it exists, owned by someone else). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The owner's process is known dead: same machine, another pid, and no such process. */
function ownerProcessGone(owner: string): boolean {
  const [host, pid] = owner.split(':');
  const n = Number(pid);
  if (host !== hostname() || !Number.isInteger(n) || n <= 0 || n === process.pid) return false;
  return !processExists(n);
}

/** May `self` take over this open run? Never its own; others' when their owner is gone. */
export function isAbandoned(run: TaskRunRecord, self: string, now: number): boolean {
  if (run.owner === self) return false;
  // Claimed before leases existed (migration 004): only a dead host leaves those open.
  if (run.owner === undefined || run.leaseUntil === undefined) return true;
  return run.leaseUntil <= now || ownerProcessGone(run.owner);
}
