/** The daemon's status, as `omniclaw status` shows it (and `--json` prints it). */
import type { Config } from '../config/normalise.js';
import type { Store } from '../store/index.js';
import type { ChannelState } from '../domain/channel.js';
import type { AgentQueue } from './agent-queue.js';
import type { DatabaseHealthState } from '../store/db-health.js';
import { startOfDay } from './budget.js';

export interface StatusReport {
  running: true;
  pid: number;
  uptimeSeconds: number;
  http: { host: string; port: number };
  channels: Record<string, { state: ChannelState; detail?: string }>;
  /** Not ok while the database cannot be written (disk full, I/O errors). */
  database?: DatabaseHealthState;
  queue: { running: number; waiting: number; warm: number };
  outbox: { pending: number; sent: number; failed: number };
  agents: {
    id: string;
    name: string;
    main: boolean;
    runtime: string;
    sandbox: string;
    active: { chat: string; state: string } | null;
    today: {
      runs: number;
      failedAttempts: number;
      inputTokens: number;
      outputTokens: number;
      costUsd: number;
    };
  }[];
}

export interface StatusSources {
  config: Config;
  store: Store;
  queue: AgentQueue;
  http: { host: string; port: number };
  channelStates(): Record<string, { state: ChannelState; detail?: string }>;
  database?: () => DatabaseHealthState;
  startedAt: number;
  now?: () => number;
}

export function buildStatus(s: StatusSources): StatusReport {
  const now = (s.now ?? Date.now)();
  const since = startOfDay(now, s.config.instance.timezone);
  const active = new Map(s.queue.activeRuns().map((r) => [r.agent.id, { chat: r.chat, state: r.state }]));
  return {
    running: true,
    pid: process.pid,
    uptimeSeconds: Math.round((now - s.startedAt) / 1000),
    http: s.http,
    channels: s.channelStates(),
    database: s.database?.() ?? { ok: true },
    queue: s.queue.stats(),
    outbox: s.store.outbox.counts(),
    agents: s.config.agents.map((a) => {
      const u = s.store.runs.usageSince(a.id, since);
      return {
        id: a.id,
        name: a.name,
        main: a.main,
        runtime: a.runtime,
        sandbox: a.sandbox,
        active: active.get(a.id) ?? null,
        today: {
          runs: u.runs,
          failedAttempts: u.failedAttempts,
          inputTokens: u.inputTokens,
          outputTokens: u.outputTokens,
          costUsd: u.costUsd,
        },
      };
    }),
  };
}
