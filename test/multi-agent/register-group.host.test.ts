/**
 * register_group through the real host (startApp, SQLite, the echo runner): the main agent
 * registers a chat for a new agent, which then answers there; other agents are refused; a
 * chat the YAML routes cannot be taken; registrations survive a restart and lose to a YAML
 * route added since, which is reported.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { ask as askIn, tool } from './agents.js';

let host: TestHost | undefined;
let home: string | undefined;
afterEach(async () => {
  await host?.cleanup();
  host = undefined;
  if (home) rmSync(home, { recursive: true, force: true });
  home = undefined;
});

const config = (extraRoutes = ''): string => `
agents:
  - { id: main, main: true, sandbox: none }
  - { id: helper, name: Helper, sandbox: none }
routes:
  - { chat: "mem:main-chat", agent: main }
  - { chat: "mem:helper-chat", agent: helper, requiresTrigger: false }
${extraRoutes}`;

const ask = (chat: string, text: string): Promise<string> => askIn(host!, chat, text);

const family = {
  jid: 'mem:family',
  name: 'Family',
  folder: 'family',
  requires_trigger: false,
  description: 'Helps the family.',
};

describe('register_group', () => {
  it('main registers a chat for a new agent, which gets a folder and CLAUDE.md and answers there at once', async () => {
    host = await startTestHost(config());
    expect(await ask('mem:main-chat', tool('register_group', family))).toBe(
      'tool ok: Registered mem:family for agent "family" (a new agent: folder groups/family with a CLAUDE.md). ' +
        'It answers there from now on; `omniclaw config export` prints it as YAML for omniclaw.yaml.',
    );
    const memory = readFileSync(join(host.app.paths.groups, 'family', 'CLAUDE.md'), 'utf8');
    expect(memory).toContain('You are Family, an OmniClaw agent answering in mem:family.');
    expect(memory).toContain('Helps the family.');
    expect(host.app.store.groups.list()).toEqual([
      expect.objectContaining({
        chat: 'mem:family',
        agent: 'family',
        agentName: 'Family',
        createdBy: 'main',
      }),
    ]);
    expect(await ask('mem:family', 'hello family')).toMatch(/^echo: hello family/);
    expect(host.app.store.runs.recent().some((r) => r.agent === 'family' && r.chat === 'mem:family')).toBe(
      true,
    );
  });

  it('refuses another agent, a chat the YAML routes, one registered already, and a chat no channel serves', async () => {
    host = await startTestHost(config());
    expect(await ask('mem:helper-chat', tool('register_group', family))).toBe(
      'tool error: register_group: not allowed: only the main agent registers chats (you are "helper")',
    );
    expect(existsSync(join(host.app.paths.groups, 'family'))).toBe(false);
    expect(await ask('mem:main-chat', tool('register_group', { ...family, jid: 'mem:helper-chat' }))).toBe(
      'tool error: register_group: chat mem:helper-chat is already routed in omniclaw.yaml (to agent "helper")',
    );
    expect(await ask('mem:main-chat', tool('register_group', family))).toMatch(/^tool ok: Registered/);
    expect(await ask('mem:main-chat', tool('register_group', { ...family, folder: 'helper' }))).toBe(
      'tool error: register_group: chat mem:family is already registered earlier (to agent "family")',
    );
    expect(await ask('mem:main-chat', tool('register_group', { ...family, jid: 'tg:77' }))).toBe(
      'tool error: register_group: no connected channel serves chat tg:77; check the chat id',
    );
    for (const folder of ['../x', 'global', 'servers', 'A'])
      expect(await ask('mem:main-chat', tool('register_group', { ...family, jid: 'mem:x', folder }))).toMatch(
        /^tool error: invalid arguments for register_group: folder: /,
      );
    expect(host.app.store.groups.list()).toHaveLength(1);
  });

  it('keeps registrations across a restart, and a YAML route added since wins (reported)', async () => {
    home = mkdtempSync(join(tmpdir(), 'omniclaw-register-'));
    host = await startTestHost(config(), { home });
    await ask('mem:main-chat', tool('register_group', family));
    await ask('mem:main-chat', tool('register_group', { ...family, jid: 'mem:family-2' }));
    await host.cleanup();

    host = await startTestHost(
      config('  - { chat: "mem:family-2", agent: helper, requiresTrigger: false }'),
      {
        home,
      },
    );
    expect(host.app.config.routes.filter((r) => r.chat.startsWith('mem:family'))).toEqual([
      expect.objectContaining({ chat: 'mem:family-2', agent: 'helper' }),
      expect.objectContaining({ chat: 'mem:family', agent: 'family' }),
    ]);
    expect(await ask('mem:family', 'still there?')).toMatch(/^echo: still there\?/);
    expect(await ask('mem:family-2', 'who answers?')).toMatch(/^echo: who answers\?/);
    expect(host.app.store.runs.recent().find((r) => r.chat === 'mem:family-2')?.agent).toBe('helper');
  });
});
