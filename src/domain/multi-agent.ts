/**
 * The records of agents working together (issue 11): a delegation (delegate_task) and a
 * share request (share_request). Declared here, below the store, because the store keeps
 * them (migration 007) and the delegation layer decides about them.
 */
import type { Usage } from '../protocol/runner-protocol.js';

export type DelegationStatus =
  'awaiting_approval' | 'running' | 'done' | 'failed' | 'denied' | 'expired' | 'interrupted';
export type DelegationEnd = Exclude<DelegationStatus, 'awaiting_approval' | 'running'>;
export const OPEN_DELEGATION: readonly DelegationStatus[] = ['awaiting_approval', 'running'];

/** A file copied from one agent's folder into another's. */
export interface ShareFile {
  /** Relative to the source agent's folder. */
  path: string;
  /** Relative to the target agent's folder: shared/<source>/<name>. */
  lands: string;
}

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
  /** Files the requester attached, copied into the target's shared/<from>/ before its run. */
  files: ShareFile[];
  status: DelegationStatus;
  /** The delegated run carrying it out, once started. */
  runId?: string;
  createdAt: number;
  /** When an approval request runs out. */
  expiresAt?: number;
  endedAt?: number;
  usage?: Usage;
  error?: string;
}

export type ShareStatus = 'awaiting_approval' | 'copied' | 'failed' | 'denied' | 'expired';
export type ShareDirection = 'push' | 'pull';

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
  /** When the approval request runs out. */
  expiresAt?: number;
  endedAt?: number;
  error?: string;
}
