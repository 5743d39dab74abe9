/** What /readyz reports, from each part's own state. */
import { describe, expect, it } from 'vitest';
import { readinessChecks, type ReadinessSources } from '../../src/observability/readiness.js';

const sources = (over: Partial<ReadinessSources> = {}): ReadinessSources => ({
  database: { state: () => ({ ok: true }) },
  channels: { states: () => ({ telegram: { state: 'connected' } }) },
  sandboxes: { mainSandbox: async () => ({ kind: 'bwrap', available: true, why: 'bwrap 0.8 works' }) },
  ...over,
});
const run = async (s: ReadinessSources): Promise<Record<string, { ok: boolean; detail?: string }>> =>
  Object.fromEntries(await Promise.all(readinessChecks(s).map(async (c) => [c.name, await c.check()])));

describe('readiness checks', () => {
  it('are all ok while the database is writable, every channel connected and the sandbox runs', async () => {
    expect(await run(sources())).toEqual({
      database: { ok: true },
      channels: { ok: true, detail: undefined },
      sandbox: { ok: true, detail: 'bwrap: bwrap 0.8 works' },
    });
  });

  it('say since when the database cannot be written, and why', async () => {
    const since = Date.UTC(2026, 0, 2, 3, 4, 5);
    const database = { state: () => ({ ok: false, since, error: 'SQLITE_FULL' }) };
    expect((await run(sources({ database }))).database).toEqual({
      ok: false,
      detail: 'degraded: writes failing since 2026-01-02T03:04:05.000Z (SQLITE_FULL)',
    });
  });

  it('name each channel that is not connected, with its detail', async () => {
    const channels = {
      states: () => ({
        telegram: { state: 'connected' as const },
        slack: { state: 'failed' as const, detail: 'invalid_auth' },
        discord: { state: 'connecting' as const },
      }),
    };
    expect((await run(sources({ channels }))).channels).toEqual({
      ok: false,
      detail: 'slack: failed (invalid_auth); discord: connecting',
    });
  });

  it('are not ready when the main agent’s sandbox cannot run', async () => {
    const sandboxes = { mainSandbox: async () => ({ kind: 'docker', available: false, why: 'no daemon' }) };
    expect((await run(sources({ sandboxes }))).sandbox).toEqual({ ok: false, detail: 'docker: no daemon' });
  });
});
