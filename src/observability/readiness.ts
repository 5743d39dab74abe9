/**
 * What /readyz asks: can the database be written, is every channel connected, can the main
 * agent's sandbox run? Each probe reads its part through a function, so this layer knows
 * none of the parts.
 */
import type { ChannelState } from '../domain/channel.js';
import type { ReadinessCheck } from './http-server.js';

export interface ReadinessSources {
  database(): { ok: boolean; since?: number; error?: string };
  channels(): Record<string, { state: ChannelState; detail?: string }>;
  /** The main agent's sandbox backend: its kind and whether it can run here. */
  sandbox(): Promise<{ kind: string; available: boolean; why: string }>;
}

export function readinessChecks(sources: ReadinessSources): ReadinessCheck[] {
  return [
    {
      name: 'database',
      check: () => {
        const health = sources.database();
        if (health.ok) return { ok: true };
        const since = health.since === undefined ? 'a while' : new Date(health.since).toISOString();
        return { ok: false, detail: `degraded: writes failing since ${since} (${health.error})` };
      },
    },
    {
      name: 'channels',
      check: () => {
        const bad = Object.entries(sources.channels()).filter(([, s]) => s.state !== 'connected');
        const detail = bad.map(([n, s]) => `${n}: ${s.state}${s.detail ? ` (${s.detail})` : ''}`).join('; ');
        return { ok: bad.length === 0, detail: detail || undefined };
      },
    },
    {
      name: 'sandbox',
      check: async () => {
        const found = await sources.sandbox();
        return { ok: found.available, detail: `${found.kind}: ${found.why}` };
      },
    },
  ];
}
