import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instancePaths, type InstancePaths } from '../../src/config/paths.js';
import { loadMountAllowlist } from '../../src/sandbox/mounts.js';
import {
  assertNoSecrets,
  buildSandboxSpec,
  SecretLeakError,
  type BuildSpecInput,
} from '../../src/sandbox/spec.js';
import { testAgent } from './world.js';

let root: string;
let paths: InstancePaths;
let project: string;
let runnerDir: string;
let home: string;
let allowlistPath: string;

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'omniclaw-spec-')));
  paths = instancePaths(join(root, 'instance'));
  mkdirSync(paths.home, { recursive: true });
  project = join(root, 'project');
  mkdirSync(join(project, '.aws'), { recursive: true });
  writeFileSync(join(project, '.env'), 'SECRET=1');
  writeFileSync(join(project, 'README.md'), 'hi');
  runnerDir = join(root, 'runner');
  mkdirSync(runnerDir);
  home = join(root, 'home');
  mkdirSync(join(home, 'code', 'site'), { recursive: true });
  allowlistPath = join(home, '.config', 'omniclaw', 'allow.json');
  mkdirSync(join(home, '.config', 'omniclaw'), { recursive: true });
  writeFileSync(allowlistPath, JSON.stringify({ allowedRoots: [{ path: '~/code' }] }));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const input = (over: Partial<BuildSpecInput> = {}): BuildSpecInput => ({
  agent: testAgent('helper'),
  paths,
  runId: 'r1',
  projectRoot: project,
  runnerDir,
  runnerMain: 'dist/runner/main.js',
  grant: { endpoints: {}, token: 'run-token', socketPath: join(root, 'gw.sock'), revoke: () => undefined },
  allowlist: loadMountAllowlist(allowlistPath, home),
  allowlistPath,
  mapsPaths: true,
  home,
  ...over,
});

