/** `omniclaw doctor` as a subprocess: finds problems, prints the fix, never prints a secret. */
import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config/install.js';
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
      /^✗ Anthropic credential: A claude agent is configured, but no Anthropic credential is set\.$/m,
    );
    expect(result.stdout).toContain(`    fix: Add ANTHROPIC_API_KEY=… to ${join(home.home, '.env')}`);
    expect(result.stdout).toMatch(/^✓ Node\.js: Node\.js v\d+/m);
    expect(result.stdout).toMatch(
      /^! sandbox for main: The agent main runs with sandbox none: NO isolation/m,
    );
    expect(result.stdout).toMatch(/^✓ daemon: OmniClaw is not running; start it with `omniclaw start`\.$/m);
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
      detail: expect.stringMatching(/^The agent main is pinned to docker, which cannot run here: .*\.$/),
      fix: expect.stringContaining('omniclaw image build'),
    });
    expect(found).toContainEqual({
      name: 'sandbox for helper',
      status: 'ok',
      detail: 'The agent helper runs in bwrap (set in config).',
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
    const text = await cli(home, ['doctor', '--offline']);
    const json = await cli(home, ['doctor', '--json', '--offline']);
    for (const output of [text.stdout, text.stderr, json.stdout, json.stderr]) {
      for (const secret of Object.values(SECRETS)) expect(output).not.toContain(secret);
      expect(output).not.toContain('doctor-secret');
    }
    const found = checks(json.stdout);
    expect(found).toContainEqual({
      name: 'Anthropic credential',
      status: 'ok',
      detail: 'An Anthropic API key is present (not shown).',
    });
    expect(found).toContainEqual(expect.objectContaining({ name: 'config', status: 'ok' }));
    expect(found).toContainEqual(expect.objectContaining({ name: '.env', status: 'ok' }));
  });

  it('flags an instance folder and .env others can read, with the chmod that fixes it', async () => {
    const home = instance(CONFIG_WITH_SECRETS, SECRETS);
    writeFileSync(join(home.home, '.env'), 'UNUSED=1\n');
    chmodSync(join(home.home, '.env'), 0o644);
    chmodSync(home.home, 0o755);
    const found = checks((await cli(home, ['doctor', '--json', '--offline'])).stdout);
    expect(found).toContainEqual(
      expect.objectContaining({
        name: 'instance folder',
        status: 'fail',
        fix: `Run \`chmod 700 ${home.home}\`.`,
      }),
    );
    expect(found).toContainEqual(
      expect.objectContaining({
        name: '.env',
        status: 'fail',
        fix: `Run \`chmod 600 ${join(home.home, '.env')}\`.`,
      }),
    );
  });

  it('flags database files others can read (an older version made them 0644), with the chmod that fixes it', async () => {
    const home = instance(CONFIG_WITH_SECRETS, SECRETS);
    const db = join(home.home, 'omniclaw.db');
    writeFileSync(db, '');
    writeFileSync(`${db}-wal`, '');
    chmodSync(db, 0o644);
    chmodSync(`${db}-wal`, 0o640);
    const found = checks((await cli(home, ['doctor', '--json', '--offline'])).stdout);
    expect(found).toContainEqual(
      expect.objectContaining({
        name: 'database files',
        status: 'fail',
        fix: `Run \`chmod 600 ${db} ${db}-wal\`.`,
      }),
    );
    chmodSync(db, 0o600);
    chmodSync(`${db}-wal`, 0o600);
    const fixed = checks((await cli(home, ['doctor', '--json', '--offline'])).stdout);
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
      detail: `${join(home.home, 'omniclaw.yaml')}:2:3: http.prot: unknown key "prot".`,
      fix: `Correct ${join(home.home, 'omniclaw.yaml')} at the position shown, then run \`omniclaw doctor\` again.`,
    });
    expect(found.map((c) => c.name)).toEqual(
      expect.arrayContaining(['Node.js', 'instance folder', 'daemon']),
    );
  });

  it('never prints a secret written straight into omniclaw.yaml either', async () => {
    const home = instance(
      `models:\n  anthropic: { apiKey: ${SECRETS.ANTHROPIC_API_KEY} }\nagents:\n  - { id: main, sandbox: none }\n`,
    );
    const result = await cli(home, ['doctor', '--offline']);
    expect(result.stdout + result.stderr).not.toContain(SECRETS.ANTHROPIC_API_KEY);
    expect(result.stdout).toMatch(/Anthropic credential: An Anthropic API key is present \(not shown\)/);
  });
});

