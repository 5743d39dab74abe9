/**
 * Per-run gateway tokens. A run's token is the only thing a sandbox holds: 256 random bits
 * that name the run (and so the agent and its allowed hosts) and die with it.
 *
 * Tokens are kept only as SHA-256 digests, so the table holds nothing worth stealing and a
 * lookup's timing says nothing about a real token. Revoking a token also cuts every
 * connection the run still has open (a streaming model reply, a CONNECT tunnel): a run
 * that has ended keeps no way out.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { HostRule } from './host-match.js';

/** Who a request comes from, as the host decided at grant time: never from the request. */
export interface RunIdentity {
  runId: string;
  agentId: string;
  /** Parsed allowHosts of the agent. */
  rules: readonly HostRule[];
}

/** Anything the gateway can cut when a run ends. */
export interface Closable {
  destroy(): void;
}

export interface Grantee extends RunIdentity {
  /**
   * Registers a live connection of this run; returns the function that forgets it, or
   * undefined when the run already has its maximum of open connections (refuse it).
   */
  track(connection: Closable): (() => void) | undefined;
  /** The per-run cap, for the refusal message. */
  readonly maxConnections: number;
}

/** Token prefix: makes a leaked token recognisable in logs and secret scanners. */
export const TOKEN_PREFIX = 'ocgw_';
const TOKEN_BYTES = 32;

const digest = (token: string): string => createHash('sha256').update(token).digest('hex');

interface Entry extends Grantee {
  live: Set<Closable>;
}

/** Open connections one run may hold at once: plenty for an engine and a browser, too few to exhaust the host. */
export const DEFAULT_MAX_CONNECTIONS_PER_RUN = 64;

export class RunTokens {
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly maxConnectionsPerRun = DEFAULT_MAX_CONNECTIONS_PER_RUN) {}

  /** Mints a fresh token for `identity`. The returned revoke is idempotent. */
  mint(identity: RunIdentity): { token: string; revoke: () => void } {
    const token = TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
    const key = digest(token);
    const live = new Set<Closable>();
    const entry: Entry = {
      ...identity,
      live,
      maxConnections: this.maxConnectionsPerRun,
      track: (connection) => {
        if (live.has(connection)) return () => live.delete(connection);
        if (live.size >= this.maxConnectionsPerRun) return undefined;
        live.add(connection);
        return () => live.delete(connection);
      },
    };
    this.#entries.set(key, entry);
    return { token, revoke: () => this.#revoke(key) };
  }

  /** The grantee for a token, or undefined for a missing, unknown or revoked one. */
  lookup(token: string | undefined): Grantee | undefined {
    if (!token || !token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
    return this.#entries.get(digest(token));
  }

  /** Live grants, for status output and tests. */
  get size(): number {
    return this.#entries.size;
  }

  revokeAll(): void {
    for (const key of [...this.#entries.keys()]) this.#revoke(key);
  }

  #revoke(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    for (const connection of entry.live) connection.destroy();
    entry.live.clear();
  }
}
