/**
 * Hard memory, cpu and pids limits for sandboxes that have no daemon to set them (bwrap):
 * one cgroup per run, joined by the sandbox's first process before it starts anything.
 *
 * Works where this process may create cgroups: as root (cgroup v1 or v2), or in a
 * delegated v2 subtree. Elsewhere `probeCgroups` says so and the bwrap backend falls back
 * to RLIMIT_NPROC inside the sandbox's fresh user namespace (which limits pids) and a V8
 * heap cap (which only approximates memory).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxLimits } from './types.js';

export interface CgroupLayout {
  version: 1 | 2;
  /** Parent folders our run cgroups go under, one per controller (v1) or one (v2). */
  parents: { pids: string; memory: string; cpu: string } | { unified: string };
}

export interface RunCgroup {
  /** `cgroup.procs` files the first process writes its pid to. */
  procsFiles: string[];
  /** Which limit was hit, read after the run ends. */
  limitHit(): 'memory' | 'pids' | undefined;
  /** Kills whatever is left inside and removes the cgroup. */
  destroy(): void;
}

const ROOT = '/sys/fs/cgroup';

/** Finds a place where this process can create cgroups with limits, or says why not. */
export function probeCgroups(
  root: string = ROOT,
  parentName = 'omniclaw',
): { layout?: CgroupLayout; why: string } {
  try {
    if (existsSync(join(root, 'cgroup.controllers'))) {
      const parent = join(root, parentName);
      mkdirSync(parent, { recursive: true });
      const wanted = ['pids', 'memory', 'cpu'];
      const available = readFileSync(join(root, 'cgroup.controllers'), 'utf8').split(/\s+/);
      const missing = wanted.filter((c) => !available.includes(c));
      if (missing.length) return { why: `cgroup v2 lacks the ${missing.join(', ')} controller(s)` };
      writeFileSync(join(root, 'cgroup.subtree_control'), wanted.map((c) => `+${c}`).join(' '));
      writeFileSync(join(parent, 'cgroup.subtree_control'), wanted.map((c) => `+${c}`).join(' '));
      return { layout: { version: 2, parents: { unified: parent } }, why: 'cgroup v2 limits' };
    }
    const parents = {
      pids: join(root, 'pids', parentName),
      memory: join(root, 'memory', parentName),
      cpu: join(root, 'cpu', parentName),
    };
    for (const dir of Object.values(parents)) mkdirSync(dir, { recursive: true });
    return { layout: { version: 1, parents }, why: 'cgroup v1 limits' };
  } catch (err) {
    return {
      why: `cannot create cgroups (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); run as root or in a delegated cgroup for hard memory/cpu limits`,
    };
  }
}

const readCount = (file: string, key: string): number => {
  try {
    const match = new RegExp(`^${key} (\\d+)$`, 'm').exec(readFileSync(file, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
};

const killAll = (procsFile: string): void => {
  try {
    for (const pid of readFileSync(procsFile, 'utf8').split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  } catch {
    // The cgroup is already gone.
  }
};

const removeWhenEmpty = (dir: string): void => {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      rmdirSync(dir);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      killAll(join(dir, 'cgroup.procs'));
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10); // brief wait for the kernel to reap
    }
  }
};

/** Creates the cgroup(s) of one run with its limits. */
export function createRunCgroup(layout: CgroupLayout, limits: SandboxLimits): RunCgroup {
  const name = `run-${randomUUID()}`;
  const memoryBytes = String(limits.memoryMb * 1024 * 1024);
  const period = 100_000;
  const quota = String(Math.max(1_000, Math.round(limits.cpus * period)));
  if ('unified' in layout.parents) {
    const dir = join(layout.parents.unified, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'pids.max'), String(limits.pids));
    writeFileSync(join(dir, 'memory.max'), memoryBytes);
    writeFileSync(join(dir, 'memory.swap.max'), '0');
    writeFileSync(join(dir, 'cpu.max'), `${quota} ${period}`);
    return {
      procsFiles: [join(dir, 'cgroup.procs')],
      limitHit: () =>
        readCount(join(dir, 'memory.events'), 'oom_kill') > 0
          ? 'memory'
          : readCount(join(dir, 'pids.events'), 'max') > 0
            ? 'pids'
            : undefined,
      destroy: () => {
        try {
          writeFileSync(join(dir, 'cgroup.kill'), '1');
        } catch {
          killAll(join(dir, 'cgroup.procs'));
        }
        removeWhenEmpty(dir);
      },
    };
  }
  const dirs = {
    pids: join(layout.parents.pids, name),
    memory: join(layout.parents.memory, name),
    cpu: join(layout.parents.cpu, name),
  };
  for (const dir of Object.values(dirs)) mkdirSync(dir);
  writeFileSync(join(dirs.pids, 'pids.max'), String(limits.pids));
  writeFileSync(join(dirs.memory, 'memory.limit_in_bytes'), memoryBytes);
  try {
    writeFileSync(join(dirs.memory, 'memory.memsw.limit_in_bytes'), memoryBytes);
  } catch {
    // No swap accounting on this kernel: memory.limit_in_bytes alone applies.
  }
  writeFileSync(join(dirs.cpu, 'cpu.cfs_period_us'), String(period));
  writeFileSync(join(dirs.cpu, 'cpu.cfs_quota_us'), quota);
  return {
    procsFiles: Object.values(dirs).map((dir) => join(dir, 'cgroup.procs')),
    limitHit: () =>
      readCount(join(dirs.memory, 'memory.oom_control'), 'oom_kill') > 0
        ? 'memory'
        : readCount(join(dirs.pids, 'pids.events'), 'max') > 0
          ? 'pids'
          : undefined,
    destroy: () => {
      killAll(join(dirs.pids, 'cgroup.procs'));
      for (const dir of Object.values(dirs)) removeWhenEmpty(dir);
    },
  };
}
