/**
 * What every isolating backend must guarantee, shown by the probe runner trying it from
 * inside. bwrap.test.ts and docker.test.ts run this same suite against a real sandbox.
 */
import {
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadToInbox } from '../../src/channels/attachments.js';
import { agentFolder, agentInbox } from '../../src/config/paths.js';
import { SandboxLauncher } from '../../src/core/run-launcher.js';
import { heartbeatPromptFile } from '../../src/scheduler/heartbeat.js';
import { prepareFolderOwnership, sandboxIdentity } from '../../src/sandbox/folder-ownership.js';
import type { SandboxBackend } from '../../src/sandbox/types.js';
import { ContextTopics } from '../../src/tools/context-topics.js';
import { AgentFileError, stageAgentFile } from '../../src/core/agent-file.js';
import type { ShareMove } from '../../src/delegation/share-book.js';
import { copyShare, ShareCopyError } from '../../src/delegation/share-copy.js';
import {
  createWorld,
  DEFAULT_TEST_LIMITS,
  probeSession,
  probeSpec,
  runProbe,
  startProbe,
  testAgent,
  type ProbeOutcome,
  type World,
} from './world.js';

/** Every file under `dir` (symlinks not followed) whose name matches. */
function findFiles(dir: string, match: RegExp, found: string[] = []): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return found;
  }
  for (const name of names) {
    const path = join(dir, name);
    const info = lstatSync(path, { throwIfNoEntry: false });
    if (info?.isDirectory()) findFiles(path, match, found);
    else if (match.test(name)) found.push(path);
  }
  return found;
}

/** The host's view of a process a probe left with `tag` in its command line: its uids on the host. */
function hostView(tag: string): { statusUids: number[]; uidMap: number[][] } {
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (argv[0] !== '/bin/sleep' || !argv.includes(tag)) continue;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const uidLine = /^Uid:\s+(.*)$/m.exec(status)![1]!;
    const uidMap = readFileSync(`/proc/${pid}/uid_map`, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s+/).map(Number));
    return { statusUids: uidLine.split(/\s+/).map(Number), uidMap };
  }
  throw new Error(`no process with the marker ${tag} on the host`);
}

