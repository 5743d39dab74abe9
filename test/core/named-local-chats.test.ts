/** Named terminal conversations: the chat id `omniclaw chat` builds, and the agent it reaches without a route. */
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/normalise.js';
import { parseConfigText } from '../../src/config/load.js';
import { namedChatAgent, routeNamedChat, terminalChatId } from '../../src/core/named-local-chats.js';
import { routeMessage } from '../../src/core/router.js';

describe('terminalChatId', () => {
  it.each([
    [{}, 'local:default'],
    [{ agent: 'helper' }, 'local:helper'],
    [{ chat: 'work' }, 'local:work'],
    [{ chat: 'local:work' }, 'local:work'],
    [{ chat: 'work', agent: 'helper' }, 'local:helper--work'],
    [{ chat: 'local:hand-made', agent: 'helper' }, 'local:hand-made'],
  ])('%j → %s', (options, expected) => {
    expect(terminalChatId(options)).toBe(expected);
  });
});

const parse = (yaml: string): Config => parseConfigText(yaml, 'omniclaw.yaml', { env: {} });
const config = (): Config =>
  parse(
    [
      'agents:',
      '  - { id: boss, main: true }',
      '  - { id: ops }',
      '  - { id: ops--night }',
      'routes:',
      '  - { chat: "local:routed", agent: ops }',
    ].join('\n'),
  );

describe('namedChatAgent', () => {
  it.each([
    ['local:work', 'boss'],
    ['local:ops--work', 'ops'],
    ['local:ops--night--work', 'ops--night'],
    ['local:ops--', 'boss'],
    ['local:nobody--work', 'boss'],
    ['tg:123', undefined],
    ['local:has space', undefined],
    [`local:${'x'.repeat(65)}`, undefined],
  ])('%s → %s', (chat, agent) => {
    expect(namedChatAgent(config().agents, chat)?.id).toBe(agent);
  });
});

describe('routeNamedChat', () => {
  it('routes an unrouted terminal chat once, without a trigger, and leaves routed and other chats alone', () => {
    const c = config();
    const table = { agents: c.agents, routes: c.routes };
    const before = table.routes.length;
    expect(routeNamedChat(table, 'local:ops--work')).toBe(true);
    expect(routeNamedChat(table, 'local:ops--work')).toBe(false);
    expect(routeNamedChat(table, 'local:routed')).toBe(false);
    expect(routeNamedChat(table, 'tg:1')).toBe(false);
    expect(table.routes.length).toBe(before + 1);
    expect(routeMessage({ chat: 'local:ops--work', text: 'hi' }, table)).toMatchObject([
      { agent: { id: 'ops' }, triggered: true },
    ]);
    expect(routeMessage({ chat: 'local:routed', text: 'hi' }, table).map((t) => t.agent.id)).toEqual(['ops']);
  });

  it('routes nothing when there is no main agent and the name names no agent', () => {
    const c = parse('agents:\n  - { id: a }\n  - { id: b }\n');
    expect(routeNamedChat({ agents: c.agents, routes: c.routes }, 'local:work')).toBe(false);
  });
});
