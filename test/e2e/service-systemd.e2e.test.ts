/**
 * `omniclaw service install --system` under a real systemd: a container with systemd as
 * PID 1 (container/build-systemd-test.sh, built offline from Debian packages and the host's
 * Node), this checkout mounted read-only, the daemon installed as a system unit. Then the
 * daemon is killed with SIGKILL, and systemd must start it again, answering /healthz.
 *
 * Needs Docker and root (the image is built with debootstrap, systemd needs --privileged);
 * `.ci/run` has both, so in CI this runs. Anywhere else it is skipped, with the reason printed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './helpers.js';

const IMAGE = 'omniclaw-systemd-test:latest';
const NAME = `omniclaw-systemd-test-${process.pid}`;
const HOME = '/srv/omniclaw';
const PORT = 18787;
const CONFIG = [
  `http: { host: 127.0.0.1, port: ${PORT} }`,
  'logging: { file: false }',
  'models:',
  '  anthropic: { apiKey: sk-ant-fake-systemd-test-0123456789 }',
  'sandbox: { default: none }',
  'agents:',
  '  - { id: main, main: true, sandbox: none }',
  '',
].join('\n');

function whyNot(): string | undefined {
  if (spawnSync('docker', ['info'], { stdio: 'ignore' }).status !== 0)
    return 'Docker is not running here (`docker info` fails)';
  if (process.getuid?.() !== 0) return 'systemd in a container needs root (docker run --privileged)';
  return undefined;
}
const skipped = whyNot();
if (skipped) console.warn(`service-systemd.e2e: skipped: ${skipped}`);

/** A command inside the container; its stdout, trimmed. Throws with its stderr when it fails. */
const inside = (...args: string[]): string =>
  execFileSync('docker', ['exec', NAME, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
const tryInside = (...args: string[]): { code: number; out: string } => {
  const r = spawnSync('docker', ['exec', NAME, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}`.trim() };
};

/** Polls `probe` until it returns a value; a bound on waiting, not a timing assertion. */
async function waitFor<T>(what: string, probe: () => T | undefined, seconds = 90): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * systemd as PID 1 needs a writable cgroup tree. `--privileged` gives it on most hosts; where
 * Docker itself runs without every capability (a nested or restricted engine: "unable to
 * apply caps"), the capabilities systemd uses are added one by one instead. On a cgroup v1
 * host the tree is bind-mounted writable; on v2 the container gets its own namespace.
 */
function startSystemdContainer(): void {
  const cgroup = existsSync('/sys/fs/cgroup/cgroup.controllers')
    ? ['--cgroupns=private']
    : ['-v', '/sys/fs/cgroup:/sys/fs/cgroup:rw'];
  const base = ['run', '-d', '--name', NAME, '--network', 'none', '--stop-signal', 'SIGRTMIN+3'];
  const rest = [
    '--tmpfs',
    '/run',
    '--tmpfs',
    '/run/lock',
    ...cgroup,
    '-v',
    `${PROJECT_ROOT}:/opt/omniclaw:ro`,
    IMAGE,
  ];
  const privileged = spawnSync('docker', [...base, '--privileged', ...rest], { encoding: 'utf8' });
  if (privileged.status === 0) return;
  spawnSync('docker', ['rm', '-f', NAME], { stdio: 'ignore' });
  const caps = ['SYS_ADMIN', 'NET_ADMIN', 'SYS_PTRACE', 'MKNOD'].flatMap((c) => ['--cap-add', c]);
  const unconfined = ['seccomp=unconfined', 'apparmor=unconfined'].flatMap((o) => ['--security-opt', o]);
  const fallback = spawnSync('docker', [...base, ...caps, ...unconfined, ...rest], { encoding: 'utf8' });
  if (fallback.status !== 0)
    throw new Error(
      `cannot start the systemd container: ${privileged.stderr.trim()} / ${fallback.stderr.trim()}`,
    );
}

const mainPid = (): number =>
  Number(inside('systemctl', 'show', '-p', 'MainPID', '--value', 'omniclaw.service'));
const healthz = (): boolean => tryInside('curl', '-sf', `http://127.0.0.1:${PORT}/healthz`).code === 0;

describe.skipIf(skipped !== undefined)('the systemd service', () => {
  beforeAll(() => {
    execFileSync(join(PROJECT_ROOT, 'container', 'build-systemd-test.sh'), [IMAGE], { stdio: 'inherit' });
    startSystemdContainer();
  }, 900_000);
  afterAll(() => {
    if (!skipped) spawnSync('docker', ['rm', '-f', NAME], { stdio: 'ignore' });
  });

  it('is installed with --system, and restarted by systemd after the daemon is killed with SIGKILL', async () => {
    await waitFor('systemd to boot', () => {
      const state = tryInside('systemctl', 'is-system-running').out;
      return ['running', 'degraded'].includes(state) ? state : undefined;
    });
    inside('mkdir', '-m', '700', '-p', HOME);
    execFileSync('docker', ['exec', '-i', NAME, 'sh', '-c', `umask 077; cat > ${HOME}/omniclaw.yaml`], {
      input: CONFIG,
    });

    const install = tryInside(
      'env',
      `OMNICLAW_HOME=${HOME}`,
      'node',
      '/opt/omniclaw/bin/omniclaw.js',
      'service',
      'install',
      '--system',
    );
    expect(install, install.out).toMatchObject({ code: 0 });
    expect(install.out).toContain('OmniClaw runs as a service now.');
    // `enable --now` returned after ExecStartPost saw /healthz answer.
    expect(inside('systemctl', 'is-active', 'omniclaw.service')).toBe('active');
    expect(healthz()).toBe(true);
    expect(inside('systemctl', 'is-active', 'omniclaw-health.timer')).toBe('active');

    const first = mainPid();
    expect(first).toBeGreaterThan(0);
    inside('kill', '-9', String(first));

    // Started again = systemd calls it active (its ExecStartPost saw /healthz) with a new process.
    const active = (): boolean => tryInside('systemctl', 'is-active', 'omniclaw.service').out === 'active';
    const second = await waitFor('systemd to start the daemon again', () => {
      const pid = mainPid();
      return pid > 0 && pid !== first && active() ? pid : undefined;
    });
    expect(second).not.toBe(first);
    expect(healthz()).toBe(true);
    expect(inside('systemctl', 'show', '-p', 'NRestarts', '--value', 'omniclaw.service')).toBe('1');
    // The journal says why: the kill, then the restart.
    const journal = inside('journalctl', '-u', 'omniclaw.service', '--no-pager', '-o', 'cat');
    expect(journal).toMatch(/Main process exited, code=killed, status=9\/KILL/);
  }, 300_000);
});
