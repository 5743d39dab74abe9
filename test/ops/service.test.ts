/**
 * `omniclaw service` (issue 14, item 2): the systemd units pass `systemd-analyze verify`,
 * the launchd plist parses with what launchd needs, install/uninstall write and remove the
 * files and drive the manager (a recording stand-in for systemctl), and `service check`
 * asks a real daemon's /healthz.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { parse } from 'plist';
import { registerService } from '../../src/cli/service.js';
import {
  launchdPlist,
  serviceEnvironment,
  systemdHealthTimer,
  systemdHealthUnit,
  systemdUnit,
  type ServiceSpec,
} from '../../src/cli/service-units.js';
import { DAEMON_NODE_FLAGS } from '../../src/cli/daemon-node-flags.js';
import { cli, DAEMON_CONFIG, makeInstance, ROOT, startDaemon } from '../helpers/daemon.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'omniclaw-service-'));
  dirs.push(d);
  return d;
};

const spec: ServiceSpec = {
  name: 'omniclaw',
  node: process.execPath,
  bin: join(ROOT, 'bin', 'omniclaw.js'),
  home: '/home/me/.omniclaw with space',
  env: serviceEnvironment(
    { PATH: '/usr/local/bin:/usr/bin:/bin', OMNICLAW_LOG_LEVEL: 'debug', SECRET_OTHER: 'x' },
    '/home/me/.omniclaw with space',
  ),
  user: 'me',
  workingDirectory: '/tmp',
};

describe('the generated service files', () => {
  it('carry OMNICLAW_HOME, PATH and OMNICLAW_* over, and nothing else', () => {
    expect(spec.env).toEqual({
      OMNICLAW_HOME: '/home/me/.omniclaw with space',
      PATH: '/usr/local/bin:/usr/bin:/bin',
      OMNICLAW_LOG_LEVEL: 'debug',
    });
  });

  for (const system of [false, true]) {
    it(`pass systemd-analyze verify (${system ? 'system' : 'user'} unit), with restart and health check`, () => {
      const dir = tempDir();
      const unit = systemdUnit(spec, system);
      writeFileSync(join(dir, 'omniclaw.service'), unit);
      writeFileSync(join(dir, 'omniclaw-health.service'), systemdHealthUnit(spec, system));
      writeFileSync(join(dir, 'omniclaw-health.timer'), systemdHealthTimer(spec));
      const result = spawnSync(
        'systemd-analyze',
        [
          'verify',
          ...['omniclaw.service', 'omniclaw-health.service', 'omniclaw-health.timer'].map((f) =>
            join(dir, f),
          ),
        ],
        { encoding: 'utf8' },
      );
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(unit).toContain('Restart=on-failure');
      expect(unit).toContain('Environment="OMNICLAW_HOME=/home/me/.omniclaw with space"');
      expect(unit).toMatch(/^ExecStartPost=.* service check --wait 30$/m);
      expect(unit).toContain(system ? 'User=me' : 'WantedBy=default.target');
    });
  }

  it('fail systemd-analyze verify when broken, so the check above can fail', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.service'), '[Service]\nExecStart=relative/path\n');
    expect(spawnSync('systemd-analyze', ['verify', join(dir, 'bad.service')]).status).not.toBe(0);
  });

  it('make a launchd plist that parses, restarts on failure and carries the environment', () => {
    const parsed = parse(launchdPlist(spec)) as Record<string, unknown>;
    expect(parsed).toMatchObject({
      Label: 'omniclaw',
      ProgramArguments: [
        process.execPath,
        '--max-semi-space-size=1',
        '--single-threaded',
        join(ROOT, 'bin', 'omniclaw.js'),
        'start',
      ],
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false, Crashed: true },
      EnvironmentVariables: spec.env,
    });
  });
});

describe('the daemon Node flags', () => {
  it('are the same in the launcher shebang, `npm start` and the units that call Node directly', () => {
    const shebang = readFileSync(join(ROOT, 'bin', 'omniclaw.js'), 'utf8').split('\n')[0];
    expect(shebang).toBe(`#!/usr/bin/env -S node ${DAEMON_NODE_FLAGS.join(' ')}`);
    // `npm start`, the README's way to run it, calls Node directly too.
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts.start).toBe(`node ${DAEMON_NODE_FLAGS.join(' ')} bin/omniclaw.js start`);
    const execStart = systemdUnit(spec)
      .split('\n')
      .find((l) => l.startsWith('ExecStart='));
    expect(execStart).toBe(
      `ExecStart=${process.execPath} --max-semi-space-size=1 --single-threaded ${spec.bin} start`,
    );
  });
});

/** A stand-in for systemctl that records each call, one line of arguments a call. */
function recordingManager(dir: string): { command: string; calls: () => string[] } {
  const log = join(dir, 'calls.log');
  const command = join(dir, 'systemctl');
  writeFileSync(command, `#!/bin/sh\necho "$*" >> "${log}"\necho "ok from the manager"\n`);
  chmodSync(command, 0o755);
  return {
    command,
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []),
  };
}

