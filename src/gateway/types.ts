/**
 * The egress gateway: a sandbox's only way out. Real credentials stay on the host; a run
 * gets endpoints and a per-run token that dies with the run.
 */
import type { ModelEndpoint } from '../protocol/runner-protocol.js';
import type { RunIdentity } from './tokens.js';
import type { MeteredUsage } from './model-usage.js';

/**
 * Charges model calls to runs and keeps runs inside their agent's daily budget. The gateway
 * is the one place every model call passes, so it is the single source of token usage.
 */
export interface ModelMeter {
  /** Before a call: a refusal (for the agent) when the run's agent has spent its budget. */
  admit(run: RunIdentity): string | undefined;
  /** After a successful call: what it used, as the upstream reported it or estimated by size. */
  record(run: RunIdentity, usage: MeteredUsage, how: 'reported' | 'estimated'): void;
}

export interface RunGrant {
  /** Endpoints as seen from inside the sandbox (through the in-sandbox forwarder on Linux). */
  endpoints: { anthropic?: ModelEndpoint; openai?: ModelEndpoint };
  /** The per-run token (also inside each endpoint and the proxy URL). Not a real secret; dies with the run. */
  token: string;
  /** HTTP(S) proxy URL for web access, when the agent has allowed hosts. */
  httpProxy?: string;
  /** Host path of the Unix socket to mount into the sandbox (Linux), if any. */
  socketPath?: string;
  /** Host TCP URL for backends that cannot mount a socket (Apple Container, Docker Desktop). */
  tcpUrl?: string;
  /** Ends the grant: the token stops working at once. */
  revoke(): void;
}

export interface GrantRequest {
  runId: string;
  agentId: string;
  /** Hosts the agent may reach through the CONNECT proxy (model routes are always allowed). */
  allowHosts: string[];
  /** How the sandbox reaches the host: 'socket' (Linux, no network) or 'tcp'. */
  transport: 'socket' | 'tcp';
}

export interface Gateway {
  grant(request: GrantRequest): RunGrant;
  close(): Promise<void>;
}
