/**
 * A host that dies (SIGKILL, no clean-up) must not leave a sandbox running: bwrap dies with
 * its parent; docker containers outlive the CLI, so the next host start removes them.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BwrapSandbox } from '../../src/sandbox/bwrap.js';
import { DockerSandbox } from '../../src/sandbox/docker.js';
import { buildAgentImage } from '../../src/sandbox/image.js';
import { createWorld, probeSpec, testAgent, type World } from './world.js';

const HOST = fileURLToPath(new URL('../fixtures/sandbox-host.mjs', import.meta.url));
const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Starts the stand-in host, waits until its sandboxed runner is ready, then SIGKILLs the host. */
async function crashHostAfterReady(
  kind: string,
  spec: unknown,
  options: unknown,
  whileRunning: () => void = () => undefined,
): Promise<void> {
  const host = spawn(process.execPath, [HOST, kind, JSON.stringify(spec), JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: host.stdout }).on('line', (line) => line.startsWith('ready') && resolve());
    host.once('exit', (code) => reject(new Error(`the stand-in host exited early (${code})`)));
  });
  whileRunning();
  host.kill('SIGKILL');
  await new Promise((r) => host.once('exit', r));
}

/** Processes whose command line mentions the text. */
const processesMentioning = (text: string): number[] =>
  readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);

async function eventually(check: () => boolean, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

let world: World;
beforeAll(async () => {
  world = await createWorld();
  await buildAgentImage({ projectRoot, mode: 'offline' });
}, 600_000);
afterAll(async () => world?.close());

describe('a host killed while a sandbox runs', () => {
  it('bwrap: the sandbox dies with the host', async () => {
    const options = { instanceId: 'test-crash', ownedRoots: [world.paths.home] };
    const backend = new BwrapSandbox(options);
    const { spec } = probeSpec(world, backend, testAgent('crashy'));
    // A runner file of its own, so other tests' probes are not counted.
    const main = `crash-${randomUUID()}.mjs`;
    copyFileSync(join(world.runnerDir, 'probe-runner.mjs'), join(world.runnerDir, main));
    const crashSpec = { ...spec, runner: { ...spec.runner, main }, env: { ...spec.env, PROBE_STAY: '1' } };
    await crashHostAfterReady('bwrap', crashSpec, options, () =>
      expect(processesMentioning(main).length).toBeGreaterThan(0),
    );
    expect(await eventually(() => processesMentioning(main).length === 0)).toBe(true);
  });

  it('docker: the container left behind is removed at the next start', async () => {
    const options = { instanceId: 'test-crash-docker', ownedRoots: [world.paths.home] };
    const { spec } = probeSpec(world, new DockerSandbox(options), testAgent('crashy'));
    await crashHostAfterReady('docker', { ...spec, env: { ...spec.env, PROBE_STAY: '1' } }, options);
    const ours = (): string[] =>
      execFileSync('docker', ['ps', '-aq', '--filter', 'label=omniclaw.instance=test-crash-docker'], {
        encoding: 'utf8',
      })
        .split('\n')
        .filter(Boolean);
    expect(ours()).toHaveLength(1);
    expect(await new DockerSandbox(options).cleanupOrphans()).toBe(1);
    expect(ours()).toHaveLength(0);
  });
});
