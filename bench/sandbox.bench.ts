/**
 * Cold start per backend: from the decision to start (spec built) until the runner reports
 * `ready`, with the probe runner (no engine). Floors: a bare `node -e 0`, and a bare
 * `docker run` of the agent image running `node -e 0`.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BwrapSandbox } from '../src/sandbox/bwrap.js';
import { DockerSandbox } from '../src/sandbox/docker.js';
import { buildAgentImage } from '../src/sandbox/image.js';
import type { SandboxBackend } from '../src/sandbox/types.js';
import { createWorld, probeSpec, startProbe, testAgent, type World } from '../test/sandbox/world.js';
import { percentile, round, type BenchResult } from './types.js';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));

function timeCommand(command: string, args: string[]): Promise<number> {
  const began = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(performance.now() - began) : reject(new Error(`${command} exited ${code}`)),
    );
  });
}

async function coldStarts(world: World, backend: SandboxBackend, runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const began = performance.now();
    const { spec } = probeSpec(world, backend, testAgent('bench'));
    const { proc } = await startProbe(backend, spec);
    const ms = performance.now() - began;
    proc.stdin.write('{"type":"stop"}\n');
    await proc.exited;
    if (i > 0) times.push(ms); // the first run warms the page cache
  }
  return times;
}

const summary = (name: string, times: number[], target?: string, note?: string): BenchResult[] => [
  { name: `${name} p50`, value: round(percentile(times, 50)), unit: 'ms', target, note },
  { name: `${name} p90`, value: round(percentile(times, 90)), unit: 'ms' },
];

export default async function sandboxBench(): Promise<BenchResult[]> {
  await buildAgentImage({ projectRoot, mode: 'offline' });
  const world = await createWorld();
  try {
    const nodeFloor: number[] = [];
    const dockerFloor: number[] = [];
    for (let i = 0; i < 10; i++) nodeFloor.push(await timeCommand(process.execPath, ['-e', '0']));
    for (let i = 0; i < 5; i++) {
      dockerFloor.push(
        await timeCommand('docker', [
          'run',
          '--rm',
          '--network',
          'none',
          'omniclaw-agent:latest',
          'node',
          '-e',
          '0',
        ]),
      );
    }
    const bwrap = await coldStarts(
      world,
      new BwrapSandbox({ instanceId: 'bench', ownedRoots: [world.paths.home] }),
      10,
    );
    const docker = await coldStarts(
      world,
      new DockerSandbox({ instanceId: 'bench', ownedRoots: [world.paths.home] }),
      5,
    );
    return [
      ...summary('floor: bare node -e 0', nodeFloor),
      ...summary('floor: bare docker run node -e 0', dockerFloor),
      ...summary('bwrap cold start to ready', bwrap, '≤ 300 ms', 'cgroup limits, probe runner, spec built'),
      ...summary('docker cold start to ready', docker, '≤ 1.2 s', 'probe runner, spec built'),
    ];
  } finally {
    await world.close();
  }
}
