import { describe, expect, it } from 'vitest';
import { BwrapSandbox } from '../../src/sandbox/bwrap.js';
import { describeIsolation } from './isolation-suite.js';

describe('bwrap backend', () => {
  it('detects that bubblewrap can create namespaces here, and how limits are enforced', async () => {
    const found = await new BwrapSandbox({ instanceId: 'test-detect' }).detect();
    expect(found.available).toBe(true);
    expect(found.why).toMatch(/creates namespaces/);
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
