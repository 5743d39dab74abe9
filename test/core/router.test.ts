/** Routing decisions as tables: who a message concerns and whether it triggers them. */
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { isTriggered, routeFor, routeMessage, startsWithTrigger } from '../../src/core/router.js';
import type { RoutableMessage } from '../../src/core/router.js';

const config = parseConfigText(
  `
instance: { name: Omni }
agents:
  - { id: main, main: true }
  - { id: helper, name: Bob }
  - { id: asker, trigger: "!ask" }
  - { id: zoe, name: Zoë }
routes:
  - { chat: "tg:family", agent: main }
  - { chat: "tg:family", agent: helper }
  - { chat: "tg:work", agent: helper }
  - { chat: "tg:work", agent: helper }
  - { chat: "tg:open", agent: helper, requiresTrigger: false }
  - { chat: "tg:ask", agent: asker }
  - { chat: "tg:zoe", agent: zoe }
  - { chat: "tg:strict", agent: main, requiresTrigger: true }
`,
  'router.yaml',
  { env: {} },
);
const table = { agents: config.agents, routes: config.routes };
const agent = (id: string) => config.agents.find((a) => a.id === id)!;

describe('the trigger matrix', () => {
  const rows: {
    what: string;
    agent: string;
    chat: string;
    message: Omit<RoutableMessage, 'chat'>;
    triggered: boolean;
  }[] = [
    // The main agent answers everything in its chats …
    {
      what: 'main: any message',
      agent: 'main',
      chat: 'tg:family',
      message: { text: 'hello' },
      triggered: true,
    },
    {
      what: 'main: an empty message',
      agent: 'main',
      chat: 'tg:family',
      message: { text: '' },
      triggered: true,
    },
    // … except the bot's own messages, which are context only.
    {
      what: 'main: from the bot',
      agent: 'main',
      chat: 'tg:family',
      message: { text: 'hello', fromBot: true },
      triggered: false,
    },
    // Other agents need their trigger.
    {
      what: 'trigger at start',
      agent: 'helper',
      chat: 'tg:work',
      message: { text: '@Bob hi' },
      triggered: true,
    },
    {
      what: 'trigger at start, other case',
      agent: 'helper',
      chat: 'tg:work',
      message: { text: '@bOB hi' },
      triggered: true,
    },
    { what: 'trigger alone', agent: 'helper', chat: 'tg:work', message: { text: '@Bob' }, triggered: true },
    {
      what: 'trigger after leading whitespace',
      agent: 'helper',
      chat: 'tg:work',
      message: { text: ' \n\t@Bob, hi' },
      triggered: true,
    },
    {
      what: 'trigger then punctuation',
      agent: 'helper',
      chat: 'tg:work',
      message: { text: '@Bob: what now?' },
      triggered: true,
    },
    {
      what: 'trigger then a newline',
      agent: 'helper',
      chat: 'tg:work',
      message: { text: '@Bob\nline two' },
      triggered: true,
    },
    {
      what: 'trigger not at start',
      agent: 'helper',
      chat: 'tg:work',
      message: { text: 'hi @Bob' },
      triggered: false,
    },
    {
      what: 'trigger as prefix of a longer word',
      agent: 'helper',
      chat: 'tg:work',
      message: { text: '@Bobby hi' },
      triggered: false,
    },
    {
      what: 'trigger followed by a digit',
      agent: 'helper',
      chat: 'tg:work',
      message: { text: '@Bob2 hi' },
      triggered: false,
    },
    {
      what: 'trigger followed by an underscore',
      agent: 'helper',
      chat: 'tg:work',
      message: { text: '@Bob_x hi' },
      triggered: false,
    },
    {
      what: 'the name without the @',
      agent: 'helper',
      chat: 'tg:work',
      message: { text: 'Bob hi' },
      triggered: false,
    },
    {
      what: 'no trigger',
      agent: 'helper',
      chat: 'tg:work',
      message: { text: 'hello all' },
      triggered: false,
    },
    {
      what: 'platform mention',
      agent: 'helper',
      chat: 'tg:work',
      message: { text: 'hey you', mentionsBot: true },
      triggered: true,
    },
    {
      what: 'reply to the bot',
      agent: 'helper',
      chat: 'tg:work',
      message: { text: 'and then?', replyToBot: true },
      triggered: true,
    },
    {
      what: 'from the bot, with the trigger',
      agent: 'helper',
      chat: 'tg:work',
      message: { text: '@Bob hi', fromBot: true },
      triggered: false,
    },
    {
      what: 'from the bot, mentioning itself',
      agent: 'helper',
      chat: 'tg:work',
      message: { text: 'x', fromBot: true, mentionsBot: true, replyToBot: true },
      triggered: false,
    },
    {
      what: 'requiresTrigger false: any message',
      agent: 'helper',
      chat: 'tg:open',
      message: { text: 'hello' },
      triggered: true,
    },
    {
      what: 'requiresTrigger false: still not from the bot',
      agent: 'helper',
      chat: 'tg:open',
      message: { text: 'hello', fromBot: true },
      triggered: false,
    },
    {
      what: 'main with requiresTrigger true needs it too',
      agent: 'main',
      chat: 'tg:strict',
      message: { text: 'hello' },
      triggered: false,
    },
    {
      what: 'main with requiresTrigger true: its trigger',
      agent: 'main',
      chat: 'tg:strict',
      message: { text: '@omni hello' },
      triggered: true,
    },
    {
      what: 'a custom trigger word',
      agent: 'asker',
      chat: 'tg:ask',
      message: { text: '!ASK what time is it' },
      triggered: true,
    },
    {
      what: 'a custom trigger inside a word',
      agent: 'asker',
      chat: 'tg:ask',
      message: { text: '!asking' },
      triggered: false,
    },
    {
      what: 'a non-ASCII name, other case',
      agent: 'zoe',
      chat: 'tg:zoe',
      message: { text: '@ZOË bonjour' },
      triggered: true,
    },
    {
      what: 'a non-ASCII name continued by a letter',
      agent: 'zoe',
      chat: 'tg:zoe',
      message: { text: '@Zoëlle bonjour' },
      triggered: false,
    },
  ];

  it.each(rows)('$what → $triggered', ({ agent: id, chat, message, triggered }) => {
    const route = routeFor(table, id, chat)!;
    expect(route).toBeDefined();
    expect(isTriggered({ ...message, chat }, agent(id), route)).toBe(triggered);
  });
});

