/**
 * The secure path end to end, per isolating backend: `omniclaw chat -m` (the real CLI) →
 * the host (startApp, control socket, local channel) → the real sandbox (bwrap, docker) →
 * the runner → the Claude Agent SDK engine → the host's egress gateway → the fake Anthropic
 * API. The scripted model makes the agent run Bash to hunt for secrets and ways out, then
 * use the omniclaw tools; the test reads what the agent saw in the tool results the fake
 * receives, and what the fake itself received (the real key, never a run token).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { credentialOf, text, type FakeReply } from '../fakes/fake-anthropic.js';
import {
  PROJECT_ROOT,
  allHeaderText,
  createE2eWorld,
  omniclaw,
  section,
  startE2eApp,
  toolResultFor,
  type E2eWorld,
} from './helpers.js';
import { storeDatabase } from '../../src/store/index.js';

const toolUse = (id: string, name: string, input: unknown): FakeReply => ({
  kind: 'tool_use',
  id,
  name,
  input,
});

/** Bash run by the agent: every line tries something a sandbox must refuse, or shows what it holds. */
function hostileScript(world: E2eWorld, other: string, pwnedName: string): string {
  const { paths } = world;
  return [
    'echo "== env"; env | sort',
    'echo "== environ"; for f in /proc/[0-9]*/environ; do tr "\\0" "\\n" < "$f"; echo; done 2>&1 | sort -u',
    'echo "== grep"',
    `timeout 120 grep -rIl -s --devices=skip --exclude-dir=proc --exclude-dir=sys --exclude-dir=node_modules -e '${world.keyPattern}' / | head -5`,
    'echo "grep-exit ${PIPESTATUS[0]}"',
    `echo "== ssh"; cat ${world.userHome}/.ssh/id_rsa 2>&1; ls -a ~/.ssh 2>&1`,
    `echo "== other-agent"; cat ${join(paths.groups, other, 'notes.txt')} 2>&1; cat /workspace/agent/../${other}/notes.txt 2>&1; ls /workspace 2>&1`,
    `echo "== database"; head -c 64 ${paths.database} 2>&1`,
    `echo "== dotenv"; cat ${paths.envFile} 2>&1`,
    'echo "== project-read"; ls /workspace/project 2>&1',
    `echo "== project-write"; (echo pwned > /workspace/project/${pwnedName}) 2>&1 && echo WROTE-PROJECT`,
    `echo "== global-write"; (echo pwned >> /workspace/global/CLAUDE.md) 2>&1 && echo WROTE-GLOBAL`,
    `echo "== tcp"; timeout 5 bash -c 'echo hi > /dev/tcp/127.0.0.1/${world.tcpPort}' 2>&1 && echo TCP-CONNECTED`,
    'echo "== interfaces"; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "',
    'echo "== end"',
  ].join('\n');
}

/** What every agent's hunt must show, whatever its role. */
function expectNothingFound(world: E2eWorld, output: string, other: string): void {
  expect(output).not.toContain(world.key);
  expect(output).toMatch(/OMNICLAW_RUN_ID=/); // the script really ran inside a run
  expect(section(output, 'grep')).toMatch(/^\s*grep-exit [12]\s*$/); // no file holds the key; no timeout
  expect(section(output, 'ssh')).not.toContain('FAKE KEY');
  expect(section(output, 'ssh')).toMatch(/No such file/);
  expect(section(output, 'other-agent')).not.toContain(world.markers[other]);
  expect(section(output, 'database')).toMatch(/No such file/);
  expect(section(output, 'dotenv')).toMatch(/No such file/);
  expect(section(output, 'tcp')).not.toContain('TCP-CONNECTED');
  expect(section(output, 'interfaces').trim()).toBe('lo'); // no way out but the gateway socket
}

function expectModelSawOnlyTheRealKey(world: E2eWorld, output: string): void {
  const modelCalls = world.model.requests.filter((r) => r.path.startsWith('/v1/messages'));
  expect(modelCalls.length).toBeGreaterThan(0);
  for (const request of modelCalls) expect(credentialOf(request)).toBe(world.key);
  // The sandbox holds per-run tokens only; none of them ever reached the model API.
  const tokens = output.match(/ocgw_[A-Za-z0-9_-]{20,}/g) ?? [];
  expect(tokens.length).toBeGreaterThan(0);
  const headers = allHeaderText(world.model);
  for (const token of tokens) expect(headers).not.toContain(token);
  expect(headers).not.toContain('ocgw_');
}

/**
 * The main agent's project, readable by others as a clone normally is: the checkout this
 * test runs from may be closed (cloned under `mktemp -d`, mode 0700), and a root host runs
 * agents as an unprivileged uid that could then not read /workspace/project at all
 * (`omniclaw start` and `doctor` warn about that; here the folder is the test's own).
 */
function readableProject(world: E2eWorld): string {
  const project = join(world.root, 'project');
  mkdirSync(project, { mode: 0o755 });
  chmodSync(project, 0o755); // whatever the umask
  writeFileSync(join(project, 'README.md'), '# a project the main agent may read\n');
  return project;
}

