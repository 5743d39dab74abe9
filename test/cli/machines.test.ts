/**
 * `omniclaw machines add|list|check|remove` as the real CLI (dist/), against a real sshd on
 * 127.0.0.1 serving a second instance, a stopped one, and one on another protocol version.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, startRemoteMachine, type RemoteMachine } from '../helpers/sshd.js';

const HOSTILE = fileURLToPath(new URL('../fixtures/hostile-node.sh', import.meta.url));

describe('omniclaw machines', () => {
  let remote: RemoteMachine;
  let home: string;
  const run = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) =>
      execFile(
        process.execPath,
        [CLI, 'machines', ...args],
        { env: { PATH: process.env.PATH, OMNICLAW_HOME: home }, encoding: 'utf8', timeout: 60_000 },
        (error, stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      ),
    );

  beforeAll(async () => {
    remote = await startRemoteMachine();
    home = mkdtempSync(join(tmpdir(), 'omniclaw-machines-cli-'));
    writeFileSync(join(home, 'omniclaw.yaml'), '# my config\nhttp: { port: 0 }\n');
  });
  afterAll(async () => {
    await remote?.close();
    rmSync(home, { recursive: true, force: true });
  });

  const common = (): string[] => [
    '-i',
    remote.identityFile,
    '--known-hosts',
    remote.knownHostsFile,
    '--home',
    remote.home,
  ];

  it('adds machines to the config, keeping what was there, and refuses bad ones', async () => {
    const added = await run([
      'add',
      'box',
      `root@127.0.0.1:${remote.port}`,
      '-l',
      'gpu',
      '-l',
      'linux',
      ...common(),
      '--command',
      `${process.execPath} ${CLI}`,
    ]);
    expect(added).toMatchObject({ code: 0 });
    expect(added.stdout).toMatch(/Added machine "box"\. Check it with `omniclaw machines check box`/);
    await run([
      'add',
      'old',
      `root@127.0.0.1:${remote.port}`,
      ...common(),
      '--command',
      `sh ${HOSTILE} wrong-version`,
    ]);
    await run(['add', 'off', 'root@127.0.0.1:1', ...common()]);
    const text = readFileSync(join(home, 'omniclaw.yaml'), 'utf8');
    expect(text.startsWith('# my config\nhttp: { port: 0 }\nmachines:\n')).toBe(true);
    const machines = (parse(text) as { machines: { name: string; ssh: string; labels?: string[] }[] })
      .machines;
    expect(machines.map((m) => m.name)).toEqual(['box', 'old', 'off']);
    expect(machines[0]).toMatchObject({ ssh: `root@127.0.0.1:${remote.port}`, labels: ['gpu', 'linux'] });
    expect(await run(['add', 'box', 'root@elsewhere'])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/already configured/),
    });
    expect(await run(['add', 'bad', 'no-user-here'])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/ssh: "no-user-here" is not user@host/),
    });
  });

  it('lists them, and says the daemon is not running', async () => {
    const listed = await run(['list']);
    expect(listed).toMatchObject({ code: 0 });
    expect(listed.stdout).toMatch(
      /^box +root@127\.0\.0\.1:\d+ +daemon not running labels: gpu, linux; agents: -$/m,
    );
  });

  it('checks reachability, remote version, sandboxes and labels', async () => {
    const good = await run(['check', 'box']);
    expect(good).toMatchObject({ code: 0 });
    expect(good.stdout).toBe('box: ok — OmniClaw 0.1.0, sandboxes bwrap, labels gpu, linux\n');
    const all = await run(['check']);
    expect(all.code).toBe(1);
    expect(all.stdout).toMatch(
      /^old: NOT OK — machine "old" speaks runner protocol 99, this machine 1: upgrade OmniClaw on the main machine/m,
    );
    expect(all.stdout).toMatch(/^off: NOT OK — machine "off": .*Connection refused/m);
  });

  it('removes a machine no agent runs on, and refuses one that an agent needs', async () => {
    const file = join(home, 'omniclaw.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8') +
        'agents: [{ id: main, main: true }, { id: far, runsOn: { machine: box } }]\n',
    );
    expect(await run(['remove', 'box'])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/agents far run on "box"; change their runsOn first/),
    });
    expect(await run(['remove', 'off'])).toMatchObject({ code: 0 });
    expect(readFileSync(file, 'utf8')).not.toContain('name: off');
    expect(await run(['remove', 'off'])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/no machine named "off"/),
    });
  });
});
