/** Which missing sandboxes the doctor warns about: only those something needs. */
import { describe, expect, it } from 'vitest';
import { sandboxChecks } from '../../src/cli/doctor-checks.js';
import { parseConfigText } from '../../src/config/load.js';
import { chooseSandbox } from '../../src/sandbox/detect.js';

const config = (sandbox: string) =>
  parseConfigText(`agents:\n  - { id: main, main: true, sandbox: ${sandbox} }\n`, 'omniclaw.yaml', {
    env: {},
  });
const docker = { available: true, why: 'docker 27 answers and has omniclaw-agent:latest' };
const noPodman = {
  available: false,
  why: 'podman is not installed; install it: sudo apt-get install podman',
};
const noBwrap = { available: false, why: 'bwrap is not installed' };

describe('sandboxChecks', () => {
  it('does not warn about a sandbox the machine lacks while another one works', () => {
    const checks = sandboxChecks(
      config('auto'),
      chooseSandbox('linux', { docker, podman: noPodman, bwrap: noBwrap }),
    );
    expect(checks.find((c) => c.name === 'sandbox podman')).toEqual({
      name: 'sandbox podman',
      status: 'ok',
      detail: `Podman is not needed while docker works (${noPodman.why}).`,
    });
    expect(checks.filter((c) => c.status !== 'ok')).toEqual([]);
  });

  it('warns about each, with its fix, when none works, and fails the agents that need one', () => {
    const checks = sandboxChecks(
      config('auto'),
      chooseSandbox('linux', { docker: noBwrap, podman: noPodman, bwrap: noBwrap }),
    );
    expect(checks.find((c) => c.name === 'sandbox podman')).toMatchObject({
      status: 'warn',
      fix: expect.any(String),
    });
    expect(checks.find((c) => c.name === 'sandbox choice')).toMatchObject({ status: 'fail' });
  });

  it('fails an agent pinned to the one that is missing, though another works', () => {
    const checks = sandboxChecks(
      config('podman'),
      chooseSandbox('linux', { docker, podman: noPodman, bwrap: noBwrap }),
    );
    expect(checks.find((c) => c.name === 'sandbox for main')).toMatchObject({ status: 'fail' });
  });
});
