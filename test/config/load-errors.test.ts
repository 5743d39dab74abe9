/**
 * Config errors a person will actually make: each names file:line:col (or the variable
 * that supplied the bad value) and the key, and says what was expected.
 */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, parseConfigText } from '../../src/config/load.js';

const FILE = '/home/me/.omniclaw/omniclaw.yaml';

function errorOf(text: string, env: Record<string, string | undefined> = {}): string {
  try {
    parseConfigText(text, FILE, { env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`expected a config error for:\n${text}`);
}

describe('config errors name file:line:col, the key and what is expected', () => {
  const cases: { what: string; yaml: string; env?: Record<string, string>; expected: string | RegExp }[] = [
    {
      what: 'bad YAML (indentation)',
      yaml: 'http:\n  port: 7080\n agents: [\n',
      expected: /^\/home\/me\/\.omniclaw\/omniclaw\.yaml:3:1: invalid YAML: /,
    },
    {
      what: 'bad YAML (unclosed flow map)',
      yaml: 'instance: { name: Omni }\nhttp: { port: 7080\n',
      expected: /^\/home\/me\/\.omniclaw\/omniclaw\.yaml:\d+:\d+: invalid YAML: .*\}/,
    },
    {
      what: 'a key given twice',
      yaml: 'http: { port: 1 }\nhttp: { port: 2 }\n',
      expected: `${FILE}:2:1: invalid YAML: Map keys must be unique`,
    },
    {
      what: 'unknown top-level key',
      yaml: 'http: { port: 7080 }\nhttps: { port: 1 }\n',
      expected: `${FILE}:2:1: https: unknown key "https"`,
    },
    {
      what: 'unknown nested key (a typo)',
      yaml: 'queue:\n  retry:\n    maxAttempt: 3\n',
      expected: `${FILE}:3:5: queue.retry.maxAttempt: unknown key "maxAttempt"`,
    },
    {
      what: 'unknown key inside a list item',
      yaml: 'agents:\n  - id: main\n    modle: claude-sonnet-4-5\n',
      expected: `${FILE}:3:5: agents[0].modle: unknown key "modle"`,
    },
    {
      what: 'wrong type (string for a number)',
      yaml: 'http:\n  port: "eighty"\n',
      expected: `${FILE}:2:3: http.port: expected number, received string`,
    },
    {
      what: 'wrong type inside a list item',
      yaml: 'agents:\n  - id: main\n    main: yes\n',
      expected: `${FILE}:3:5: agents[0].main: expected boolean, received string`,
    },
    {
      what: 'number out of range',
      yaml: 'http: { port: 70000 }\n',
      expected: /^\/home\/me\/\.omniclaw\/omniclaw\.yaml:1:9: http\.port: .*65535/,
    },
    {
      what: 'a value outside an enum',
      yaml: 'sandbox:\n  default: vm\n',
      expected: /^\/home\/me\/\.omniclaw\/omniclaw\.yaml:2:3: sandbox\.default: .*"docker"/,
    },
    {
      what: 'missing ${VAR}',
      yaml: 'models:\n  anthropic:\n    apiKey: ${NOT_SET_ANYWHERE}\n',
      expected:
        `${FILE}:3:13: models.anthropic.apiKey refers to \${NOT_SET_ANYWHERE}, which is not set. ` +
        'Set it in the environment or in the instance .env file.',
    },
    {
      what: 'missing ${VAR} inside a flow map, as the README writes it',
      yaml: 'models:\n  anthropic: { apiKey: ${NOPE} }\n',
      expected: `${FILE}:2:24: models.anthropic.apiKey refers to \${NOPE}, which is not set. Set it in the environment or in the instance .env file.`,
    },
    {
      what: 'an empty ${VAR} counts as missing, and is called set but empty',
      yaml: 'channels:\n  telegram: { token: "${TG}" }\n',
      env: { TG: '' },
      expected:
        `${FILE}:2:22: channels.telegram.token refers to \${TG}, which is set but empty ` +
        '(a line "TG=" with nothing after it). Give it a value in the environment or in the instance .env file.',
    },
    {
      what: 'a list where sections belong',
      yaml: '- http\n- agents\n',
      expected: `${FILE}:1:1: the config must be a mapping of sections (instance, http, agents, …)`,
    },
    {
      what: 'a bad OMNICLAW_* override blames the variable, not the file',
      yaml: 'http: { port: 7080 }\n',
      env: { OMNICLAW_HTTP_PORT: 'abc' },
      expected: 'OMNICLAW_HTTP_PORT="abc": http.port: expected number, received string',
    },
  ];

  it.each(cases)('$what', ({ yaml, env, expected }) => {
    const message = errorOf(yaml, env);
    if (typeof expected === 'string') expect(message).toBe(expected);
    else expect(message).toMatch(expected);
  });
});

describe('agent and route rules', () => {
  const cases: { what: string; yaml: string; expected: string }[] = [
    {
      what: 'duplicate agent ids',
      yaml: 'agents:\n  - { id: a }\n  - { id: a }\n',
      expected: `${FILE}:3:7: agents[1].id: the agent id "a" is used twice`,
    },
    {
      what: 'two main agents',
      yaml: 'agents:\n  - { id: a, main: true }\n  - { id: b, main: true }\n',
      expected: `${FILE}:1:1: agents: only one agent may be main, found a, b`,
    },
    {
      what: 'a route to an unknown agent',
      yaml: 'agents:\n  - { id: a }\nroutes:\n  - { chat: "tg:1", agent: b }\n',
      expected: `${FILE}:4:21: routes[0].agent: no agent with id "b" (agents: a)`,
    },
    {
      what: 'a share pair naming an unknown agent',
      yaml: 'agents:\n  - { id: a }\nmultiAgent:\n  share:\n    - { from: a, to: b }\n',
      expected: `${FILE}:5:18: multiAgent.share[0].to: no agent with id "b" (agents: a)`,
    },
    {
      what: 'a route to a chat id no channel has (unknown prefix)',
      yaml: 'agents:\n  - { id: a }\nroutes:\n  - { chat: "foo:bar", agent: a }\n',
      expected: `${FILE}:4:7: routes[0].chat: "foo:bar" is not a chat id: use local:<id>, tg:<id>, dc:<id>, slack:<id> or a WhatsApp JID (<number>@s.whatsapp.net, <id>@g.us); the log names the chat id of every message that has no route`,
    },
    {
      what: 'a model base URL that is not a URL',
      yaml: 'models:\n  openai: { baseUrl: not a url }\n',
      expected: `${FILE}:2:13: models.openai.baseUrl: a URL such as http://localhost:11434/v1 (scheme, host and path)`,
    },
    {
      what: 'an agent id with ../',
      yaml: 'agents:\n  - { id: "../etc" }\n',
      expected: `${FILE}:2:7: agents[0].id: an agent id is 1–63 of a-z, 0-9, "-" and "_", starting with a letter or digit`,
    },
    {
      what: 'an agent id with /',
      yaml: 'agents:\n  - { id: "a/b" }\n',
      expected: `${FILE}:2:7: agents[0].id: an agent id is 1–63 of a-z, 0-9, "-" and "_", starting with a letter or digit`,
    },
    {
      what: 'an agent id that is only dots',
      yaml: 'agents:\n  - { id: ".." }\n',
      expected: `${FILE}:2:7: agents[0].id: an agent id is 1–63 of a-z, 0-9, "-" and "_", starting with a letter or digit`,
    },
    {
      what: 'the reserved id "global"',
      yaml: 'agents:\n  - { id: global }\n',
      expected: `${FILE}:2:7: agents[0].id: the id "global" is reserved for global memory`,
    },
    {
      what: 'the reserved id "servers" (its folder holds the shared server folders)',
      yaml: 'agents:\n  - { id: servers }\n',
      expected: `${FILE}:2:7: agents[0].id: the id "servers" is reserved for the shared server folders`,
    },
    {
      what: 'a disk limit of zero',
      yaml: 'sandbox: { limits: { diskMb: 0 } }\n',
      expected: `${FILE}:1:22: sandbox.limits.diskMb: Too small: expected number to be >=1`,
    },
    {
      what: 'a route whose agent id is a traversal',
      yaml: 'routes:\n  - { chat: "tg:1", agent: "../x" }\n',
      expected: `${FILE}:2:21: routes[0].agent: an agent id is 1–63 of a-z, 0-9, "-" and "_", starting with a letter or digit`,
    },
    {
      what: 'an mcpServers entry named omniclaw',
      yaml: 'agents:\n  - id: main\n    mcpServers:\n      omniclaw: { type: stdio, command: x }\n',
      expected:
        `${FILE}:4:7: agents."main".mcpServers."omniclaw": the name "omniclaw" is reserved ` +
        "for OmniClaw's built-in agent tools; rename this server",
    },
  ];

  it.each(cases)('$what', ({ yaml, expected }) => {
    expect(errorOf(yaml)).toBe(expected);
  });
});

describe('reading the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'omniclaw-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says which file could not be read', () => {
    const missing = join(dir, 'nope.yaml');
    expect(() => loadConfigFile(missing, { env: {} })).toThrow(
      new RegExp(`^${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: cannot read config: ENOENT`),
    );
  });

  it('follows a symlinked config and reports errors with the path it was given', () => {
    const real = join(dir, 'real.yaml');
    const link = join(dir, 'link.yaml');
    writeFileSync(real, 'http:\n  prot: 1\n');
    symlinkSync(real, link);
    expect(() => loadConfigFile(link, { env: {} })).toThrow(`${link}:2:3: http.prot: unknown key "prot"`);
  });

  it('refuses a directory in place of the file with a clear message', () => {
    expect(() => loadConfigFile(dir, { env: {} })).toThrow(/cannot read config: EISDIR/);
  });
});
