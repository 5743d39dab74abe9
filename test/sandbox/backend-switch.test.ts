/**
 * One home, two backends: `auto` falls back from Docker to bwrap by itself (image or daemon
 * gone), and a user may switch either way. The agent's folders must work for the next
 * backend whatever the last one left in them (on a root host both run as the same
 * unprivileged uid; on a user's host both as that user).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentFolder, agentStateFolder } from '../../src/config/paths.js';
import { BwrapSandbox } from '../../src/sandbox/bwrap.js';
import { DockerSandbox } from '../../src/sandbox/docker.js';
import { buildAgentImage } from '../../src/sandbox/image.js';
import type { SandboxBackend } from '../../src/sandbox/types.js';
import { createWorld, probeSpec, runProbe, testAgent, type World } from './world.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
let world: World;
beforeAll(async () => {
  world = await createWorld();
  await buildAgentImage({ projectRoot, mode: 'offline' });
}, 600_000);
afterAll(async () => world?.close());

const backends: Record<'docker' | 'bwrap', (world: World) => SandboxBackend> = {
  docker: (w) => new DockerSandbox({ instanceId: 'test-switch', ownedRoots: [w.paths.home] }),
  bwrap: (w) => new BwrapSandbox({ instanceId: 'test-switch', ownedRoots: [w.paths.home] }),
};

describe('switching an agent between backends on the same home', () => {
  it.each([
    ['docker', 'bwrap'],
    ['bwrap', 'docker'],
  ] as const)('%s then %s: both answer and each reads what the other wrote', async (first, second) => {
    const agent = testAgent(`switch-${first}`);
    for (const [kind, previous] of [
      [first, undefined],
      [second, first],
    ] as const) {
      const backend = backends[kind](world);
      const run = await runProbe(backend, probeSpec(world, backend, agent), [
        { op: 'write', path: `/workspace/agent/${kind}.txt` },
        { op: 'write', path: `/workspace/state/${kind}.json` },
        ...(previous ? [{ op: 'read', path: `/workspace/agent/${previous}.txt` }] : []),
      ]);
      expect(run.results.map((r) => r.ok)).toEqual(previous ? [true, true, true] : [true, true]);
      expect(readFileSync(join(agentFolder(world.paths, agent.id), `${kind}.txt`), 'utf8')).toBe(
        'written by the probe',
      );
      expect(readFileSync(join(agentStateFolder(world.paths, agent.id), `${kind}.json`), 'utf8')).toBe(
        'written by the probe',
      );
    }
  });
});