describe('omniclaw doctor on an instance with every mistake planted', () => {
  it('reports each one in a whole sentence with its fix, and --fix repairs the safe ones', async () => {
    const { mkdtempSync, mkdirSync, chownSync, rmSync } = await import('node:fs');
    const { createServer } = await import('node:http');
    const { ROOT } = await import('../helpers/daemon.js');
    const { startFakeTelegram } = await import('../fakes/fake-telegram.js');
    const { startFakeDiscord } = await import('../fakes/fake-discord.js');
    const { startFakeSlack } = await import('../fakes/fake-slack.js');
    const tg = await startFakeTelegram();
    const dc = await startFakeDiscord();
    const sl = await startFakeSlack({ botToken: 'xoxb-right', appToken: 'xapp-right' });
    // A model API that refuses every key, and a program sitting on the HTTP port.
    const refusing = createServer((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}');
    });
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    const port = (squatter.address() as { port: number }).port;
    const modelUrl = `http://127.0.0.1:${(refusing.address() as { port: number }).port}`;
    // The instance inside the project, where the main agent could read it.
    const home = instance(null, { TZ: 'UTC' });
    const inside = mkdtempSync(join(ROOT, '.doctor-home-'));
    try {
      home.env.OMNICLAW_HOME = inside;
      delete home.env.OMNICLAW_HTTP_PORT; // the port in the file counts here
      writeFileSync(
        join(inside, 'omniclaw.yaml'),
        `http: { port: ${port} }
models:
  anthropic: { apiKey: \${ANTHROPIC_API_KEY}, baseUrl: "${modelUrl}" }
channels:
  telegram: { token: "999:wrong-token", apiRoot: "${tg.apiRoot}" }
  discord: { token: wrong-discord, api: "${dc.api}" }
  slack: { botToken: xoxb-wrong, appToken: xapp-right, apiUrl: "${sl.apiUrl}" }
agents:
  - { id: main, main: true, sandbox: docker }
routes:
  - { chat: "4912345@s.whatsapp.net", agent: main }
sandbox: { image: "omniclaw-agent:no-such-tag-doctor" }
`,
      );
      writeFileSync(join(inside, '.env'), `ANTHROPIC_API_KEY=${SECRETS.ANTHROPIC_API_KEY}\n`);
      chmodSync(join(inside, '.env'), 0o644);
      writeFileSync(join(inside, 'omniclaw.db'), '');
      chmodSync(join(inside, 'omniclaw.db'), 0o644);
      chmodSync(inside, 0o755);
      mkdirSync(join(inside, 'groups'));
      chownSync(join(inside, 'groups'), 12345, 12345);

      const result = await cli(home, ['doctor', '--json']);
      expect(result.code).toBe(1);
      const found = checks(result.stdout);
      const failed = (name: string) => found.find((c) => c.name === name && c.status !== 'ok');
      for (const name of [
        'instance folder',
        '.env',
        'database files',
        'ownership',
        'instance location',
        'Anthropic credential works',
        'channel telegram',
        'channel discord',
        'channel slack',
        'route 4912345@s.whatsapp.net',
        'time zone',
        'sandbox for main',
        'http port',
      ])
        expect(failed(name), `${name} is reported`).toMatchObject({ fix: expect.any(String) });
      expect(failed('Anthropic credential works')?.detail).toBe(
        'The Anthropic API refused the API key (HTTP 401).',
      );
      expect(failed('channel telegram')?.detail).toMatch(/^Telegram refused the token/);
      expect(failed('instance location')?.status).toBe('fail');
      // Every message is a whole sentence, and no secret is printed.
      for (const c of found) {
        expect(c.detail, c.name).toMatch(/^[A-Z0-9`/].*[.!?)]$/s);
        if (c.fix) expect(c.fix, c.name).toMatch(/^[A-Z`].*[.!?)]$/s);
      }
      expect(result.stdout).not.toContain(SECRETS.ANTHROPIC_API_KEY);
      expect(result.stdout).not.toContain('wrong-token');

      const fixed = await cli(home, ['doctor', '--fix']);
      expect(fixed.stdout).toMatch(/^Fixed: instance folder, \.env, database files\.$/m);
      const after = checks((await cli(home, ['doctor', '--json'])).stdout);
      for (const name of ['instance folder', '.env', 'database files'])
        expect(after.find((c) => c.name === name)?.status, name).toBe('ok');
      // Not safe to do unasked: still reported.
      for (const name of ['ownership', 'instance location', 'channel telegram', 'http port'])
        expect(after.find((c) => c.name === name)?.status, name).toBe('fail');
    } finally {
      rmSync(inside, { recursive: true, force: true });
      await Promise.all([tg.close(), dc.close(), sl.close()]);
      refusing.close();
      squatter.close();
    }
  });

  it('reports a route to an agent that does not exist, naming the agents there are', async () => {
    const home = instance(
      'agents:\n  - { id: main, main: true, sandbox: none }\nroutes:\n  - { chat: "local:x", agent: ghost }\n',
    );
    const found = checks((await cli(home, ['doctor', '--json', '--offline'])).stdout);
    expect(found).toContainEqual(
      expect.objectContaining({
        name: 'config',
        status: 'fail',
        detail: expect.stringContaining('routes[0].agent: no agent with id "ghost" (agents: main).'),
      }),
    );
  });
  // As root only: a host that is not root runs agents as itself, and there is nothing to check.
  it.runIf(process.getuid?.() === 0)(
    'checks project access as the configured sandbox uid, and agrees with a real process of that uid',
    async () => {
      const home = instance(
        'sandbox: { uid: 61234, gid: 61234 }\nagents:\n  - { id: main, main: true, sandbox: none }\n',
      );
      const found = checks((await cli(home, ['doctor', '--json', '--offline'])).stdout);
      const access = found.find((c) => c.name === 'project access');
      expect(access?.detail).toContain('The sandbox user (61234)');
      expect(access?.detail).not.toContain('61000');
      let canList = true;
      try {
        execFileSync('setpriv', ['--reuid=61234', '--regid=61234', '--clear-groups', 'ls', PROJECT_ROOT], {
          stdio: 'ignore',
        });
      } catch {
        canList = false;
      }
      expect(access?.status).toBe(canList ? 'ok' : 'warn');
    },
  );
});
