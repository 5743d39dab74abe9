import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { containerName, DockerSandbox, MISSING_IMAGE_NOTICE } from '../../src/sandbox/docker.js';
import { startTestHost, until } from '../helpers/host.js';
import { buildAgentImage } from '../../src/sandbox/image.js';
import { describeIsolation } from './isolation-suite.js';
import { createWorld, probeSpec, startProbe, testAgent } from './world.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const docker = (...args: string[]): string => execFileSync('docker', args, { encoding: 'utf8' }).trim();

// The offline image build is skipped when the same inputs were built before (CI builds it first).
beforeAll(async () => {
  await buildAgentImage({ projectRoot, mode: 'offline' });
}, 600_000);

describe('docker backend', () => {
  it('detects a daemon that answers and the agent image', async () => {
    const found = await new DockerSandbox().detect();
    expect(found).toEqual({
      available: true,
      why: expect.stringMatching(/answers and has omniclaw-agent:latest/),
    });
  });

  it('says how to fix a missing image', async () => {
    const found = await new DockerSandbox({ image: 'omniclaw-agent:no-such-tag' }).detect();
    expect(found).toEqual({
      available: false,
      why: expect.stringContaining('omniclaw image build'),
      missingImage: 'omniclaw-agent:no-such-tag',
    });
  });

  it('says how to fix a missing CLI', async () => {
    const found = await new DockerSandbox({ cli: '/nonexistent/docker' }).detect();
    expect(found).toEqual({ available: false, why: expect.stringContaining('not installed') });
  });

  it('removes containers a crashed host left behind, and only its own', async () => {
    const run = (instance: string): string =>
      docker(
        'run',
        '-d',
        '--label',
        'omniclaw.managed=1',
        '--label',
        `omniclaw.instance=${instance}`,
        '--network',
        'none',
        'omniclaw-agent:latest',
        'sleep',
        '300',
      );
    const mine = [run('test-orphans'), run('test-orphans')];
    const theirs = run('test-orphans-other');
    try {
      const removed = await new DockerSandbox({ instanceId: 'test-orphans' }).cleanupOrphans();
      expect(removed).toBe(2);
      const left = docker('ps', '-aq', '--no-trunc', '--filter', 'label=omniclaw.managed=1').split('\n');
      for (const id of mine) expect(left).not.toContain(id);
      expect(left).toContain(theirs);
    } finally {
      execFileSync('docker', ['rm', '-f', theirs, ...mine], { stdio: 'ignore' });
    }
  });
});

// As root the host hands the instance's folders to the container's uid 1000, as the app does.
describe('docker kill', () => {
  it('stops the container itself, not just the CLI, when a run is killed', async () => {
    const world = await createWorld();
    try {
      const options = { instanceId: 'test-docker-kill', ownedRoots: [world.paths.home] };
      const backend = new DockerSandbox(options);
      // PROBE_STAY: a runner that would not notice its stdin closing.
      const { spec } = probeSpec(world, backend, testAgent('stubborn'));
      const { proc } = await startProbe(backend, { ...spec, env: { ...spec.env, PROBE_STAY: '1' } });
      const name = containerName(spec.agentId, spec.runId);
      expect(docker('ps', '-q', '--filter', `name=${name}`)).not.toBe('');
      await proc.kill();
      expect((await proc.exited).reason).toBe('killed');
      for (let i = 0; i < 50 && docker('ps', '-aq', '--filter', `name=${name}`) !== ''; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(docker('ps', '-aq', '--filter', `name=${name}`)).toBe('');
    } finally {
      await world.close();
    }
  });
});

// A tag no registry has and this host never built: `docker run` must not go looking for it.
const MISSING = 'omniclaw-agent:no-such-tag-never-pull';

describe('docker with its image missing', () => {
  it('does not pull: the run ends as unavailable with one sentence saying to build the image', async () => {
    const world = await createWorld();
    try {
      const backend = new DockerSandbox({ image: MISSING, instanceId: 'test-missing-image' });
      const { spec } = probeSpec(world, backend, testAgent('imageless'));
      const proc = await backend.start(spec);
      let stderr = '';
      proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exit = await proc.exited;
      expect(exit).toMatchObject({ code: 125, reason: 'unavailable', detail: MISSING_IMAGE_NOTICE });
      // What the daemon says for --pull never; a pull would have said "Unable to find image … locally".
      expect(stderr).toMatch(/No such image: omniclaw-agent:no-such-tag-never-pull/);
      expect(stderr).not.toMatch(/Unable to find image|Pulling/);
    } finally {
      await world.close();
    }
  });

  it('tells the chat once, without retrying or docker stderr', async () => {
    const host = await startTestHost(
      `
agents:
  - { id: main, main: true, sandbox: docker }
routes:
  - { chat: "mem:x", agent: main }
`,
      {
        backendFor: async () => new DockerSandbox({ image: MISSING, instanceId: 'test-missing-image-host' }),
      },
    );
    try {
      host.channel.receive('mem:x', 'hello');
      await until(() => host.channel.sentTo('mem:x').length === 1, 20_000, 'the notice');
      expect(host.channel.sentTo('mem:x')).toEqual([MISSING_IMAGE_NOTICE]);
      expect(host.app.store.runs.recent()).toHaveLength(1);
    } finally {
      await host.cleanup();
    }
  });
});

describe('docker as a root host', () => {
  it('hands instance folders to the container uid without following an agent-made symlink', async () => {
    const world = await createWorld();
    try {
      const victim = join(world.root, 'victim');
      writeFileSync(victim, 'root-owned host file');
      mkdirSync(join(world.paths.groups, 'linker'), { recursive: true });
      symlinkSync(victim, join(world.paths.groups, 'linker', 'evil'));
      const backend = new DockerSandbox({ instanceId: 'test-docker-chown', ownedRoots: [world.paths.home] });
      const { proc } = await startProbe(backend, probeSpec(world, backend, testAgent('linker')).spec);
      proc.stdin.write('{"type":"stop"}\n');
      await proc.exited;
      expect(statSync(victim).uid).toBe(0);
      expect(statSync(join(world.paths.groups, 'linker')).uid).toBe(61000);
    } finally {
      await world.close();
    }
  });
});

describeIsolation(
  'docker',
  (world) => new DockerSandbox({ instanceId: 'test-docker', ownedRoots: [world.paths.home] }),
);
