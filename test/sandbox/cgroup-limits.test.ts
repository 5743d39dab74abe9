import { existsSync, mkdirSync, readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BwrapSandbox } from '../../src/sandbox/bwrap.js';
import { createRunCgroup, probeCgroups } from '../../src/sandbox/cgroup-limits.js';

const limits = { memoryMb: 300, cpus: 0.5, pids: 40, timeoutMs: 1000 };

describe('run cgroups (real /sys/fs/cgroup; the test host is root)', () => {
  it('creates a cgroup per run with the pids, memory and cpu limits, and removes it', () => {
    const probe = probeCgroups(undefined, 'omniclaw-test-cgroups');
    expect(probe.layout).toBeDefined();
    const run = createRunCgroup(probe.layout!, limits);
    const dirs = run.procsFiles.map((f) => dirname(f));
    const read = (file: string): string =>
      readFileSync(
        dirs.map((d) => join(d, file)).find((p) => existsSync(p))!,
        'utf8',
      ).trim();
    if (probe.layout!.version === 1) {
      expect(read('pids.max')).toBe('40');
      expect(read('memory.limit_in_bytes')).toBe(String(300 * 1024 * 1024));
      expect(read('cpu.cfs_quota_us')).toBe('50000');
      expect(read('cpu.cfs_period_us')).toBe('100000');
    } else {
      expect(read('pids.max')).toBe('40');
      expect(read('memory.max')).toBe(String(300 * 1024 * 1024));
      expect(read('cpu.max')).toBe('50000 100000');
    }
    expect(run.limitHit()).toBeUndefined();
    run.destroy();
    for (const dir of dirs) expect(existsSync(dir)).toBe(false);
  });

  it('says why when cgroups cannot be created', () => {
    const root = mkdtempSync(join(tmpdir(), 'omniclaw-nocgroup-'));
    writeFileSync(join(root, 'pids'), 'a file where a folder should be');
    expect(probeCgroups(root).why).toMatch(
      /cannot create cgroups \(\w+\); run as root or in a delegated cgroup/,
    );
    rmSync(root, { recursive: true, force: true });
  });

  it('removes empty run cgroups a crashed host left behind', async () => {
    const backend = new BwrapSandbox({ instanceId: 'test-cg-orphans' });
    const layout = probeCgroups(undefined, 'omniclaw-test-cg-orphans').layout!;
    const parents = Object.values(layout.parents) as string[];
    for (const parent of parents) mkdirSync(join(parent, 'run-left-behind'), { recursive: true });
    expect(await backend.cleanupOrphans()).toBe(parents.length);
    for (const parent of parents) expect(existsSync(join(parent, 'run-left-behind'))).toBe(false);
  });
});
