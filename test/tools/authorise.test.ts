import { describe, expect, it } from 'vitest';
import { chatAccess, chatsOfAgent } from '../../src/tools/authorise.js';
import { agentDirectory } from '../../src/tools/agent-directory.js';
import { testConfig } from './fixtures.js';

const config = testConfig();
const routes = config.routes;
const main = { id: 'main', main: true };
const research = { id: 'research', main: false };
const helper = { id: 'helper', main: false };

describe('chatAccess: who may send to or react in a chat', () => {
  // [who, target chat, chat the run answers, allowed]
  it.each([
    ['main', main, 'tg:100', 'tg:100', true],
    ['main to another agent’s routed chat', main, 'dc:300', 'tg:100', true],
    ['main to a terminal chat', main, 'local:helper', 'tg:100', true],
    ['main to an unrouted chat', main, 'tg:999', 'tg:100', false],
    ['research to its own chat', research, 'tg:-200', 'tg:-200', true],
    ['research to its terminal chat from a group run', research, 'local:research', 'tg:-200', true],
    ['research to main’s chat', research, 'tg:100', 'tg:-200', false],
    ['research to helper’s chat', research, 'dc:300', 'tg:-200', false],
    ['research to an unrouted chat', research, 'tg:999', 'tg:-200', false],
    ['helper to its second channel', helper, 'dc:301', 'dc:300', true],
    ['helper answering an unrouted chat the host gave it', helper, 'slack:C1', 'slack:C1', true],
  ])('%s', (_what, agent, chat, runChat, allowed) => {
    expect(chatAccess(agent, chat, runChat, routes).allowed).toBe(allowed);
  });

  it('tells a non-main agent plainly that it is not allowed, without revealing other agents’ chats', () => {
    const access = chatAccess(research, 'dc:300', 'tg:-200', routes);
    expect(access.allowed).toBe(false);
    if (access.allowed) return;
    expect(access.reason).toMatch(/^not allowed: agent "research" may only use its own chats/);
    expect(access.reason).toContain('tg:-200');
    expect(access.reason).not.toContain('dc:300');
    expect(access.reason).not.toContain('tg:100');
    // Asking for an existing and a non-existing chat gives the same answer: nothing to probe.
    const unknown = chatAccess(research, 'tg:999', 'tg:-200', routes);
    expect(unknown.allowed ? '' : unknown.reason).toBe(access.reason);
  });

  it('tells the main agent which chats have a route when the target has none', () => {
    const access = chatAccess(main, 'tg:999', 'tg:100', routes);
    expect(access.allowed ? '' : access.reason).toMatch(/no route for chat "tg:999".*dc:300/);
  });

  it('lists an agent’s chats once each, in config order', () => {
    expect(chatsOfAgent('helper', [...routes, { chat: 'dc:300', agent: 'helper' }])).toEqual([
      'dc:300',
      'dc:301',
      'local:helper',
    ]);
  });
});

describe('agentDirectory: what list_agents shows', () => {
  it('shows the main agent every agent with model and chats', () => {
    expect(agentDirectory(main, config.agents, routes)).toEqual([
      {
        id: 'main',
        name: 'Omni',
        main: true,
        runtime: 'claude',
        self: true,
        model: 'claude-sonnet',
        chats: ['tg:100', 'local:default', 'local:main'],
      },
      {
        id: 'research',
        name: 'Researcher',
        main: false,
        runtime: 'openai',
        model: 'gpt-x',
        chats: ['tg:-200', 'local:research'],
      },
      {
        id: 'helper',
        name: 'helper',
        main: false,
        runtime: 'codex',
        chats: ['dc:300', 'dc:301', 'local:helper'],
      },
    ]);
  });

  it('shows another agent who exists, but only its own chats and no models', () => {
    expect(agentDirectory(research, config.agents, routes)).toEqual([
      { id: 'main', name: 'Omni', main: true, runtime: 'claude' },
      {
        id: 'research',
        name: 'Researcher',
        main: false,
        runtime: 'openai',
        self: true,
        chats: ['tg:-200', 'local:research'],
      },
      { id: 'helper', name: 'helper', main: false, runtime: 'codex' },
    ]);
  });

  it('leaves the caller out when asked', () => {
    expect(agentDirectory(helper, config.agents, routes, false).map((a) => a.id)).toEqual([
      'main',
      'research',
    ]);
  });
});
