/** `omniclaw doctor` as a subprocess: finds problems, prints the fix, never prints a secret. */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, makeInstance, type Instance } from '../helpers/daemon.js';

const instances: Instance[] = [];
afterAll(() => instances.forEach((i) => i.cleanup()));
const instance = (config: string | null, env: Record<string, string> = {}): Instance => {
  const made = makeInstance(config, env);
  instances.push(made);
  return made;
};

interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}
const checks = (stdout: string): Check[] => JSON.parse(stdout) as Check[];

const SECRETS = {
  ANTHROPIC_API_KEY: 'sk-ant-doctor-secret-value-1234567890',
  TELEGRAM_BOT_TOKEN: '987654321:doctor-telegram-secret',
};
const CONFIG_WITH_SECRETS = `
models:
  anthropic: { apiKey: \${ANTHROPIC_API_KEY} }
channels:
  telegram: { token: \${TELEGRAM_BOT_TOKEN}, apiRoot: "http://127.0.0.1:9" }
agents:
  - { id: main, main: true, sandbox: none }
`;

describe('omniclaw doctor', () => {
  it('fails without an Anthropic credential and prints the fix', async () => {
    const home = instance('agents:\n  - { id: main, main: true, sandbox: none }\n');
    const result = await cli(home, ['doctor']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^✗ Anthropic credential: a claude agent is configured but no Anthropic credential is$/m,
    );
    expect(result.stdout).toContain(`    fix: add ANTHROPIC_API_KEY=… to ${join(home.home, '.env')}`);
    expect(result.stdout).toMatch(/^✓ Node\.js: v\d+/m);
    expect(result.stdout).toMatch(/^! sandbox for main: none: NO isolation/m);
    expect(result.stdout).toMatch(/^✓ daemon: not running \(start it with `omniclaw start`\)$/m);
  });

  it('fails for an agent pinned to a sandbox that cannot run it (a missing image), with the fix', async () => {
    // Never pulled: detection only asks the local daemon whether it has the tag.
    const home = instance(`
models:
  anthropic: { apiKey: sk-ant-doctor-0123456789 }
sandbox: { image: "omniclaw-agent:no-such-tag-doctor" }
agents:
  - { id: main, main: true, sandbox: docker }
  - { id: helper, sandbox: bwrap }
`);
    const result = await cli(home, ['doctor', '--json']);
    expect(result.code).toBe(1);
    const found = checks(result.stdout);
    expect(found).toContainEqual({
      name: 'sandbox for main',
      status: 'fail',
      detail: expect.stringMatching(
        /^docker \(set in config\) cannot run it: .*the image omniclaw-agent:no-such-tag-doctor is missing; run: omniclaw image build$/,
      ),
      fix: expect.stringContaining('omniclaw image build'),
    });
    expect(found).toContainEqual({
      name: 'sandbox for helper',
      status: 'ok',
      detail: 'bwrap (set in config)',
    });
  });

  it('reports credentials from .env as present without printing them, in text and JSON', async () => {
    const home = instance(CONFIG_WITH_SECRETS);
    writeFileSync(
      join(home.home, '.env'),
      Object.entries(SECRETS)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
      {
        mode: 0o600,
      },
    );
    const text = await cli(home, ['doctor']);
    const json = await cli(home, ['doctor', '--json']);
    for (const output of [text.stdout, text.stderr, json.stdout, json.stderr]) {
      for (const secret of Object.values(SECRETS)) expect(output).not.toContain(secret);
      expect(output).not.toContain('doctor-secret');
    }
    const found = checks(json.stdout);
    expect(found).toContainEqual({
      name: 'Anthropic credential',
      status: 'ok',
      detail: 'API key present (not shown)',
    });
    expect(found).toContainEqual(expect.objectContaining({ name: 'channel telegram', status: 'ok' }));
    expect(found).toContainEqual(expect.objectContaining({ name: 'config', status: 'ok' }));
    expect(found).toContainEqual(
      expect.objectContaining({ name: '.env', status: 'ok', detail: 'owner-only' }),
    );
  });

  it('flags an instance folder and .env others can read, with the chmod that fixes it', async () => {
    const home = instance(CONFIG_WITH_SECRETS, SECRETS);
    writeFileSync(join(home.home, '.env'), 'UNUSED=1\n');
    chmodSync(join(home.home, '.env'), 0o644);
    chmodSync(home.home, 0o755);
    const found = checks((await cli(home, ['doctor', '--json'])).stdout);
    expect(found).toContainEqual(
      expect.objectContaining({ name: 'instance folder', status: 'fail', fix: `chmod 700 ${home.home}` }),
    );
    expect(found).toContainEqual(
      expect.objectContaining({ name: '.env', status: 'fail', fix: `chmod 600 ${join(home.home, '.env')}` }),
    );
  });

  it('flags database files others can read (an older version made them 0644), with the chmod that fixes it', async () => {
    const home = instance(CONFIG_WITH_SECRETS, SECRETS);
    const db = join(home.home, 'omniclaw.db');
    writeFileSync(db, '');
    writeFileSync(`${db}-wal`, '');
    chmodSync(db, 0o644);
    chmodSync(`${db}-wal`, 0o640);
    const found = checks((await cli(home, ['doctor', '--json'])).stdout);
    expect(found).toContainEqual(
      expect.objectContaining({ name: 'database files', status: 'fail', fix: `chmod 600 ${db} ${db}-wal` }),
    );
    chmodSync(db, 0o600);
    chmodSync(`${db}-wal`, 0o600);
    const fixed = checks((await cli(home, ['doctor', '--json'])).stdout);
    expect(fixed).toContainEqual(expect.objectContaining({ name: 'database files', status: 'ok' }));
  });

  it('reports a broken config with its position and still checks the rest', async () => {
    const home = instance('http:\n  prot: 1\n');
    const result = await cli(home, ['doctor', '--json']);
    expect(result.code).toBe(1);
    const found = checks(result.stdout);
    expect(found).toContainEqual({
      name: 'config',
      status: 'fail',
      detail: `${join(home.home, 'omniclaw.yaml')}:2:3: http.prot: unknown key "prot"`,
      fix: 'correct the file at the position shown',
    });
    expect(found.map((c) => c.name)).toEqual(
      expect.arrayContaining(['Node.js', 'instance folder', 'daemon']),
    );
  });

  it('never prints a secret written straight into omniclaw.yaml either', async () => {
    const home = instance(
      `models:\n  anthropic: { apiKey: ${SECRETS.ANTHROPIC_API_KEY} }\nagents:\n  - { id: main, sandbox: none }\n`,
    );
    const result = await cli(home, ['doctor']);
    expect(result.stdout + result.stderr).not.toContain(SECRETS.ANTHROPIC_API_KEY);
    expect(result.stdout).toMatch(/Anthropic credential: API key present \(not shown\)/);
  });
});