async function service(args: string[], unitDir: string, manager: string, env: NodeJS.ProcessEnv) {
  let output = '';
  const program = new Command().exitOverride();
  registerService(program, {
    platform: 'linux',
    unitDir: () => unitDir,
    manager: (system) => (system ? [manager] : [manager, '--user']),
    env,
    out: (t) => void (output += t),
  });
  const previous = process.env.OMNICLAW_HOME;
  process.env.OMNICLAW_HOME = env.OMNICLAW_HOME;
  try {
    await program.parseAsync(['node', 'omniclaw', 'service', ...args]);
  } finally {
    if (previous === undefined) delete process.env.OMNICLAW_HOME;
    else process.env.OMNICLAW_HOME = previous;
  }
  return output;
}

describe('omniclaw service install and uninstall', () => {
  it('writes the units, enables them through the manager, and removes them again', async () => {
    const dir = tempDir();
    const unitDir = join(dir, 'units');
    const manager = recordingManager(dir);
    const env = { PATH: process.env.PATH, OMNICLAW_HOME: join(dir, 'home'), OMNICLAW_LOG_LEVEL: 'warn' };
    const out = await service(['install'], unitDir, manager.command, env);
    expect(out).toContain('OmniClaw runs as a service now.');
    const unit = readFileSync(join(unitDir, 'omniclaw.service'), 'utf8');
    expect(unit).toContain(`Environment=OMNICLAW_HOME=${join(dir, 'home')}`);
    expect(unit).toContain('Environment=OMNICLAW_LOG_LEVEL=warn');
    expect(existsSync(join(unitDir, 'omniclaw-health.timer'))).toBe(true);
    expect(manager.calls()).toEqual([
      '--user daemon-reload',
      '--user enable --now omniclaw.service omniclaw-health.timer',
    ]);
    await service(['restart'], unitDir, manager.command, env);
    await service(['status'], unitDir, manager.command, env);
    await service(['uninstall'], unitDir, manager.command, env);
    expect(manager.calls().slice(2)).toEqual([
      '--user restart omniclaw.service',
      '--user status --no-pager omniclaw.service',
      '--user disable --now omniclaw-health.timer omniclaw.service',
      '--user daemon-reload',
    ]);
    expect(existsSync(join(unitDir, 'omniclaw.service'))).toBe(false);
    expect(existsSync(join(unitDir, 'omniclaw-health.timer'))).toBe(false);
  });

  it('installs a system unit with --system through plain systemctl', async () => {
    const dir = tempDir();
    const manager = recordingManager(dir);
    await service(['install', '--system'], join(dir, 'units'), manager.command, {
      OMNICLAW_HOME: join(dir, 'home'),
      SUDO_USER: 'alice',
    });
    expect(readFileSync(join(dir, 'units', 'omniclaw.service'), 'utf8')).toContain('User=alice');
    expect(manager.calls()[1]).toBe('enable --now omniclaw.service omniclaw-health.timer');
  });
});

describe('omniclaw service check (the health check the units use)', () => {
  it('passes while the daemon answers /healthz and fails, asking for a restart, when it does not', async () => {
    const home = makeInstance(DAEMON_CONFIG);
    dirs.push(join(home.home, '..'));
    const daemon = await startDaemon(home);
    try {
      const port = String(daemon.http.port);
      const ok = await cli(home, ['service', 'check'], { OMNICLAW_HTTP_PORT: port });
      expect(ok.stdout).toBe(`OmniClaw answers on http://127.0.0.1:${port}/healthz.\n`);
      expect(ok.code).toBe(0);
      await daemon.stop();
      const manager = recordingManager(tempDir());
      // The unit's own command line, with the stand-in manager first on PATH.
      const down = await cli(home, ['service', 'check', '--restart'], {
        OMNICLAW_HTTP_PORT: port,
        PATH: `${join(manager.command, '..')}:${process.env.PATH ?? ''}`,
      });
      expect(down.code).toBe(1);
      expect(down.stderr).toContain(
        `omniclaw: OmniClaw does not answer on http://127.0.0.1:${port}/healthz.`,
      );
      expect(manager.calls()).toEqual(['--user restart omniclaw.service']);
    } finally {
      await daemon.stop();
    }
  });
});

// systemd-analyze must exist for the verify tests to mean anything.
execFileSync('systemd-analyze', ['--version']);
