import { describe, expect, it } from 'vitest';
import { appleContainerRunArgs } from '../../src/sandbox/apple-container.js';
import { bwrapArgs, bwrapCommand } from '../../src/sandbox/bwrap.js';
import { privilegeDropCommand } from '../../src/sandbox/bwrap-stage.js';
import { bindMountArg, containerName, dockerRunArgs } from '../../src/sandbox/docker.js';
import type { SandboxSpec } from '../../src/sandbox/types.js';

const spec = (over: Partial<SandboxSpec> = {}): SandboxSpec => ({
  runId: 'r1',
  agentId: 'helper',
  runner: { hostDir: '/srv/omniclaw', main: 'dist/runner/main.js' },
  mounts: [
    { hostPath: '/inst/groups/helper', containerPath: '/workspace/agent', readonly: false },
    { hostPath: '/inst/groups/global', containerPath: '/workspace/global', readonly: true },
  ],
  env: { HOME: '/workspace/state', OMNICLAW_GATEWAY_SOCKET: '/run/omniclaw/gateway.sock' },
  limits: { memoryMb: 512, cpus: 1.5, pids: 128, timeoutMs: 60_000 },
  workdir: '/workspace/agent',
  gateway: { socketPath: '/inst/gw.sock' },
  ...over,
});

/** The value following each occurrence of a flag. */
const valuesOf = (args: string[], flag: string): string[] =>
  args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));

describe('docker run arguments', () => {
  const args = dockerRunArgs(spec(), {
    image: 'omniclaw-agent:latest',
    instanceId: 'inst1',
    uid: 1000,
    gid: 1000,
  });

  it('isolates: no network, read-only root, no capabilities, no new privileges, non-root, limits', () => {
    expect(args.slice(0, 3)).toEqual(['run', '--rm', '-i']);
    expect(valuesOf(args, '--network')).toEqual(['none']);
    expect(args).toContain('--read-only');
    expect(valuesOf(args, '--tmpfs')).toEqual(['/tmp']);
    expect(valuesOf(args, '--cap-drop')).toEqual(['ALL']);
    expect(valuesOf(args, '--security-opt')).toEqual(['no-new-privileges']);
    expect(valuesOf(args, '--pids-limit')).toEqual(['128']);
    expect(valuesOf(args, '--memory')).toEqual(['512m']);
    expect(valuesOf(args, '--memory-swap')).toEqual(['512m']);
    expect(valuesOf(args, '--cpus')).toEqual(['1.5']);
    expect(valuesOf(args, '--user')).toEqual(['1000:1000']);
  });

  it("names the container's uid in a passwd and group mounted read-only over the image's", () => {
    const named = dockerRunArgs(spec(), {
      image: 'i',
      instanceId: 'i',
      uid: 61000,
      gid: 61000,
      etcDir: '/e',
    });
    expect(valuesOf(named, '--mount')).toEqual(
      expect.arrayContaining([
        'type=bind,source=/e/passwd,target=/etc/passwd,readonly',
        'type=bind,source=/e/group,target=/etc/group,readonly',
      ]),
    );
  });

  it('never pulls an image: a missing one is a set-up error, not a download', () => {
    expect(valuesOf(args, '--pull')).toEqual(['never']);
    expect(args.indexOf('--pull')).toBeLessThan(args.indexOf('omniclaw-agent:latest'));
  });

  it('bounds the RAM-backed /tmp when the spec says how large it may be', () => {
    const bounded = dockerRunArgs(spec({ limits: { ...spec().limits, tmpMb: 20 } }), {
      image: 'omniclaw-agent:latest',
      instanceId: 'inst1',
      uid: 1000,
      gid: 1000,
    });
    expect(valuesOf(bounded, '--tmpfs')).toEqual(['/tmp:size=20m']);
  });

  it('labels and names the container so orphans can be found', () => {
    expect(valuesOf(args, '--label')).toEqual([
      'omniclaw.managed=1',
      'omniclaw.instance=inst1',
      'omniclaw.agent=helper',
    ]);
    expect(valuesOf(args, '--name')).toEqual(['omniclaw-helper-r1']);
  });

  it('mounts only the runner, the spec mounts and the gateway socket, as --mount binds', () => {
    expect(valuesOf(args, '--mount')).toEqual([
      'type=bind,source=/srv/omniclaw,target=/opt/omniclaw,readonly',
      'type=bind,source=/inst/groups/helper,target=/workspace/agent',
      'type=bind,source=/inst/groups/global,target=/workspace/global,readonly',
      'type=bind,source=/inst/gw.sock,target=/run/omniclaw/gateway.sock,readonly',
    ]);
    expect(args).not.toContain('-v');
    expect(args).not.toContain('--volume');
  });

  it('runs the runner from the read-only runner folder', () => {
    expect(args.slice(-3)).toEqual(['omniclaw-agent:latest', 'node', '/opt/omniclaw/dist/runner/main.js']);
  });

  it.each([
    ['/a,readonly=false', 'injects a field'],
    ['/a:/b', 'a -v style separator'],
    ['/a"b', 'a CSV quote'],
    ['/a\nb', 'a newline'],
    ['relative', 'a relative path'],
  ])('refuses the mount source %j (%s)', (source) => {
    expect(() => bindMountArg(source, '/workspace/extra/x', true, 'helper')).toThrow(
      /agent "helper".*rename the folder/,
    );
    expect(() =>
      dockerRunArgs(spec({ mounts: [{ hostPath: source, containerPath: '/x', readonly: true }] }), {
        image: 'i',
        instanceId: 'i',
        uid: 1,
        gid: 1,
      }),
    ).toThrow();
  });

  it('keeps container names within docker rules whatever the run id', () => {
    expect(containerName('helper', 'run/../../x y')).toBe('omniclaw-helper-run_.._.._x_y');
  });
});

