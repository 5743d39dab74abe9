import { describe, expect, it } from 'vitest';
import {
  chooseSandbox,
  detectSandbox,
  resolveAgentSandbox,
  type AutoCandidate,
} from '../../src/sandbox/detect.js';
import { SandboxRegistry, sandboxBackends, type BackendDeps } from '../../src/sandbox/registry.js';
import type { Detection, SandboxBackend, SandboxKind } from '../../src/sandbox/types.js';

const up: Detection = { available: true, why: 'works' };
const down = (why: string): Detection => ({ available: false, why });

describe('chooseSandbox (auto-detection decision)', () => {
  const table: [
    string,
    NodeJS.Platform,
    Partial<Record<AutoCandidate, Detection>>,
    AutoCandidate | undefined,
  ][] = [
    [
      'macOS with Apple Container and Docker',
      'darwin',
      { 'apple-container': up, docker: up, podman: up },
      'apple-container',
    ],
    [
      'macOS without Apple Container',
      'darwin',
      { 'apple-container': down('not installed'), docker: up },
      'docker',
    ],
    [
      'macOS with only Podman',
      'darwin',
      { 'apple-container': down('x'), docker: down('no daemon'), podman: up },
      'podman',
    ],
    [
      'macOS never picks bwrap',
      'darwin',
      { 'apple-container': down('x'), docker: down('x'), podman: down('x'), bwrap: up },
      undefined,
    ],
    ['Linux with Docker answering', 'linux', { docker: up, podman: up, bwrap: up }, 'docker'],
    [
      'Linux ignores an Apple Container probe',
      'linux',
      { 'apple-container': up, docker: down('x'), bwrap: up },
      'bwrap',
    ],
    [
      'Linux with Docker installed but no daemon',
      'linux',
      { docker: down('does not answer'), podman: up, bwrap: up },
      'podman',
    ],
    ['Linux with only bubblewrap', 'linux', { docker: down('x'), podman: down('x'), bwrap: up }, 'bwrap'],
    [
      'Linux where bwrap cannot create namespaces',
      'linux',
      { docker: down('x'), podman: down('x'), bwrap: down('userns off') },
      undefined,
    ],
    ['Linux with nothing probed', 'linux', {}, undefined],
    ['Windows with Docker', 'win32', { docker: up }, 'docker'],
  ];
  it.each(table)('%s', (_name, platform, probes, expected) => {
    expect(chooseSandbox(platform, probes).chosen).toBe(expected);
  });

  it('explains the choice and what was skipped before it', () => {
    const choice = chooseSandbox('linux', {
      docker: down('docker does not answer; start it'),
      podman: down('podman is not installed'),
      bwrap: up,
    });
    expect(choice.why).toBe(
      'bwrap: works; before it, not available: docker (docker does not answer; start it), podman (podman is not installed)',
    );
    expect(choice.candidates.map((c) => c.kind)).toEqual(['docker', 'podman', 'bwrap']);
  });

  it('never falls back to none, and lists every fix when nothing works', () => {
    const choice = chooseSandbox('linux', {
      docker: down('install docker.io'),
      podman: down('install podman'),
      bwrap: down('install bubblewrap'),
    });
    expect(choice.chosen).toBeUndefined();
    expect(choice.why).toMatch(
      /docker: install docker\.io; podman: install podman; bwrap: install bubblewrap/,
    );
    expect(choice.why).toMatch(/"none" sandbox is never chosen automatically/);
  });

  it('lets an agent override auto, and fails clearly when auto found nothing', () => {
    const nothing = chooseSandbox('linux', {});
    expect(resolveAgentSandbox('helper', 'docker', nothing)).toBe('docker');
    expect(resolveAgentSandbox('helper', 'none', nothing)).toBe('none');
    expect(() => resolveAgentSandbox('helper', 'auto', nothing)).toThrow(
      /agent "helper" has sandbox "auto" but no sandbox is available/,
    );
    expect(resolveAgentSandbox('helper', 'auto', chooseSandbox('linux', { bwrap: up }))).toBe('bwrap');
  });
});

describe('detectSandbox with real probes', () => {
  it('runs each candidate probe of the platform and turns a throwing probe into "not available"', async () => {
    const probed: string[] = [];
    const fake = (kind: AutoCandidate, result: Detection | Error): SandboxBackend => ({
      kind,
      mapsPaths: true,
      detect: async () => {
        probed.push(kind);
        if (result instanceof Error) throw result;
        return result;
      },
      start: async () => {
        throw new Error('not used');
      },
    });
    const backends: Record<AutoCandidate, SandboxBackend> = {
      'apple-container': fake('apple-container', up),
      docker: fake('docker', new Error('boom')),
      podman: fake('podman', down('missing')),
      bwrap: fake('bwrap', up),
    };
    const choice = await detectSandbox((kind) => backends[kind], 'linux');
    expect(probed.sort()).toEqual(['bwrap', 'docker', 'podman']);
    expect(choice.chosen).toBe('bwrap');
    expect(choice.candidates[0]).toEqual({ kind: 'docker', available: false, why: 'probe failed: boom' });
  });

  it('finds bubblewrap on this machine through the real registry', async () => {
    const registry = new SandboxRegistry({ instanceId: 'test-detect', image: 'omniclaw-agent:no-such-tag' });
    const choice = await detectSandbox((kind) => registry.get(kind), 'linux');
    expect(choice.candidates.find((c) => c.kind === 'bwrap')?.available).toBe(true);
    // Docker answers here but lacks this image tag, so it is skipped with the fix.
    expect(choice.candidates.find((c) => c.kind === 'docker')?.why).toMatch(/omniclaw image build/);
    expect(choice.chosen).toBe('bwrap');
  });
});

describe('sandbox registry', () => {
  const deps: BackendDeps = { instanceId: 'i', image: 'omniclaw-agent:latest' };
  it.each(['docker', 'podman', 'apple-container', 'bwrap', 'none'] as SandboxKind[])(
    'builds a %s backend',
    (kind) => {
      expect(sandboxBackends[kind](deps).kind).toBe(kind);
    },
  );
  it('leaves ssh to the machine pool', () => {
    expect(() => sandboxBackends.ssh(deps)).toThrow(/chosen per agent by runsOn/);
  });
  it('creates each backend once', () => {
    const registry = new SandboxRegistry(deps);
    expect(registry.get('bwrap')).toBe(registry.get('bwrap'));
    expect(registry.all()).toHaveLength(1);
  });
});
