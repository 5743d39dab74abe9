// The doctor's project access check, against real folder modes and a real process of the
// sandbox's uid (setpriv), so "ok" means that uid can really list the project.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { projectReadableCheck } from '../../src/cli/doctor-instance.js';
import { projectAccessWarning } from '../../src/cli/start.js';
import { parseConfigText } from '../../src/config/load.js';

const sandboxUser = { uid: 61000, gid: 61000 };
let project: string;

/** Whether the sandbox's uid can list `dir`, asked of the kernel. */
const sandboxCanList = (dir: string): boolean => {
  try {
    execFileSync('setpriv', ['--reuid=61000', '--regid=61000', '--clear-groups', 'ls', dir], {
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
};

beforeEach(() => {
  // mkdtemp makes the folder 0700: the mistake the check is for.
  project = mkdtempSync(join(tmpdir(), 'omniclaw-project-'));
  writeFileSync(join(project, 'README.md'), 'hi');
});
afterEach(() => rmSync(project, { recursive: true, force: true }));

describe('projectReadableCheck', () => {
  it.runIf(process.getuid?.() === 0)(
    'warns about a project the sandbox uid cannot read, and --fix opens it',
    () => {
      expect(sandboxCanList(project)).toBe(false);
      const found = projectReadableCheck(project, sandboxUser, 0);
      expect(found.status).toBe('warn');
      expect(found.detail).toContain('mode 700');
      expect(found.fix).toContain(`chmod o+rx ${project}`);
      found.repair?.();
      expect(sandboxCanList(project)).toBe(true);
      expect(projectReadableCheck(project, sandboxUser, 0).status).toBe('ok');
    },
  );

  it('counts group bits when the sandbox gid owns the folder', () => {
    chmodSync(project, 0o750);
    expect(projectReadableCheck(project, { uid: 61000, gid: 0 }, 0).status).toBe('ok');
    expect(projectReadableCheck(project, sandboxUser, 0).status).toBe('warn');
  });

  it('has nothing to check when agents run as the host user', () => {
    expect(projectReadableCheck(project, sandboxUser, 1000).status).toBe('ok');
  });

  // As root: sandboxIdentity() is the unprivileged uid only on a root host.
  it.runIf(process.getuid?.() === 0)(
    'is said at `omniclaw start` too, for a main agent in a sandbox, with the command that fixes it',
    () => {
      const config = (sandbox: 'bwrap' | 'none') =>
        parseConfigText(`agents:\n  - { id: main, main: true, sandbox: ${sandbox} }\n`, 'omniclaw.yaml', {
          env: {},
        });
      const warning = projectAccessWarning(config('bwrap'), project, 0);
      expect(warning).toContain(`The sandbox user (61000) cannot read the project ${project} (mode 700)`);
      expect(warning).toContain(`Run \`chmod o+rx ${project}\``);
      expect(projectAccessWarning(config('none'), project, 0)).toBeUndefined();
      expect(projectAccessWarning(config('bwrap'), project, 1000)).toBeUndefined();
      chmodSync(project, 0o755);
      expect(projectAccessWarning(config('bwrap'), project, 0)).toBeUndefined();
    },
  );
});
