import { describe, expect, it } from 'vitest';
import { runnerMounts } from '../../src/sandbox/runner-mounts.js';
import { dockerRunArgs } from '../../src/sandbox/docker.js';

describe('runner mounts', () => {
  it('mounts the whole runner folder when no entries are listed', () => {
    expect(runnerMounts({ hostDir: '/p', main: 'r.mjs' })).toEqual([
      { hostPath: '/p', containerPath: '/opt/omniclaw' },
    ]);
  });

  it('mounts only the listed entries, so agents do not see tests or .git', () => {
    expect(
      runnerMounts({
        hostDir: '/p',
        main: 'dist/runner/main.js',
        include: ['dist', 'node_modules', 'package.json'],
      }),
    ).toEqual([
      { hostPath: '/p/dist', containerPath: '/opt/omniclaw/dist' },
      { hostPath: '/p/node_modules', containerPath: '/opt/omniclaw/node_modules' },
      { hostPath: '/p/package.json', containerPath: '/opt/omniclaw/package.json' },
    ]);
  });

  it.each(['..', '.', '../etc', 'a/b', 'x:y', 'a,readonly=false', ''])('refuses the entry %j', (entry) => {
    expect(() => runnerMounts({ hostDir: '/p', main: 'm.js', include: [entry] })).toThrow(/plain name/);
  });

  it('gives docker one read-only bind mount per entry', () => {
    const args = dockerRunArgs(
      {
        runId: 'r1',
        agentId: 'main',
        runner: { hostDir: '/p', main: 'dist/runner/main.js', include: ['dist', 'package.json'] },
        mounts: [],
        env: {},
        limits: { memoryMb: 256, cpus: 1, pids: 64, timeoutMs: 1000 },
        workdir: '/workspace/agent',
      },
      { image: 'img', uid: 1000, gid: 1000, instanceId: 'i' },
    ).join(' ');
    expect(args).toContain('type=bind,source=/p/dist,target=/opt/omniclaw/dist,readonly');
    expect(args).toContain('type=bind,source=/p/package.json,target=/opt/omniclaw/package.json,readonly');
    expect(args).not.toContain('target=/opt/omniclaw,');
  });
});