describe.each(['bwrap', 'docker'] as const)('secure path through %s', (sandbox) => {
  let world: E2eWorld;
  let app: App;
  let project: string;
  const pwnedName = `PWNED-${Date.now()}`;

  beforeAll(async () => {
    world = await createE2eWorld();
    project = readableProject(world);
    app = await startE2eApp(
      world,
      [
        'agents:',
        `  - { id: main, main: true, sandbox: ${sandbox} }`,
        `  - { id: helper, name: Helper, sandbox: ${sandbox} }`,
      ].join('\n'),
      { projectRoot: project },
    );
  });

  afterAll(async () => {
    await app?.stop();
    await world?.close();
  });

  it('answers the main agent in the sandbox; secrets, other agents and the network stay out of reach', async () => {
    const probeId = `toolu_probe_main_${sandbox}`;
    const sendId = `toolu_send_main_${sandbox}`;
    world.model.script(
      toolUse(probeId, 'Bash', { command: hostileScript(world, 'helper', pwnedName), timeout: 180_000 }),
      toolUse(sendId, 'mcp__omniclaw__send_message', { text: 'Checks finished, writing up.' }),
      text('All checks done.'),
    );

    const chat = await omniclaw(world, ['chat', '-m', 'please run your checks'], 240_000);
    expect(chat).toMatchObject({ code: 0 });
    expect(chat.stdout).toContain('Checks finished, writing up.');
    expect(chat.stdout).toContain('All checks done.');

    const probe = await toolResultFor(world.model, probeId);
    expectNothingFound(world, probe.text, 'helper');
    // The main agent has the project read-only and global memory read-write.
    expect(section(probe.text, 'project-write')).toMatch(/Read-only file system/);
    expect(section(probe.text, 'project-write')).not.toContain('WROTE-PROJECT');
    expect(section(probe.text, 'project-read')).toContain('README.md');
    expect(existsSync(join(project, pwnedName))).toBe(false);
    expect(existsSync(join(PROJECT_ROOT, pwnedName))).toBe(false);
    expect(section(probe.text, 'global-write')).toContain('WROTE-GLOBAL');
    expect(world.tcpConnections()).toBe(0);
    expectModelSawOnlyTheRealKey(world, probe.text);

    // The agent saw the host's real answer to its tool call, not an optimistic "sent".
    const sent = await toolResultFor(world.model, sendId);
    expect(sent).toMatchObject({ isError: false });
    expect(sent.text).toMatch(/^Sent to local:default \(message id /);
  }, 300_000);

  it('takes a follow-up in the warm engine: the same run, the earlier conversation in context', async () => {
    world.model.script(text('Second answer from the warm engine.'));
    const chat = await omniclaw(world, ['chat', '-m', 'and one more thing'], 120_000);
    expect(chat).toMatchObject({ code: 0 });
    expect(chat.stdout).toContain('Second answer from the warm engine.');

    const last = world.model.modelRequests().at(-1)!;
    expect(JSON.stringify(last.messages)).toContain('All checks done.');
    expect(JSON.stringify(last.messages)).toContain('and one more thing');
    const runs = storeDatabase(app.store).prepare("SELECT id FROM runs WHERE agent = 'main'").all();
    expect(runs).toHaveLength(1);
  }, 150_000);

  it('keeps a non-main agent out of the main agent, global memory and other chats', async () => {
    const probeId = `toolu_probe_helper_${sandbox}`;
    const sendId = `toolu_send_helper_${sandbox}`;
    world.model.script(
      toolUse(probeId, 'Bash', { command: hostileScript(world, 'main', pwnedName), timeout: 180_000 }),
      toolUse(sendId, 'mcp__omniclaw__send_message', { text: 'sneaky', target_jid: 'local:default' }),
      text('Helper finished.'),
    );

    const chat = await omniclaw(world, ['chat', '-a', 'helper', '-m', 'run your checks too'], 240_000);
    expect(chat).toMatchObject({ code: 0 });
    expect(chat.stdout).toContain('Helper finished.');

    const probe = await toolResultFor(world.model, probeId);
    expectNothingFound(world, probe.text, 'main');
    expect(section(probe.text, 'project-write')).not.toContain('WROTE-PROJECT');
    expect(section(probe.text, 'global-write')).not.toContain('WROTE-GLOBAL');
    // Only the main agent's line is there.
    expect(readFileSync(join(world.paths.globalMemory, 'CLAUDE.md'), 'utf8').match(/pwned/g)).toHaveLength(1);
    expect(world.tcpConnections()).toBe(0);
    expectModelSawOnlyTheRealKey(world, probe.text);

    const refused = await toolResultFor(world.model, sendId);
    expect(refused.isError).toBe(true);
    expect(refused.text).toMatch(/not allowed: agent "helper" may only use its own chats/);
    const leaked = storeDatabase(app.store).prepare("SELECT id FROM outbox WHERE text LIKE '%sneaky%'").all();
    expect(leaked).toHaveLength(0);
  }, 300_000);
});
