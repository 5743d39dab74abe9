/**
 * `omniclaw agents` as a subprocess: what the config makes of the agents, with ${VAR} from
 * the instance .env and the process environment winning over it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfigText } from '../../src/config/load.js';
import { openStore } from '../../src/store/index.js';
import { cli, makeInstance, type Instance } from '../helpers/daemon.js';

const instances: Instance[] = [];
afterAll(() => instances.forEach((i) => i.cleanup()));
const instance = (config: string | null, env: Record<string, string> = {}): Instance => {
  const made = makeInstance(config, env);
  instances.push(made);
  return made;
};

const CONFIG = `
instance: { name: "\${BOT_NAME}" }
agents:
  - { id: main, main: true, sandbox: none }
  - { id: helper, name: Bob, runtime: openai, model: llama3, sandbox: bwrap }
routes:
  - { chat: "tg:42", agent: helper }
  - { chat: "tg:43", agent: helper, requiresTrigger: false }
`;

describe('omniclaw agents', () => {
  it('lists agents, their triggers and chats', async () => {
    const home = instance(CONFIG, { BOT_NAME: 'Omni' });
    const result = await cli(home, ['agents']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      'main (main) — Omni, claude (default), sandbox none, trigger @Omni\n' +
        '    local:default\n' +
        '    local:main\n' +
        'helper — Bob, openai llama3, sandbox bwrap, trigger @Bob\n' +
        '    tg:42 (trigger)\n' +
        '    tg:43\n' +
        '    local:helper\n',
    );
  });

  it('takes ${VAR} from the instance .env, and the process environment wins', async () => {
    const home = instance(CONFIG);
    writeFileSync(join(home.home, '.env'), 'BOT_NAME=FromFile\n', { mode: 0o600 });
    const fromFile = JSON.parse((await cli(home, ['agents', '--json'])).stdout) as {
      id: string;
      name: string;
    }[];
    expect(fromFile.find((a) => a.id === 'main')?.name).toBe('FromFile');
    const fromProcess = JSON.parse(
      (await cli(home, ['agents', '--json'], { BOT_NAME: 'FromProcess' })).stdout,
    ) as {
      id: string;
      name: string;
    }[];
    expect(fromProcess.find((a) => a.id === 'main')?.name).toBe('FromProcess');
  });

  it('exits non-zero with file:line:col for a broken config', async () => {
    const home = instance(CONFIG); // BOT_NAME is set nowhere
    const result = await cli(home, ['agents']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `omniclaw: ${join(home.home, 'omniclaw.yaml')}:2:19: instance.name refers to \${BOT_NAME}, which is not set. ` +
        'Set it in the environment or in the instance .env file.\n',
    );
  });

  it('shows the default main agent when there is no config yet', async () => {
    const home = instance(null);
    const rows = JSON.parse((await cli(home, ['agents', '--json'])).stdout) as unknown[];
    expect(rows).toEqual([
      expect.objectContaining({
        id: 'main',
        main: true,
        runtime: 'claude',
        chats: ['local:default', 'local:main'],
      }),
    ]);
  });
});

describe('chats registered at runtime (register_group)', () => {
  const registered = (): Instance => {
    const home = instance(CONFIG, { BOT_NAME: 'Omni' });
    const store = openStore(join(home.home, 'omniclaw.db'));
    store.groups.add({
      chat: 'tg:99',
      agent: 'family',
      agentName: 'Family',
      requiresTrigger: false,
      createdBy: 'main',
    });
    store.groups.add({ chat: 'tg:42', agent: 'main', createdBy: 'main' });
    store.close();
    return home;
  };

  it('omniclaw agents shows them, and reports one the YAML routes elsewhere', async () => {
    const result = await cli(registered(), ['agents']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('family — Family, claude (default)');
    expect(result.stdout).toContain('    tg:99 (registered)\n');
    expect(result.stdout).toContain(
      'conflict: tg:42 was registered for agent "main" but omniclaw.yaml routes it to "helper": the YAML wins; remove one of them\n',
    );
  });

  it('omniclaw config export prints them as omniclaw.yaml entries that load', async () => {
    const result = await cli(registered(), ['config', 'export']);
    expect(result.code).toBe(0);
    expect(parse(result.stdout)).toEqual({
      agents: [{ id: 'family', name: 'Family' }],
      // tg:42 is in the YAML already (which wins), so it is left out.
      routes: [{ chat: 'tg:99', agent: 'family', requiresTrigger: false }],
    });
    // Pasted into a config, it is valid and routes the chat.
    const pasted = parseConfigText(result.stdout, 'exported.yaml', { env: {} });
    expect(pasted.routes.find((r) => r.chat === 'tg:99')).toMatchObject({ agent: 'family' });
  });
});