describe('buildSandboxSpec', () => {
  it('gives a non-main agent its folder rw, global memory ro, its state rw, and no project', () => {
    const agent = testAgent('helper', { mounts: [{ hostPath: '~/code/site', readonly: true }] });
    const { spec, workspace, diskFolders } = buildSandboxSpec(input({ agent }));
    expect(spec.mounts).toEqual([
      { hostPath: join(paths.groups, 'helper'), containerPath: '/workspace/agent', readonly: false },
      { hostPath: paths.globalMemory, containerPath: '/workspace/global', readonly: true },
      { hostPath: join(paths.sessions, 'helper'), containerPath: '/workspace/state', readonly: false },
      {
        hostPath: join(paths.home, 'inbox', 'helper'),
        containerPath: '/workspace/inbox',
        readonly: true,
        hostOwned: true,
      },
      { hostPath: join(home, 'code', 'site'), containerPath: '/workspace/extra/site', readonly: true },
    ]);
    expect(workspace).toEqual({
      agentDir: '/workspace/agent',
      globalDir: '/workspace/global',
      serverDir: undefined,
      extraDirs: ['/workspace/extra/site'],
      stateDir: '/workspace/state',
      inboxDir: '/workspace/inbox',
    });
    // The disk limit covers what the agent writes in the instance, not your extra mounts.
    expect(diskFolders).toEqual([join(paths.groups, 'helper'), join(paths.sessions, 'helper')]);
    // /tmp is RAM: bounded by the disk limit and never above the memory limit.
    expect(spec.limits).toMatchObject({ diskMb: 1024, memoryMb: 256, tmpMb: 256 });
    // Received files: the host's folder, readable by any sandbox uid, written by the host only.
    expect(statSync(join(paths.home, 'inbox', 'helper')).mode & 0o777).toBe(0o755);
    expect(spec.workdir).toBe('/workspace/agent');
    expect(spec.runner).toEqual({ hostDir: runnerDir, main: 'dist/runner/main.js' });
    expect(spec.env).toEqual({
      HOME: '/workspace/state',
      PATH: '/usr/local/bin:/usr/bin:/bin',
      LANG: 'C.UTF-8',
      OMNICLAW_RUN_ID: 'r1',
      OMNICLAW_AGENT_ID: 'helper',
      OMNICLAW_GATEWAY_SOCKET: '/run/omniclaw/gateway.sock',
    });
    expect(spec.gateway).toEqual({ socketPath: join(root, 'gw.sock') });
  });

  it('gives the main agent global memory rw and the project ro, hiding blocked names in it', () => {
    const { spec } = buildSandboxSpec(input({ agent: testAgent('boss', { main: true }) }));
    expect(spec.mounts.find((m) => m.containerPath === '/workspace/global')?.readonly).toBe(false);
    const projectMounts = spec.mounts.filter((m) => m.containerPath.startsWith('/workspace/project'));
    expect(projectMounts).toEqual([
      { hostPath: project, containerPath: '/workspace/project', readonly: true },
      {
        hostPath: join(paths.home, 'sandbox-empty'),
        containerPath: '/workspace/project/.aws',
        readonly: true,
      },
      { hostPath: '/dev/null', containerPath: '/workspace/project/.env', readonly: true },
    ]);
  });

  it('refuses a project that contains the instance home (its database and .env)', () => {
    const inner = instancePaths(join(project, '.omniclaw-home'));
    mkdirSync(inner.home, { recursive: true });
    expect(() => buildSandboxSpec(input({ agent: testAgent('boss', { main: true }), paths: inner }))).toThrow(
      /instance home .* is inside the project .*Set OMNICLAW_HOME/,
    );
  });

  it('mounts a server folder, and refuses a server name that would leave groups/servers', () => {
    const { spec } = buildSandboxSpec(input({ agent: testAgent('helper', { server: '1234567890' }) }));
    expect(spec.mounts).toContainEqual({
      hostPath: join(paths.groups, 'servers', '1234567890'),
      containerPath: '/workspace/server',
      readonly: false,
    });
    for (const server of ['../../etc', 'a/b', '', '.hidden']) {
      expect(() => buildSandboxSpec(input({ agent: testAgent('helper', { server }) }))).toThrow(
        /invalid server id/,
      );
    }
  });

  it('counts global memory against the main agent, and a shared server folder against its agents', () => {
    const main = buildSandboxSpec(input({ agent: testAgent('boss', { main: true }) }));
    expect(main.diskFolders).toContain(paths.globalMemory);
    const member = buildSandboxSpec(input({ agent: testAgent('helper', { server: '42' }) }));
    expect(member.diskFolders).toContain(join(paths.groups, 'servers', '42'));
    expect(member.diskFolders).not.toContain(paths.globalMemory);
  });

  it('refuses to mount a received-files folder that is not its own plain folder', () => {
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere, { recursive: true });
    mkdirSync(paths.inbox, { recursive: true });
    symlinkSync(elsewhere, join(paths.inbox, 'linked'));
    expect(() => buildSandboxSpec(input({ agent: testAgent('linked') }))).toThrow(/not a plain folder/);
  });

  it('tells the none backend host paths, since it maps nothing', () => {
    const { spec, workspace } = buildSandboxSpec(input({ mapsPaths: false }));
    expect(workspace.agentDir).toBe(join(paths.groups, 'helper'));
    expect(workspace.stateDir).toBe(join(paths.sessions, 'helper'));
    expect(workspace.inboxDir).toBe(join(paths.home, 'inbox', 'helper'));
    expect(spec.workdir).toBe(join(paths.groups, 'helper'));
    expect(spec.env.OMNICLAW_GATEWAY_SOCKET).toBe(join(root, 'gw.sock'));
  });

  it('passes a TCP gateway address when there is no socket', () => {
    const { spec } = buildSandboxSpec(
      input({
        grant: {
          endpoints: {},
          token: 'run-token',
          tcpUrl: 'http://127.0.0.1:7078',
          revoke: () => undefined,
        },
      }),
    );
    expect(spec.env.OMNICLAW_GATEWAY_URL).toBe('http://127.0.0.1:7078');
    expect(spec.gateway).toEqual({ tcpUrl: 'http://127.0.0.1:7078' });
  });

  it('refuses to build an env that carries a real secret', () => {
    const grant = {
      endpoints: {},
      token: 'run-token',
      tcpUrl: 'http://127.0.0.1:7078/?key=sk-real-123',
      revoke: () => undefined,
    };
    expect(() => buildSandboxSpec(input({ grant, secrets: ['sk-real-123'] }))).toThrow(SecretLeakError);
  });

  it('refuses a hostile extra mount with the agent and mount in the error', () => {
    const agent = testAgent('helper', {
      mounts: [{ hostPath: '~/code/../.config/omniclaw/allow.json', readonly: true }],
    });
    expect(() => buildSandboxSpec(input({ agent }))).toThrow(/agent "helper", mounts\[0\]/);
  });
});

describe('assertNoSecrets', () => {
  it.each([
    [{ A: 'x' }, ['secret'], false],
    [{ A: 'has-secret-inside' }, ['secret'], true],
    [{ secret: 'x' }, ['secret'], true],
    [{ A: 'anything' }, [''], false],
    [{ A: 'abc' }, [], false],
  ])('%j with secrets %j throws: %s', (env, secrets, throws) => {
    const check = (): void => assertNoSecrets(env as Record<string, string>, secrets);
    if (throws) expect(check).toThrow(/contains a real secret/);
    else expect(check).not.toThrow();
  });
});