describe('bwrap arguments', () => {
  const args = bwrapArgs(spec(), {
    etcDir: '/tmp/etc',
    nodePath: '/usr/bin/node',
    system: [
      { path: '/usr', dir: true },
      { path: '/lib', symlinkTo: 'usr/lib' },
    ],
    uid: 1000,
    gid: 1000,
  });
  const joined = args.join(' ');

  it('unshares every namespace, forbids nested user namespaces, dies with the host, drops capabilities, runs as uid 1000', () => {
    expect(args.slice(0, 7)).toEqual([
      '--unshare-all',
      '--unshare-user',
      '--disable-userns',
      '--die-with-parent',
      '--new-session',
      '--cap-drop',
      'ALL',
    ]);
    expect(args).not.toContain('--share-net');
    expect(valuesOf(args, '--uid')).toEqual(['1000']);
    expect(args).toContain('--clearenv');
  });

  it('shows system folders read-only and never the whole /etc or /', () => {
    expect(joined).toContain('--ro-bind /usr /usr');
    expect(joined).toContain('--symlink usr/lib /lib');
    expect(joined).not.toMatch(/--(ro-)?bind \/ \//);
    expect(joined).not.toMatch(/--(ro-)?bind(-try)? \/etc \/etc/);
    expect(joined).toContain('--remount-ro /');
  });

  it('binds the spec mounts with their modes, the runner and the gateway socket', () => {
    expect(joined).toContain('--bind /inst/groups/helper /workspace/agent');
    expect(joined).toContain('--ro-bind /inst/groups/global /workspace/global');
    expect(joined).toContain('--ro-bind /srv/omniclaw /opt/omniclaw');
    expect(joined).toContain('--ro-bind /inst/gw.sock /run/omniclaw/gateway.sock');
    expect(args.slice(-3)).toEqual(['--', '/usr/bin/node', '/opt/omniclaw/dist/runner/main.js']);
  });

  it('bounds /tmp and /dev/shm and makes /dev read-only', () => {
    expect(joined).toContain('--dev /dev --size 67108864 --tmpfs /dev/shm --remount-ro /dev');
    expect(joined).toMatch(/--remount-ro \/dev --tmpfs \/tmp /);
    const bounded = bwrapArgs(spec({ limits: { ...spec().limits, tmpMb: 20 } }), {
      etcDir: '/e',
      nodePath: '/usr/bin/node',
      system: [],
      uid: 1000,
      gid: 1000,
    }).join(' ');
    expect(bounded).toContain(`--size ${20 * 1024 * 1024} --tmpfs /tmp`);
  });

  it("covers /proc's kernel knobs read-only after mounting the sandbox's own /proc", () => {
    expect(joined).toMatch(
      /--proc \/proc --ro-bind \/proc\/sys \/proc\/sys --ro-bind-try \/proc\/sysrq-trigger /,
    );
    for (const knob of ['irq', 'bus', 'fs'])
      expect(joined).toContain(`--ro-bind-try /proc/${knob} /proc/${knob}`);
  });

  it('binds every host source from the stage folder when a root host stages them', () => {
    const { args: staged, staged: sources } = bwrapCommand(spec(), {
      etcDir: '/e',
      nodePath: '/usr/bin/node',
      system: [{ path: '/usr', dir: true }],
      uid: 1000,
      gid: 1000,
      stageDir: '/tmp/stage',
    });
    expect(sources).toEqual(['/srv/omniclaw', '/inst/groups/helper', '/inst/groups/global', '/inst/gw.sock']);
    const text = staged.join(' ');
    expect(text).toContain('--ro-bind /tmp/stage/0 /opt/omniclaw');
    expect(text).toContain('--bind /tmp/stage/1 /workspace/agent');
    expect(text).toContain('--ro-bind /tmp/stage/2 /workspace/global');
    expect(text).toContain('--ro-bind /tmp/stage/3 /run/omniclaw/gateway.sock');
    for (const source of sources) expect(staged).not.toContain(source);
    expect(text).toContain('--ro-bind /usr /usr'); // system folders are readable by anyone
  });

  it('stages as root in a private mount namespace, then drops to the sandbox uid for bwrap', () => {
    const command = privilegeDropCommand({
      stageDir: '/tmp/stage',
      sources: ['/a', '/b'],
      runAs: { uid: 61000, gid: 61001 },
      bwrap: 'bwrap',
      args: ['--unshare-all'],
    });
    expect(command.slice(0, 5)).toEqual(['/usr/bin/unshare', '--mount', '--propagation', 'private', '--']);
    expect(command.slice(-11)).toEqual([
      '/tmp/stage',
      '/a',
      '/b',
      '--',
      '/usr/bin/setpriv',
      '--reuid=61000',
      '--regid=61001',
      '--clear-groups',
      '--',
      'bwrap',
      '--unshare-all',
    ]);
  });

  it('sets only the spec env', () => {
    expect(valuesOf(args, '--setenv')).toEqual(['HOME', 'OMNICLAW_GATEWAY_SOCKET']);
  });

  it('limits pids with RLIMIT_NPROC and the heap when no cgroup can be made', () => {
    const fallback = bwrapArgs(spec(), {
      etcDir: '/e',
      nodePath: '/home/u/.nvm/versions/node/v20/bin/node',
      nodePrefix: '/home/u/.nvm/versions/node/v20',
      system: [],
      uid: 1000,
      gid: 1000,
      rlimitFallback: { pids: 128, heapMb: 384 },
    });
    expect(fallback.join(' ')).toContain('--ro-bind /home/u/.nvm/versions/node/v20 /opt/node');
    expect(fallback.slice(-6)).toEqual([
      '/usr/bin/prlimit',
      '--nproc=128:128',
      '--',
      '/opt/node/bin/node',
      '--max-old-space-size=384',
      '/opt/omniclaw/dist/runner/main.js',
    ]);
  });
});

describe('apple container arguments', () => {
  const tcpSpec = spec({ gateway: { tcpUrl: 'http://192.168.64.1:7078' } });
  const args = appleContainerRunArgs(tcpSpec, {
    image: 'omniclaw-agent:latest',
    instanceId: 'inst1',
    uid: 1000,
    gid: 1000,
  });

  it('runs with limits, labels, a non-root user and --mount binds', () => {
    expect(args.slice(0, 3)).toEqual(['run', '--rm', '-i']);
    expect(valuesOf(args, '--memory')).toEqual(['512M']);
    expect(valuesOf(args, '--cpus')).toEqual(['2']);
    expect(valuesOf(args, '--user')).toEqual(['1000:1000']);
    expect(valuesOf(args, '--label')).toContain('omniclaw.instance=inst1');
    expect(valuesOf(args, '--mount')).toEqual([
      'type=bind,source=/srv/omniclaw,target=/opt/omniclaw,readonly',
      'type=bind,source=/inst/groups/helper,target=/workspace/agent',
      'type=bind,source=/inst/groups/global,target=/workspace/global,readonly',
    ]);
    expect(args.slice(-3)).toEqual(['omniclaw-agent:latest', 'node', '/opt/omniclaw/dist/runner/main.js']);
  });

  it('refuses a Unix-socket gateway it cannot mount, saying what to use instead', () => {
    expect(() => appleContainerRunArgs(spec(), { image: 'i', instanceId: 'i', uid: 1, gid: 1 })).toThrow(
      /TCP gateway address/,
    );
  });

  it('refuses mount paths that could inject options', () => {
    const bad = spec({
      gateway: { tcpUrl: 'http://h' },
      mounts: [{ hostPath: '/a,b', containerPath: '/x', readonly: true }],
    });
    expect(() => appleContainerRunArgs(bad, { image: 'i', instanceId: 'i', uid: 1, gid: 1 })).toThrow(
      /rename the folder/,
    );
  });
});
