/**
 * The path most Linux desktops take: bwrap started by an unprivileged user, who cannot
 * create cgroups. The pids limit then comes from RLIMIT_NPROC inside the sandbox's fresh
 * user namespace. Here the root test host drops to `nobody` (runAs) to walk that path.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BwrapSandbox } from '../../src/sandbox/bwrap.js';
import { createWorld, probeSpec, runProbe, testAgent, type World } from './world.js';

const NOBODY = { uid: 65534, gid: 65534 };
let world: World;
beforeAll(async () => {
  world = await createWorld();
  // bwrap running as nobody must be able to open what it binds.
  execFileSync('chown', ['-R', `${NOBODY.uid}:${NOBODY.gid}`, world.root]);
});
afterAll(async () => world?.close());

describe('bwrap started by an unprivileged user (no cgroups)', () => {
  it('says which limits it can enforce', async () => {
    const found = await new BwrapSandbox({ limits: 'rlimit' }).detect();
    expect(found.why).toMatch(/pids limited by RLIMIT_NPROC, memory only as a V8 heap cap, no cpu limit/);
  });

  it('still isolates and limits processes through RLIMIT_NPROC in the user namespace', async () => {
    const backend = new BwrapSandbox({ instanceId: 'test-unpriv', limits: 'rlimit', runAs: NOBODY });
    const built = probeSpec(world, backend, testAgent('plain'));
    execFileSync('chown', ['-R', `${NOBODY.uid}:${NOBODY.gid}`, world.paths.home]);
    const run = await runProbe(backend, built, [
      { op: 'whoami' },
      { op: 'interfaces' },
      { op: 'write', path: '/workspace/agent/out.txt' },
      { op: 'read', path: world.paths.envFile },
      { op: 'fork', count: 100 },
    ]);
    const [uid, interfaces, write, dotenv, fork] = run.results;
    expect(uid?.detail).toBe('1000:1000');
    expect(interfaces?.detail).toBe('lo');
    expect(write?.ok).toBe(true);
    expect(dotenv?.ok).toBe(false);
    expect(fork?.ok).toBe(false);
    expect(fork?.detail).toMatch(/^\d+ EAGAIN$/);
    expect(Number(fork?.detail.split(' ')[0])).toBeLessThan(64);
  });
});
