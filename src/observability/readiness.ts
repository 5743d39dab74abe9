/**
 * What /readyz asks: can the database be written, is every channel connected, can the main
 * agent's sandbox run? Each probe reads its part through a function, so this layer knows
 * none of the parts.
 */
import type { ChannelState } from '../domain/channel.js';
import { ObservabilityServer, type ReadinessCheck } from './http-server.js';
import type { Metrics } from './metrics.js';

export interface ReadinessSources {
  database: { state(): { ok: boolean; since?: number; error?: string } };
  channels: { states(): Record<string, { state: ChannelState; detail?: string }> };
  /** The main agent's sandbox backend: its kind and whether it can run here. */
  sandboxes: { mainSandbox(): Promise<{ kind: string; available: boolean; why: string }> };
}

/** `more`: probes of parts this layer does not know (the machines). */
export function readinessChecks(sources: ReadinessSources, more: ReadinessCheck[] = []): ReadinessCheck[] {
  return [
    {
      name: 'database',
      check: () => {
        const health = sources.database.state();
        if (health.ok) return { ok: true };
        const since = health.since === undefined ? 'a while' : new Date(health.since).toISOString();
        return { ok: false, detail: `degraded: writes failing since ${since} (${health.error})` };
      },
    },
    {
      name: 'channels',
      check: () => {
        const bad = Object.entries(sources.channels.states()).filter(([, s]) => s.state !== 'connected');
        const detail = bad.map(([n, s]) => `${n}: ${s.state}${s.detail ? ` (${s.detail})` : ''}`).join('; ');
        return { ok: bad.length === 0, detail: detail || undefined };
      },
    },
    {
      name: 'sandbox',
      check: async () => {
        const found = await sources.sandboxes.mainSandbox();
        return { ok: found.available, detail: `${found.kind}: ${found.why}` };
      },
    },
    ...more,
  ];
}

/** Listens for /healthz, /readyz and /metrics on http.host:port. */
export async function serveObservability(
  options: { http: { host: string; port: number }; metrics: Metrics } & ReadinessSources,
  more: ReadinessCheck[] = [],
): Promise<ObservabilityServer> {
  const server = new ObservabilityServer({
    ...options.http,
    registry: options.metrics.registry,
    readiness: readinessChecks(options, more),
  });
  await server.listen();
  return server;
}
