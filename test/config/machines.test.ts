/** Machines in config (issue 15): the address form, `runsOn`, and the mistakes people make. */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from '../../src/config/load.js';
import { candidateMachines, parseSshAddress } from '../../src/config/machines.js';

const parse = (yaml: string) => parseConfigText(yaml, 'm.yaml', { env: {} });
const errorOf = (yaml: string): string => {
  try {
    parse(yaml);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a config error');
};

describe('ssh addresses', () => {
  it.each([
    ['me@box', { user: 'me', host: 'box', port: 22 }],
    ['me@gpu.tail1234.ts.net:2222', { user: 'me', host: 'gpu.tail1234.ts.net', port: 2222 }],
    ['root@127.0.0.1:40022', { user: 'root', host: '127.0.0.1', port: 40022 }],
    ['me@[::1]:22', { user: 'me', host: '::1', port: 22 }],
  ])('%s parses', (text, expected) => expect(parseSshAddress(text)).toEqual(expected));
  it.each([
    'box',
    'me@',
    'me@box:0',
    'me@box:70000',
    '-oProxyCommand=x@box',
    'me@-oProxyCommand=x',
    'me@box;rm',
  ])('%s is refused', (text) => expect(typeof parseSshAddress(text)).toBe('string'));
});

describe('machines and runsOn', () => {
  const machines = `machines:
  - { name: gpu, ssh: me@gpu-box, labels: [gpu, linux] }
  - { name: mini, ssh: me@mini:2222, labels: [macos, arm64] }
  - { name: gpu2, ssh: me@gpu-two, labels: [gpu] }
`;
  it('an agent with runsOn runs in the ssh sandbox; without, here', () => {
    const config = parse(
      `${machines}agents:\n  - { id: main, main: true }\n  - { id: trainer, runsOn: { labels: [gpu] } }\n  - { id: mac, runsOn: { machine: mini } }\n  - { id: here, runsOn: { machine: local } }\n`,
    );
    const byId = Object.fromEntries(config.agents.map((a) => [a.id, a]));
    expect(byId.main!.sandbox).toBe('auto');
    expect(byId.here!.sandbox).toBe('auto');
    expect(byId.trainer!.sandbox).toBe('ssh');
    expect(byId.mac!.sandbox).toBe('ssh');
    expect(candidateMachines(byId.trainer!.runsOn, config.machines).map((m) => m.name)).toEqual([
      'gpu',
      'gpu2',
    ]);
    expect(config.machines[1]).toMatchObject({ command: 'omniclaw', labels: ['macos', 'arm64'] });
  });
  it.each([
    [
      `${machines}agents: [{ id: a, runsOn: { machine: nowhere } }]`,
      /agents\[0\]\.runsOn: no a machine named "nowhere".*gpu, mini, gpu2/,
    ],
    [`${machines}agents: [{ id: a, runsOn: { labels: [tpu] } }]`, /no a machine with labels tpu/],
    ['machines: [{ name: a, ssh: me@x }, { name: a, ssh: me@y }]', /machine "a" is named twice/],
    ['machines: [{ name: a, ssh: nobody }]', /machines\[0\]\.ssh: "nobody" is not user@host/],
    ['machines: [{ name: local, ssh: me@x }]', /"local" means this machine/],
    ['machines: [{ name: a, ssh: me@x, home: relative/dir }]', /absolute path/],
    ['agents: [{ id: a, sandbox: ssh }]', /"ssh" needs runsOn/],
    ['agents: [{ id: a, ssh: { host: x } }]', /ssh/],
  ])('refuses %s', (yaml, expected) => expect(errorOf(yaml)).toMatch(expected));
});
