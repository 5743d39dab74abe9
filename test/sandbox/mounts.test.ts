import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blockedComponent,
  containerNameProblem,
  decideMount,
  type MountAllowlist,
  type MountContext,
  type MountRequest,
} from '../../src/sandbox/mount-allowlist.js';
import { loadMountAllowlist, MountSecurityError, resolveExtraMounts } from '../../src/sandbox/mounts.js';

const allowlist: MountAllowlist = {
  allowedRoots: [
    { path: '/home/u/projects', allowReadWrite: true },
    { path: '/home/u/docs', allowReadWrite: false },
  ],
  blockedPatterns: ['vault'],
  nonMainReadOnly: true,
};
const context: MountContext = {
  allowlist,
  allowlistPath: '/home/u/.config/omniclaw/mount-allowlist.json',
  protectedPaths: ['/home/u/.omniclaw-home', '/home/u/.config/omniclaw'],
};
const request = (over: Partial<MountRequest>): MountRequest => ({
  agentId: 'helper',
  isMain: false,
  index: 0,
  requestedPath: '/home/u/projects/app',
  realPath: '/home/u/projects/app',
  readonly: true,
  ...over,
});

describe('decideMount (pure rules)', () => {
  const refusals: [string, Partial<MountRequest>, MountContext, RegExp][] = [
    [
      'no allowlist file',
      {},
      { ...context, allowlist: null },
      /no mount allowlist at .*mount-allowlist\.json\. Create it/,
    ],
    [
      'a root outside the allowlist',
      { requestedPath: '/etc', realPath: '/etc' },
      context,
      /not under an allowed root/,
    ],
    [
      'a sibling that only shares a prefix',
      { requestedPath: '/home/u/projects-old', realPath: '/home/u/projects-old' },
      context,
      /not under an allowed root/,
    ],
    [
      'a symlink to ~/.ssh',
      { requestedPath: '/home/u/projects/keys', realPath: '/home/u/.ssh' },
      context,
      /leads to "\.ssh" \(through a symlink\)/,
    ],
    [
      'a symlink named .aws pointing elsewhere',
      { requestedPath: '/home/u/projects/.aws', realPath: '/home/u/projects/x' },
      context,
      /"\.aws"/,
    ],
    [
      'a .env.local file',
      { requestedPath: '/home/u/projects/app/.env.local', realPath: '/home/u/projects/app/.env.local' },
      context,
      /"\.env\.local"/,
    ],
    [
      'credentials.json',
      { realPath: '/home/u/projects/app/credentials.json' },
      context,
      /"credentials\.json"/,
    ],
    ['id_ed25519 anywhere in the path', { realPath: '/home/u/projects/id_ed25519' }, context, /id_ed25519/],
    ['a user-blocked name', { realPath: '/home/u/projects/Vault' }, context, /"Vault"/],
    [
      '".." in the path',
      { requestedPath: '/home/u/projects/../.ssh', realPath: '/home/u/projects/x' },
      context,
      /contains "\.\.", "\."/,
    ],
    [
      '":" in the path',
      { requestedPath: '/home/u/projects/a:b', realPath: '/home/u/projects/a:b' },
      context,
      /":", ","/,
    ],
    [
      '"," in the path',
      { requestedPath: '/home/u/projects/a,readonly=false', realPath: '/home/u/projects/a,readonly=false' },
      context,
      /":", ","/,
    ],
    [
      'a newline in the path',
      { requestedPath: '/home/u/projects/a\nb', realPath: '/home/u/projects/a\nb' },
      context,
      /control character/,
    ],
    [
      'a relative path',
      { requestedPath: 'projects/app', realPath: 'projects/app' },
      context,
      /not an absolute path/,
    ],
    [
      'the instance home',
      { realPath: '/home/u/.omniclaw-home/groups' },
      { ...context, allowlist: { ...allowlist, allowedRoots: [{ path: '/home/u', allowReadWrite: true }] } },
      /overlaps \/home\/u\/\.omniclaw-home/,
    ],
    [
      'a folder holding the instance home',
      { realPath: '/home/u' },
      { ...context, allowlist: { ...allowlist, allowedRoots: [{ path: '/home', allowReadWrite: true }] } },
      /overlaps/,
    ],
    [
      'read-write under a read-only root',
      { isMain: true, realPath: '/home/u/docs/a', requestedPath: '/home/u/docs/a', readonly: false },
      context,
      /allows read-only/,
    ],
    [
      'read-write for a non-main agent',
      { readonly: false },
      context,
      /only the main agent may mount read-write/,
    ],
    ['a container name with ".."', { containerName: '../agent' }, context, /"\." or "\.\." components/],
    ['an absolute container name', { containerName: '/workspace/agent' }, context, /it is absolute/],
    ['a container name with ":"', { containerName: 'a:b' }, context, /":", ","/],
    ['a container name with ","', { containerName: 'a,readonly' }, context, /":", ","/],
  ];
  it.each(refusals)('refuses %s, naming the agent and mount', (_name, over, ctx, why) => {
    const decision = decideMount(request(over), ctx);
    expect(decision.ok).toBe(false);
    if (!decision.ok) {
      expect(decision.error).toMatch(/^agent "helper", mounts\[0\]/);
      expect(decision.error).toMatch(why);
    }
  });

  const allowed: [string, Partial<MountRequest>, { containerPath: string; readonly: boolean }][] = [
    ['a read-only folder under a root', {}, { containerPath: '/workspace/extra/app', readonly: true }],
    [
      'the root itself',
      { realPath: '/home/u/projects', requestedPath: '/home/u/projects' },
      { containerPath: '/workspace/extra/projects', readonly: true },
    ],
    [
      'read-write for the main agent',
      { isMain: true, readonly: false },
      { containerPath: '/workspace/extra/app', readonly: false },
    ],
    [
      'a nested container name',
      { containerName: 'code/app' },
      { containerPath: '/workspace/extra/code/app', readonly: true },
    ],
    [
      'a trailing slash',
      { requestedPath: '/home/u/projects/app/' },
      { containerPath: '/workspace/extra/app', readonly: true },
    ],
  ];
  it.each(allowed)('allows %s', (_name, over, expected) => {
    expect(decideMount(request(over), context)).toEqual({
      ok: true,
      mount: { hostPath: request(over).realPath, ...expected },
    });
  });

  it('allows read-write for non-main agents when the allowlist says so', () => {
    const open = { ...context, allowlist: { ...allowlist, nonMainReadOnly: false } };
    expect(decideMount(request({ readonly: false }), open).ok).toBe(true);
  });

  it.each([
    ['/a/.SSH/x', '.SSH'],
    ['/a/id_rsa.pub', 'id_rsa.pub'],
    ['/a/.gnupg', '.gnupg'],
    ['/a/.kube/config', '.kube'],
    ['/a/.docker', '.docker'],
    ['/a/.netrc', '.netrc'],
    ['/a/.npmrc', '.npmrc'],
    ['/a/private_key.pem', 'private_key.pem'],
    ['/a/.azure', '.azure'],
    ['/a/.gcloud', '.gcloud'],
    ['/a/environment', undefined],
    ['/a/my.ssh.notes', undefined],
  ])('blockedComponent(%s) is %s', (path, expected) => {
    expect(blockedComponent(path)).toBe(expected);
  });

  it.each([
    ['notes', undefined],
    ['', 'it is empty'],
    ['.hidden', expect.stringContaining('component ".hidden"')],
    ['a/./b', expect.stringContaining('"." or ".."')],
  ])('containerNameProblem(%j)', (name, expected) => {
    expect(containerNameProblem(name)).toEqual(expected);
  });
});

