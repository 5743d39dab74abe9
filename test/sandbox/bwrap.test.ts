import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BwrapSandbox } from '../../src/sandbox/bwrap.js';
import { describeIsolation } from './isolation-suite.js';

describe('bwrap backend', () => {
  it('detects that bubblewrap can create namespaces here, and how limits are enforced', async () => {
    const found = await new BwrapSandbox({ instanceId: 'test-detect' }).detect();
    expect(found.available).toBe(true);
    expect(found.why).toMatch(/creates namespaces/);
  });

  it('refuses a bubblewrap too old to forbid nested user namespaces, with the fix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omniclaw-old-bwrap-'));
    try {
      const old = join(dir, 'bwrap');
      writeFileSync(old, '#!/bin/sh\necho "bubblewrap 0.7.0"\n');
      chmodSync(old, 0o755);
      const found = await new BwrapSandbox({ bwrapPath: old }).detect();
      expect(found).toEqual({
        available: false,
        why: expect.stringMatching(/too old: 0\.8 or later.*--disable-userns/),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a missing bwrap binary with the install command', async () => {
    const found = await new BwrapSandbox({ bwrapPath: '/nonexistent/bwrap' }).detect();
    expect(found).toEqual({ available: false, why: expect.stringContaining('apt-get install bubblewrap') });
  });
});

// As the app does: the instance home's folders go to the sandbox uid (a root host's unprivileged one).
describeIsolation(
  'bwrap',
  (world) => new BwrapSandbox({ instanceId: 'test-bwrap', ownedRoots: [world.paths.home] }),
);
