/**
 * What every isolating backend must guarantee, shown by the probe runner trying it from
 * inside. bwrap.test.ts and docker.test.ts run this same suite against a real sandbox.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxBackend } from '../../src/sandbox/types.js';
import {
  createWorld,
  DEFAULT_TEST_LIMITS,
  probeSpec,
  runProbe,
  startProbe,
  testAgent,
  type ProbeOutcome,
  type World,
} from './world.js';

const outcome = (results: ProbeOutcome[], label: string): ProbeOutcome => {
  const found = results.find((r) => r.label === label);
  if (!found) throw new Error(`no probe result labelled ${label}`);
  return found;
};

export function describeIsolation(name: string, makeBackend: (world: World) => SandboxBackend): void {
  describe(`${name}: isolation seen from inside`, () => {
    let world: World;
    let backend: SandboxBackend;
    beforeAll(async () => {
      world = await createWorld();
      backend = makeBackend(world);
    });
    afterAll(async () => world?.close());

    it('keeps a non-main agent away from secrets, other agents, the network and the project', async () => {
      const { paths, userHome } = world;
      const agent = testAgent('probe', { mounts: [{ hostPath: '~/projects/notes', readonly: true }] });
      const built = probeSpec(world, backend, agent);
      const run = await runProbe(backend, built, [
        { label: 'uid', op: 'whoami' },
        { label: 'ssh', op: 'read', path: join(userHome, '.ssh', 'id_rsa') },
        { label: 'other-agent', op: 'read', path: join(paths.groups, 'other', 'CLAUDE.md') },
        { label: 'database', op: 'read', path: paths.database },
        { label: 'dotenv', op: 'read', path: paths.envFile },
        { label: 'instance-home', op: 'list', path: paths.home },
        { label: 'project', op: 'list', path: '/workspace/project' },
        { label: 'global-read', op: 'read', path: '/workspace/global/CLAUDE.md' },
        { label: 'global-write', op: 'write', path: '/workspace/global/CLAUDE.md' },
        { label: 'agent-write', op: 'write', path: '/workspace/agent/out.txt' },
        { label: 'state-write', op: 'write', path: '/workspace/state/session.json' },
        { label: 'extra-read', op: 'read', path: '/workspace/extra/notes/todo.md' },
        { label: 'extra-write', op: 'write', path: '/workspace/extra/notes/todo.md' },
        { label: 'root-write', op: 'write', path: '/etc/evil' },
        { label: 'runner-write', op: 'write', path: '/opt/omniclaw/probe-runner.mjs' },
        { label: 'env', op: 'env' },
        { label: 'search', op: 'search', needle: world.secret },
        { label: 'interfaces', op: 'interfaces' },
        { label: 'tcp', op: 'tcp', host: '127.0.0.1', port: world.tcpPort },
        { label: 'dns', op: 'dns', server: world.dnsServer, name: 'gateway.omniclaw.test' },
        { label: 'gateway', op: 'unix', path: '/run/omniclaw/gateway.sock', line: 'hello' },
        { label: 'fork', op: 'fork', count: 100 },
      ]);
      const r = (label: string): ProbeOutcome => outcome(run.results, label);

      expect(r('uid').detail).not.toMatch(/^0:/);
      for (const label of ['ssh', 'other-agent', 'database', 'dotenv', 'instance-home', 'project']) {
        expect({ label, ...r(label) }).toMatchObject({ label, ok: false });
      }
      expect(r('global-read')).toMatchObject({ ok: true, detail: 'global memory' });
      expect(r('global-write').ok).toBe(false);
      expect(readFileSync(join(paths.globalMemory, 'CLAUDE.md'), 'utf8')).toBe('global memory');
      expect(r('agent-write').ok).toBe(true);
      expect(readFileSync(join(paths.groups, 'probe', 'out.txt'), 'utf8')).toBe('written by the probe');
      expect(r('state-write').ok).toBe(true);
      expect(existsSync(join(paths.sessions, 'probe', 'session.json'))).toBe(true);
      expect(r('extra-read')).toMatchObject({ ok: true, detail: 'extra mount content' });
      expect(r('extra-write').ok).toBe(false);
      expect(r('root-write').ok).toBe(false);
      expect(existsSync('/etc/evil')).toBe(false);
      expect(r('runner-write').ok).toBe(false);

      expect(r('env').detail).not.toContain(world.secret);
      expect(JSON.parse(r('env').detail)).toMatchObject({
        OMNICLAW_GATEWAY_SOCKET: '/run/omniclaw/gateway.sock',
      });
      expect(r('search')).toMatchObject({ ok: true });

      expect(r('interfaces').detail).toBe('lo');
      expect(r('tcp').ok).toBe(false);
      expect(world.tcpConnections()).toBe(0);
      expect(r('dns').ok).toBe(false);
      expect(world.dnsQueries()).toBe(0);
      expect(r('gateway')).toMatchObject({ ok: true, detail: 'gateway:hello' });

      const [started, error] = r('fork').detail.split(' ');
      expect(r('fork').ok).toBe(false);
      expect(Number(started)).toBeLessThan(64);
      expect(error).toBe('EAGAIN');
    });

    it('gives the main agent the project read-only with its .env hidden, and global memory writable', async () => {
      const built = probeSpec(world, backend, testAgent('boss', { main: true }));
      const run = await runProbe(backend, built, [
        { label: 'readme', op: 'read', path: '/workspace/project/README.md' },
        { label: 'project-env', op: 'read', path: '/workspace/project/.env' },
        { label: 'project-write', op: 'write', path: '/workspace/project/README.md' },
        { label: 'global-write', op: 'write', path: '/workspace/global/main-notes.md' },
        { label: 'search', op: 'search', needle: world.secret },
      ]);
      const r = (label: string): ProbeOutcome => outcome(run.results, label);
      expect(r('readme')).toMatchObject({ ok: true, detail: 'the project' });
      expect(r('project-env').detail).not.toContain(world.secret);
      expect(r('project-write').ok).toBe(false);
      expect(readFileSync(join(world.project, 'README.md'), 'utf8')).toBe('the project');
      expect(r('global-write').ok).toBe(true);
      expect(r('search')).toMatchObject({ ok: true });
    });

    it('stops a run that outlives its time limit and says why', async () => {
      const agent = testAgent('sleepy', { limits: { ...DEFAULT_TEST_LIMITS, timeoutMs: 2_500 } });
      const { proc } = await startProbe(backend, probeSpec(world, backend, agent).spec);
      const began = Date.now();
      const exit = await proc.exited;
      expect(exit.reason).toBe('timeout');
      expect(exit.detail).toContain('time limit');
      expect(Date.now() - began).toBeLessThan(15_000);
    });

    it('stops a run that uses more memory than its limit and says why', async () => {
      const agent = testAgent('hungry', {
        limits: { ...DEFAULT_TEST_LIMITS, memoryMb: 128, timeoutMs: 60_000 },
      });
      const { proc } = await startProbe(backend, probeSpec(world, backend, agent).spec);
      proc.stdin.write(
        JSON.stringify({ type: 'message', turnId: 't', text: JSON.stringify([{ op: 'alloc', mb: 600 }]) }) +
          '\n',
      );
      const exit = await proc.exited;
      expect(exit.reason).toBe('limit');
      expect(exit.detail).toContain('128 MB');
    });
  });
}