describe('resolveExtraMounts (real files and symlinks)', () => {
  let root: string;
  let home: string;
  let allowlistPath: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'omniclaw-mounts-'));
    home = join(root, 'home');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    mkdirSync(join(home, 'projects', 'app'), { recursive: true });
    mkdirSync(join(home, 'elsewhere'), { recursive: true });
    mkdirSync(join(home, '.omniclaw'), { recursive: true });
    symlinkSync(join(home, '.ssh'), join(home, 'projects', 'keys'));
    symlinkSync(join(home, 'elsewhere'), join(home, 'projects', 'escape'));
    symlinkSync(join(home, '.omniclaw'), join(home, 'projects', 'state'));
    allowlistPath = join(home, '.config', 'omniclaw', 'mount-allowlist.json');
    mkdirSync(join(home, '.config', 'omniclaw'), { recursive: true });
    writeFileSync(
      allowlistPath,
      JSON.stringify({ allowedRoots: [{ path: '~/projects', allowReadWrite: true }] }),
    );
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const resolve = (
    hostPath: string,
    over: { isMain?: boolean; readonly?: boolean; containerPath?: string } = {},
  ) =>
    resolveExtraMounts({
      agentId: 'helper',
      isMain: over.isMain ?? false,
      mounts: [{ hostPath, readonly: over.readonly ?? true, containerPath: over.containerPath }],
      allowlist: loadMountAllowlist(allowlistPath, home),
      allowlistPath,
      protectedPaths: [join(home, '.omniclaw')],
      home,
    });

  it('mounts an allowed folder at /workspace/extra/<name>, with its real path', () => {
    expect(resolve('~/projects/app')).toEqual([
      { hostPath: join(home, 'projects', 'app'), containerPath: '/workspace/extra/app', readonly: true },
    ]);
  });

  it('refuses a symlink inside an allowed root that leads to ~/.ssh', () => {
    expect(() => resolve('~/projects/keys')).toThrow(
      /mounts\[0\] \(~\/projects\/keys\) refused: it leads to "\.ssh" \(through a symlink\)/,
    );
  });

  it('refuses a symlink that leads out of the allowed roots', () => {
    expect(() => resolve('~/projects/escape')).toThrow(/elsewhere is not under an allowed root/);
  });

  it('refuses a symlink to the instance home', () => {
    expect(() => resolve('~/projects/state')).toThrow(MountSecurityError);
  });

  it('refuses a path that does not exist, saying so', () => {
    expect(() => resolve('~/projects/missing')).toThrow(/cannot be resolved \(ENOENT\)\. Create the folder/);
  });

  it('refuses two mounts with the same container name', () => {
    expect(() =>
      resolveExtraMounts({
        agentId: 'helper',
        isMain: false,
        mounts: [
          { hostPath: '~/projects/app', readonly: true },
          { hostPath: '~/projects', readonly: true, containerPath: 'app' },
        ],
        allowlist: loadMountAllowlist(allowlistPath, home),
        allowlistPath,
        protectedPaths: [],
        home,
      }),
    ).toThrow(/mounts\[1\].*already used/);
  });

  it('treats a missing allowlist as "no extra mounts" and a broken one as an error', () => {
    expect(loadMountAllowlist(join(root, 'none.json'))).toBeNull();
    const broken = join(root, 'broken.json');
    writeFileSync(broken, '{"allowedRoots": [{"path": 3}]}');
    expect(() => loadMountAllowlist(broken)).toThrow(/broken\.json is invalid at allowedRoots\.0\.path/);
    writeFileSync(broken, '{not json');
    expect(() => loadMountAllowlist(broken)).toThrow(/is not valid JSON/);
  });
});