describe('startsWithTrigger', () => {
  it.each([
    ['@Bob hi', '@Bob', true],
    ['@Bob hi', ' @Bob ', true],
    ['@Bob hi', '', false],
    ['@Bob hi', '   ', false],
    ['', '@Bob', false],
    ['@Bo', '@Bob', false],
    ['(bot) hi', '(bot)', true],
    ['.* hi', '.*', true],
    ['xbot hi', '.*', false],
    ['@Bob😀 hi', '@Bob', true],
  ])('%j with trigger %j → %s', (text, trigger, expected) => {
    expect(startsWithTrigger(text, trigger)).toBe(expected);
  });
});

describe('routeMessage', () => {
  it('gives every agent routed to the chat, each with its own decision', () => {
    const targets = routeMessage({ chat: 'tg:family', text: 'hello' }, table);
    expect(targets.map((t) => [t.agent.id, t.triggered])).toEqual([
      ['main', true],
      ['helper', false],
    ]);
    const both = routeMessage({ chat: 'tg:family', text: '@Bob hello' }, table);
    expect(both.map((t) => [t.agent.id, t.triggered])).toEqual([
      ['main', true],
      ['helper', true],
    ]);
  });

  it('lists an agent once even when routed twice to the same chat', () => {
    expect(routeMessage({ chat: 'tg:work', text: '@Bob hi' }, table)).toHaveLength(1);
  });

  it('finds no target for a chat without a route (the message is not answered)', () => {
    expect(routeMessage({ chat: 'tg:unknown', text: '@Bob hi' }, table)).toEqual([]);
    expect(routeMessage({ chat: '', text: 'hi' }, table)).toEqual([]);
  });

  it('skips a route whose agent is not in the table', () => {
    const partial = { agents: [agent('main')], routes: table.routes };
    expect(routeMessage({ chat: 'tg:family', text: '@Bob hi' }, partial).map((t) => t.agent.id)).toEqual([
      'main',
    ]);
  });

  it('reaches every agent from the terminal chat without a trigger', () => {
    for (const id of ['main', 'helper', 'asker', 'zoe']) {
      const targets = routeMessage({ chat: `local:${id}`, text: 'hi' }, table);
      expect(targets.map((t) => [t.agent.id, t.triggered])).toEqual([[id, true]]);
    }
    expect(routeMessage({ chat: 'local:default', text: 'hi' }, table).map((t) => t.agent.id)).toEqual([
      'main',
    ]);
  });
});