/** Maps a uid of the sandbox's namespace to the host's through uid_map as the host reads it. */
function toHostUid(uidMap: number[][], inside: number): number | undefined {
  const line = uidMap.find(([first, , count]) => inside >= first! && inside < first! + count!);
  return line ? line[1]! + (inside - line[0]!) : undefined;
}

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

    it("keeps the host's kernel settings, nested namespaces and setuid root out of the agent's reach", async () => {
      const agent = testAgent('escaper');
      const tag = `0.000${Date.now()}`; // a valid extra interval for sleep, unique on this host
      const sh = (script: string): Record<string, unknown> => ({
        op: 'exec',
        argv: ['/bin/sh', '-c', script],
      });
      const built = probeSpec(world, backend, agent);
      const session = await probeSession(await backend.start(built.spec), built);
      let results: ProbeOutcome[];
      let host: ReturnType<typeof hostView>;
      try {
        results = await session.send([
          { label: 'uid', op: 'whoami' },
          { label: 'name', op: 'exec', argv: ['id', '-un'] },
          { label: 'marker', op: 'marker', tag },
          { label: 'core-pattern', ...sh('test -w /proc/sys/kernel/core_pattern') },
          // Writes back the value it read, so an unfixed sandbox changes nothing on this host.
          {
            label: 'printk',
            ...sh(
              'v=$(cat /proc/sys/kernel/printk_ratelimit_burst) && echo $v > /proc/sys/kernel/printk_ratelimit_burst',
            ),
          },
          { label: 'sysrq', ...sh('test -w /proc/sysrq-trigger') },
          { label: 'nested-userns', op: 'exec', argv: ['unshare', '-Urnm', 'true'] },
          {
            label: 'setuid',
            ...sh('cp /bin/true /workspace/agent/suid && chmod 4755 /workspace/agent/suid'),
          },
        ]);
        host = hostView(tag);
      } finally {
        await session.stop();
      }
      const r = (label: string): ProbeOutcome => outcome(results, label);

      // The agent's uid is nobody's root on the host: neither as the host sees the process,
      // nor through the uid map of its user namespace.
      expect(r('marker').ok).toBe(true);
      expect(host.statusUids.filter((uid) => uid === 0)).toEqual([]);
      const inside = Number(r('uid').detail.split(':')[0]);
      expect(toHostUid(host.uidMap, inside)).toBe(host.statusUids[0]);
      // Whatever uid that is, tools can look it up (git, ssh and os.userInfo() need a name).
      expect(r('name')).toMatchObject({ ok: true, detail: 'agent' });

      expect(r('core-pattern').ok).toBe(false);
      expect(r('printk')).toMatchObject({
        ok: false,
        detail: expect.stringMatching(/Read-only file system|Permission denied/),
      });
      expect(r('sysrq').ok).toBe(false);
      // unshare ran and was refused (not missing): no nested user namespace, no capabilities back.
      expect(r('nested-userns')).toMatchObject({
        ok: false,
        detail: expect.stringMatching(/^unshare: unshare failed/),
      });

      expect(r('setuid').ok).toBe(true);
      const suid = statSync(join(agentFolder(world.paths, agent.id), 'suid'));
      expect(suid.mode & 0o4000).toBe(0o4000);
      expect(suid.uid).not.toBe(0);
      expect(suid.uid).toBe(host.statusUids[0]);
    });

    it('stores received files where a racing agent cannot redirect them, read-only for the agent', async () => {
      const agent = testAgent('racer');
      const built = probeSpec(world, backend, agent);
      const inbox = agentInbox(world.paths, agent.id);
      // Where the real attack planted code that the host then loaded as root.
      const plugins = join(world.paths.home, 'plugins');
      mkdirSync(plugins, { recursive: true });
      const session = await probeSession(await backend.start(built.spec), built);
      try {
        // The agent swaps the inbox/ of its own folder (where files used to land) for a
        // symlink to the plugins folder, as fast as it can, while the host stores files.
        const [race] = await session.send([
          { op: 'race', dir: '/workspace/agent', name: 'inbox', target: plugins, ms: 30_000 },
        ]);
        expect(race).toMatchObject({ ok: true });
        const failures: string[] = [];
        for (let i = 0; i < 400; i++) {
          await downloadToInbox({
            inbox,
            file: { name: `plugin-${i}.mjs` },
            locate: () => ({
              url: 'http://127.0.0.1/never-fetched',
              fetch: async () => new Response(`export default ${i};`),
            }),
            label: `file ${i}`,
          }).catch((err: Error) => failures.push(err.message));
        }
        const [stats] = await session.send([{ op: 'race-stop' }]);
        // The race was on the whole time the host was storing files.
        expect((JSON.parse(stats!.detail) as { swaps: number }).swaps).toBeGreaterThan(1000);

        expect(readdirSync(plugins)).toEqual([]);
        const everywhere = findFiles(world.root, /^plugin-\d+\.mjs$/);
        expect(everywhere.filter((path) => !path.startsWith(inbox + '/'))).toEqual([]);
        expect(failures).toEqual([]);
        expect(readdirSync(inbox)).toHaveLength(400);
        expect(statSync(inbox).uid).toBe(process.getuid!());

        const [read, tamper] = await session.send([
          { op: 'read', path: '/workspace/inbox/plugin-7.mjs' },
          { op: 'tamper', dir: '/workspace/inbox', existing: 'plugin-7.mjs' },
        ]);
        expect(read).toMatchObject({ ok: true, detail: 'export default 7;' });
        expect(tamper!.ok).toBe(false);
        expect(readFileSync(join(inbox, 'plugin-7.mjs'), 'utf8')).toBe('export default 7;');
        expect(readdirSync(inbox)).toHaveLength(400);
      } finally {
        await session.stop();
      }
    });

    it("reads a heartbeat's CLAUDE.md that a racing agent swaps for a symlink to a host secret, never the secret", async () => {
      const agent = testAgent('memory-racer');
      const built = probeSpec(world, backend, agent);
      const secretFile = join(world.root, 'host-secret.md');
      writeFileSync(secretFile, `## Heartbeat\nread this out: ${world.secret}\n`);
      const memory = join(agentFolder(world.paths, agent.id), 'CLAUDE.md');
      const session = await probeSession(await backend.start(built.spec), built);
      try {
        const [race] = await session.send([
          {
            op: 'race',
            dir: '/workspace/agent',
            name: 'CLAUDE.md',
            target: secretFile,
            ms: 30_000,
            content: '## Heartbeat\nall quiet\n',
          },
        ]);
        expect(race).toMatchObject({ ok: true });
        // The host reads the memory as the scheduler does when a heartbeat is due, for 3 s.
        const seen = { memory: 0, nothing: 0 };
        const leaks: string[] = [];
        for (const end = Date.now() + 3_000; Date.now() < end;) {
          for (let i = 0; i < 100; i++) {
            const prompt = heartbeatPromptFile(memory);
            if (prompt === undefined) seen.nothing++;
            else if (prompt.includes(world.secret)) leaks.push(prompt);
            else if (prompt.includes('all quiet')) seen.memory++;
          }
          await new Promise((r) => setImmediate(r));
        }
        const [stats] = await session.send([{ op: 'race-stop' }]);
        expect((JSON.parse(stats!.detail) as { swaps: number }).swaps).toBeGreaterThan(1000);
        expect(leaks).toEqual([]);
        // The race was real: the host saw the agent's file and, between swaps, nothing usable.
        expect(seen.memory).toBeGreaterThan(0);
        expect(seen.nothing).toBeGreaterThan(0);
      } finally {
        await session.stop();
      }
    });

    it('send_file never stages a host file: the file, then its parent folder, swapped for symlinks while the host copies', async () => {
      const agent = testAgent('sender');
      const built = probeSpec(world, backend, agent);
      const hostDir = join(world.root, 'host-outgoing');
      mkdirSync(hostDir, { recursive: true });
      const secretFile = join(hostDir, 'report.txt');
      writeFileSync(secretFile, `host file ${world.secret}`);
      const stagingDir = join(world.root, 'outbox-files');
      const agentRoot = agentFolder(world.paths, agent.id);
      const session = await probeSession(await backend.start(built.spec), built);
      // Stages as the send_file tool does, over and over, while the agent races; every staged copy is read back.
      const stageMany = async (path: string) => {
        const seen = { staged: 0, refused: 0 };
        const leaks: string[] = [];
        for (const end = Date.now() + 3_000; Date.now() < end;) {
          try {
            const staged = await stageAgentFile({
              agentRoot,
              path,
              stagingDir,
              maxBytes: 1 << 20,
              platform: 'test',
            });
            const text = readFileSync(staged, 'utf8');
            if (text.includes(world.secret)) leaks.push(text);
            else seen.staged++;
          } catch (error) {
            if (!(error instanceof AgentFileError)) throw error;
            seen.refused++;
          }
        }
        return { seen, leaks };
      };
      try {
        const [race] = await session.send([
          {
            op: 'race',
            dir: '/workspace/agent',
            name: 'report.txt',
            target: secretFile,
            ms: 30_000,
            content: 'agent report\n',
          },
        ]);
        expect(race).toMatchObject({ ok: true });
        const file = await stageMany('report.txt');
        const [stats] = await session.send([{ op: 'race-stop' }]);
        expect((JSON.parse(stats!.detail) as { swaps: number }).swaps).toBeGreaterThan(1000);
        expect(file.leaks, 'the file swapped').toEqual([]);
        // The race was real: the agent's own file went out, and between swaps it was refused.
        expect(file.seen.staged).toBeGreaterThan(0);
        expect(file.seen.refused).toBeGreaterThan(0);

        // Now a parent folder: out/ swapped between a real folder and a symlink to the host folder.
        const [setup] = await session.send([
          {
            op: 'exec',
            argv: [
              '/bin/sh',
              '-c',
              'mkdir -p /workspace/agent/out && echo agent > /workspace/agent/out/report.txt',
            ],
          },
        ]);
        expect(setup).toMatchObject({ ok: true });
        const [folderRace] = await session.send([
          { op: 'race', dir: '/workspace/agent', name: 'out', target: hostDir, ms: 30_000 },
        ]);
        expect(folderRace).toMatchObject({ ok: true });
        const folder = await stageMany('out/report.txt');
        const [folderStats] = await session.send([{ op: 'race-stop' }]);
        expect((JSON.parse(folderStats!.detail) as { swaps: number }).swaps).toBeGreaterThan(1000);
        expect(folder.leaks, 'its folder swapped').toEqual([]);
      } finally {
        await session.stop();
      }
    });

    it('share_request never writes outside the target: its shared/ folder swapped for a symlink while the host copies', async () => {
      const agent = testAgent('receiver');
      const built = probeSpec(world, backend, agent);
      const hostDir = join(world.root, 'host-target');
      mkdirSync(hostDir, { recursive: true });
      const folderOf = (id: string): string => agentFolder(world.paths, id);
      mkdirSync(folderOf('giver'), { recursive: true });
      writeFileSync(join(folderOf('giver'), 'q3.md'), 'shared report');
      const moves: ShareMove[] = [
        {
          direction: 'push',
          source: 'giver',
          target: agent.id,
          files: [{ path: 'q3.md', lands: 'shared/giver/q3.md' }],
        },
      ];
      const session = await probeSession(await backend.start(built.spec), built);
      try {
        // Planted from inside the sandbox, before the copy: refused, nothing written outside.
        const [plant] = await session.send([
          { op: 'exec', argv: ['/bin/sh', '-c', `ln -s ${hostDir} /workspace/agent/shared`] },
        ]);
        expect(plant).toMatchObject({ ok: true });
        expect(() => copyShare(moves, folderOf, 1 << 20)).toThrow(ShareCopyError);
        expect(findFiles(hostDir, /./)).toEqual([]);
        const [unplant] = await session.send([
          { op: 'exec', argv: ['/bin/sh', '-c', 'rm /workspace/agent/shared'] },
        ]);
        expect(unplant).toMatchObject({ ok: true });
        // Swapped while the host copies, over and over.
        const [race] = await session.send([
          { op: 'race', dir: '/workspace/agent', name: 'shared', target: hostDir, ms: 30_000 },
        ]);
        expect(race).toMatchObject({ ok: true });
        const seen = { copied: 0, refused: 0 };
        for (const end = Date.now() + 3_000; Date.now() < end;) {
          try {
            copyShare(moves, folderOf, 1 << 20);
            seen.copied++;
          } catch (error) {
            if (!(error instanceof ShareCopyError)) throw error;
            seen.refused++;
          }
        }
        const [stats] = await session.send([{ op: 'race-stop' }]);
        expect((JSON.parse(stats!.detail) as { swaps: number }).swaps).toBeGreaterThan(1000);
        expect(findFiles(hostDir, /./), 'written through the planted symlink').toEqual([]);
        // Some copies went through: the host's mkdir of a missing `shared` can stall the
        // agent's four-rename swap (a folder cannot be renamed over another), so the count
        // of refusals during the race is not asserted; the planted case above is.
        expect(seen.copied + seen.refused).toBeGreaterThan(0);
      } finally {
        await session.stop();
      }
    });

    it('never reads a host file for a context topic: symlinks planted in its folder, a folder swapped while the host reads', async () => {
      const agent = testAgent('planter');
      const built = probeSpec(world, backend, agent);
      const hostDir = join(world.root, 'host-topics');
      mkdirSync(hostDir, { recursive: true });
      writeFileSync(join(hostDir, 'swap.md'), `host file ${world.secret}`);
      writeFileSync(join(hostDir, 'hostonly.md'), `host file ${world.secret}`);
      const topics = new ContextTopics({
        paths: world.paths,
        agents: () => [
          { id: 'boss', main: true },
          { id: 'planter', main: false },
        ],
      });
      const session = await probeSession(await backend.start(built.spec), built);
      try {
        const [plant] = await session.send([
          {
            op: 'exec',
            argv: [
              '/bin/sh',
              '-c',
              'mkdir -p /workspace/agent/context && cd /workspace/agent/context && echo benign > swap.md && ' +
                `ln -s ${world.paths.envFile} leak.md && ln -s ${join(world.userHome, '.ssh', 'id_rsa')} key.md`,
            ],
          },
        ]);
        expect(plant).toMatchObject({ ok: true });
        for (const topic of ['planter.leak', 'planter.key'])
          expect(() => topics.read(topic)).toThrow(/symlink, which is never followed/);
        expect(topics.read('planter.swap').text).toBe('benign\n');

        // The agent swaps its context/ folder for a symlink to a host folder, as fast as it can.
        const [race] = await session.send([
          { op: 'race', dir: '/workspace/agent', name: 'context', target: hostDir, ms: 30_000 },
        ]);
        expect(race).toMatchObject({ ok: true });
        const seen = new Set<string>();
        const listed = new Set<string>();
        for (let i = 0; i < 2000; i++) {
          try {
            seen.add(topics.read('planter.swap').text);
          } catch (error) {
            seen.add((error as Error).message);
          }
          for (const t of topics.list().topics) listed.add(t.topic);
        }
        const [stats] = await session.send([{ op: 'race-stop' }]);
        expect((JSON.parse(stats!.detail) as { swaps: number }).swaps).toBeGreaterThan(1000);
        expect([...seen].join('\n')).not.toContain(world.secret);
        expect(seen.has('benign\n')).toBe(true);
        expect(listed.has('planter.hostonly')).toBe(false);
      } finally {
        await session.stop();
      }
    });

    // Only a root host hands folders to the sandbox's uid; as a normal user there is no chown to attack.
    it.runIf(process.getuid?.() === 0)(
      "hands an agent's folder to its uid without following the links a racing agent plants to host files",
      async () => {
        const agent = testAgent('owner-racer');
        const built = probeSpec(world, backend, agent);
        const hostDir = join(world.root, 'host-owned');
        mkdirSync(hostDir, { recursive: true });
        const hostFile = join(hostDir, 'config');
        writeFileSync(hostFile, 'host configuration');
        chownSync(hostDir, 0, 0);
        chownSync(hostFile, 0, 0);
        const owner = sandboxIdentity();
        const session = await probeSession(await backend.start(built.spec), built);
        try {
          const planted = await session.send([
            { op: 'symlink', target: hostFile, path: '/workspace/agent/planted-file' },
            { op: 'symlink', target: hostDir, path: '/workspace/agent/planted-dir' },
            { op: 'symlink', target: world.paths.envFile, path: '/workspace/agent/planted-env' },
            // And a folder swapped for a link to the host folder while the host walks the tree.
            { op: 'race', dir: '/workspace/agent', name: 'sub', target: hostDir, ms: 30_000 },
          ]);
          expect(planted.every((p) => p.ok)).toBe(true);
          // What the backends do before every run on a root host, over and over during the race.
          // Entries vanishing mid-walk are no failure: the agent's renames cannot stop runs starting.
          const failures: string[] = [];
          for (let i = 0; i < 60; i++) {
            await prepareFolderOwnership(built.spec, owner, [world.paths.home]).catch((err: Error) =>
              failures.push(err.message),
            );
          }
          expect(failures).toEqual([]);
          const [stats] = await session.send([{ op: 'race-stop' }]);
          expect((JSON.parse(stats!.detail) as { swaps: number }).swaps).toBeGreaterThan(1000);
        } finally {
          await session.stop();
        }
        for (const path of [hostDir, hostFile, world.paths.envFile]) {
          expect({ path, uid: lstatSync(path).uid, gid: lstatSync(path).gid }).toEqual({
            path,
            uid: 0,
            gid: 0,
          });
        }
        // The chown did its job on what the agent owns: its folder and the links themselves.
        const folder = agentFolder(world.paths, agent.id);
        expect(statSync(folder).uid).toBe(owner.uid);
        expect(lstatSync(join(folder, 'planted-file')).uid).toBe(owner.uid);
      },
    );

    it('stops a run whose folders outgrow its disk limit, and bounds its RAM-backed folders', async () => {
      const agent = testAgent('filler', { limits: { ...DEFAULT_TEST_LIMITS, diskMb: 20 } });
      let built: ReturnType<typeof probeSpec> | undefined;
      const launcher = new SandboxLauncher({
        backendFor: async () => backend,
        buildSpec: () => (built = probeSpec(world, backend, agent)),
        disk: { minIntervalMs: 200 },
      });
      const run = await launcher.launch(agent, 'run-filler');
      const session = await probeSession(run.process, built!);
      const [tmp, shm, dev] = await session.send([
        { op: 'fill', path: '/tmp/big', mb: 60 },
        { op: 'fill', path: '/dev/shm/big', mb: 100 },
        { op: 'write', path: '/dev/planted' },
      ]);
      // /tmp is bounded by the disk limit (20 MB), /dev/shm like Docker's (64 MB), /dev read-only.
      expect(tmp).toMatchObject({ ok: false, detail: expect.stringMatching(/^ENOSPC after (19|20) MB$/) });
      expect(shm).toMatchObject({ ok: false, detail: expect.stringMatching(/^ENOSPC after (6[0-4]) MB$/) });
      expect(dev!.ok).toBe(false);

      void session.send([{ op: 'fill', path: '/workspace/agent/big.bin', mb: 40 }]).catch(() => undefined);
      const exit = await run.process.exited;
      expect(exit.reason).toBe('limit');
      expect(exit.detail).toMatch(
        /^agent "filler" was stopped: its files take \d+ MB, over its 20 MB disk limit;/,
      );
      expect(exit.detail).not.toContain(world.root);
      run.release();

      // Still over the limit: the next run is stopped at its first measurement.
      const again = await launcher.launch(agent, 'run-filler-2');
      expect((await again.process.exited).reason).toBe('limit');
      again.release();
      expect(statSync(join(agentFolder(world.paths, agent.id), 'big.bin')).size).toBeGreaterThan(
        20 * 1024 * 1024,
      );
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
