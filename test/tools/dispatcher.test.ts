import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { agentToolDefinitions, MAX_MESSAGE_CHARS } from '../../src/protocol/agent-tools.js';
import { AgentToolDispatcher, MAX_RESULT_CHARS } from '../../src/tools/dispatcher.js';
import { hostProvidedToolNames, notWiredMessage } from '../../src/tools/host-provided-tools.js';
import { HOST_TOOL_ARGS } from '../helpers/host-tool-args.js';
import { ToolError, type ToolHandler } from '../../src/tools/types.js';
import { capturingLogger, contextFor, FakeServices, testConfig } from './fixtures.js';

const config = testConfig();
let services: FakeServices;
let log: ReturnType<typeof capturingLogger>;
let dispatcher: AgentToolDispatcher;

const mainRun = () => contextFor(config, 'main', 'tg:100', 'run-main');
const researchRun = () => contextFor(config, 'research', 'tg:-200', 'run-research');

function extraTool(name: string, run: ToolHandler['run']): ToolHandler {
  return {
    definition: { name, description: `test tool ${name}`, inputSchema: { type: 'object' } },
    args: z.object({}),
    run,
  };
}

beforeEach(() => {
  services = new FakeServices(config);
  log = capturingLogger();
  dispatcher = new AgentToolDispatcher({ services, logger: log.logger });
});

describe('send_message', () => {
  it('delivers to the run’s own chat and reports the platform’s message id', async () => {
    const result = await dispatcher.call(
      'send_message',
      { text: 'working on it', sender: 'Researcher' },
      researchRun(),
    );
    expect(result).toEqual({ ok: true, content: 'Sent to tg:-200 (message id 1000).' });
    expect(services.delivered).toEqual([
      {
        chat: 'tg:-200',
        text: 'working on it',
        sender: 'Researcher',
        agent: 'research',
        runId: 'run-research',
      },
    ]);
  });

  it('lets the main agent send to another agent’s chat', async () => {
    const result = await dispatcher.call(
      'send_message',
      { text: 'hello helper room', target_jid: 'dc:300' },
      mainRun(),
    );
    expect(result.ok).toBe(true);
    expect(services.delivered[0]?.chat).toBe('dc:300');
  });

  it('refuses another agent’s chat to a non-main agent, decided from the run and not the arguments', async () => {
    const result = await dispatcher.call(
      'send_message',
      { text: 'psst', target_jid: 'tg:100' },
      researchRun(),
    );
    expect(result.ok).toBe(false);
    expect(result.content).toMatch(/^send_message: not allowed: agent "research"/);
    expect(services.delivered).toEqual([]);
  });

  it('shows the platform’s real error instead of an optimistic "sent"', async () => {
    services.deliverError = new Error('Telegram: 403 Forbidden: bot was blocked by the user');
    const result = await dispatcher.call('send_message', { text: 'hi' }, mainRun());
    expect(result).toEqual({
      ok: false,
      content: 'send_message to tg:100 failed: Telegram: 403 Forbidden: bot was blocked by the user',
    });
  });

  it('rejects an oversized message before anything is sent', async () => {
    const result = await dispatcher.call(
      'send_message',
      { text: 'x'.repeat(MAX_MESSAGE_CHARS + 1) },
      mainRun(),
    );
    expect(result.ok).toBe(false);
    expect(result.content).toMatch(/^invalid arguments for send_message: text: Too big/);
    expect(services.delivered).toEqual([]);
  });
});

describe('react_to_message and format_mention', () => {
  beforeEach(() => {
    services.messages.push({ chat: 'tg:-200', platformId: '55' }, { chat: 'tg:100', platformId: '77' });
  });

  it('reacts to a message of the run’s chat by its platform id', async () => {
    const result = await dispatcher.call(
      'react_to_message',
      { message_id: '55', emoji: '👍' },
      researchRun(),
    );
    expect(result).toEqual({ ok: true, content: 'Reacted with 👍 to message 55.' });
    expect(services.reactions).toEqual([{ chat: 'tg:-200', platformId: '55', emoji: '👍', remove: false }]);
  });

  it('removes a reaction when asked', async () => {
    const result = await dispatcher.call(
      'react_to_message',
      { message_id: '55', emoji: '👍', remove: true },
      researchRun(),
    );
    expect(result.content).toBe('Removed the 👍 reaction from message 55.');
    expect(services.reactions[0]?.remove).toBe(true);
  });

  it('does not find a message of another chat through the run’s chat', async () => {
    const result = await dispatcher.call(
      'react_to_message',
      { message_id: '77', emoji: '👍' },
      researchRun(),
    );
    expect(result).toEqual({
      ok: false,
      content: 'react_to_message: no message "77" in chat tg:-200; use the id shown with the message',
    });
    expect(services.reactions).toEqual([]);
  });

  it('refuses to react in a chat the agent is not routed to', async () => {
    const result = await dispatcher.call(
      'react_to_message',
      { message_id: '77', emoji: '👍', target_jid: 'tg:100' },
      researchRun(),
    );
    expect(result.content).toMatch(/^react_to_message: not allowed: agent "research"/);
    expect(services.reactions).toEqual([]);
  });

  it('passes the channel’s refusal on to the agent', async () => {
    services.reactError = new Error('this channel cannot react to messages');
    const result = await dispatcher.call(
      'react_to_message',
      { message_id: '55', emoji: '👍' },
      researchRun(),
    );
    expect(result).toEqual({
      ok: false,
      content: 'react_to_message on 55 in tg:-200 failed: this channel cannot react to messages',
    });
  });

  it('formats a mention the way the run’s platform writes it', async () => {
    expect(
      await dispatcher.call('format_mention', { user_name: '4242' }, contextFor(config, 'helper', 'dc:300')),
    ).toEqual({
      ok: true,
      content: '<@4242>',
    });
    expect((await dispatcher.call('format_mention', { user_name: 'alice' }, mainRun())).content).toBe(
      '@alice',
    );
  });
});

describe('list_agents', () => {
  it('gives a non-main agent names and runtimes but only its own chats', async () => {
    const result = await dispatcher.call('list_agents', undefined, researchRun());
    expect(result.ok).toBe(true);
    const { agents } = JSON.parse(result.content) as {
      agents: { id: string; chats?: string[]; model?: string }[];
    };
    expect(agents.map((a) => a.id)).toEqual(['main', 'research', 'helper']);
    expect(agents.find((a) => a.id === 'main')).toEqual({
      id: 'main',
      name: 'Omni',
      main: true,
      runtime: 'claude',
    });
    expect(result.content).not.toContain('dc:300');
  });

  it('gives the main agent every agent’s chats', async () => {
    const result = await dispatcher.call('list_agents', {}, mainRun());
    expect(result.content).toContain('dc:300');
    expect(result.content).toContain('"model": "gpt-x"');
  });
});

describe('tools the host provides, in a dispatcher built without it', () => {
  it.each(hostProvidedToolNames.map((n) => [n]))('%s says plainly that it needs the host', async (name) => {
    const definition = agentToolDefinitions.find((d) => d.name === name);
    const required = (definition?.inputSchema.required as string[] | undefined) ?? [];
    const args = HOST_TOOL_ARGS[name];
    expect(Object.keys(args).sort()).toEqual([...required].sort());
    expect(await dispatcher.call(name, args, mainRun())).toEqual({
      ok: false,
      content: notWiredMessage(name),
    });
  });

  it('validates their arguments first, so a traversal topic is refused as invalid', async () => {
    const result = await dispatcher.call('read_context', { topic: '../../../etc/passwd' }, researchRun());
    expect(result.ok).toBe(false);
    expect(result.content).toMatch(
      /^invalid arguments for read_context: topic: a topic is 1–128 of A-Z, a-z/,
    );
  });
});

describe('hostile and broken calls', () => {
  it('answers an unknown tool with the list of known ones', async () => {
    const result = await dispatcher.call('delete_everything', {}, mainRun());
    expect(result.ok).toBe(false);
    expect(result.content).toMatch(/^unknown tool "delete_everything"; the tools are: send_message, /);
    expect(result.content).toContain('list_context_topics');
  });

  it('does not trust prototype names as tools', async () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect((await dispatcher.call(name, {}, mainRun())).content).toMatch(/^unknown tool/);
    }
  });

  it('clips a huge tool name in the error', async () => {
    const result = await dispatcher.call('x'.repeat(100_000), {}, mainRun());
    expect(result.content.length).toBeLessThan(2_000);
  });

  it.each([
    ['a wrong type', { text: 7 }, /text: Invalid input: expected string, received number/],
    ['a missing argument', {}, /text: Invalid input: expected string, received undefined/],
    ['a string instead of an object', 'hello', /arguments: Invalid input: expected object, received string/],
    ['an array instead of an object', [1, 2], /arguments: Invalid input: expected object, received array/],
    [
      'an unknown extra key',
      { text: 'hi', chat_override: 'tg:100' },
      /unknown argument "chat_override" \(allowed: text, sender, target_jid\)/,
    ],
  ])('says which argument is wrong for %s', async (_what, args, message) => {
    const result = await dispatcher.call('send_message', args, mainRun());
    expect(result.ok).toBe(false);
    expect(result.content).toMatch(message);
    expect(services.delivered).toEqual([]);
  });

  it('bounds an error about a flood of unknown keys', async () => {
    const args = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`k${i}${'y'.repeat(200)}`, i]));
    const result = await dispatcher.call('list_tasks', args, mainRun());
    expect(result.ok).toBe(false);
    expect(result.content).toMatch(/this tool takes no arguments/);
    expect(result.content.length).toBeLessThanOrEqual(2_001);
  });
});

describe('handler failures never reach the host', () => {
  const withTool = (handler: ToolHandler, timeoutMs?: number) =>
    new AgentToolDispatcher({ services, logger: log.logger, plugins: [handler], timeoutMs });

  it('shows a ToolError verbatim', async () => {
    const d = withTool(
      extraTool('picky', async () => {
        throw new ToolError('picky: no such thing');
      }),
    );
    expect(await d.call('picky', {}, mainRun())).toEqual({ ok: false, content: 'picky: no such thing' });
  });

  it('turns an unexpected exception into "internal error" and logs it with run and agent', async () => {
    const d = withTool(
      extraTool('crashy', async () => {
        throw new TypeError('cannot read properties of undefined (secret path /home/x)');
      }),
    );
    const result = await d.call('crashy', {}, researchRun());
    expect(result).toEqual({
      ok: false,
      content: 'internal error in crashy; the operator can find it in the OmniClaw log (run run-research)',
    });
    const entry = log.lines().find((l) => l.msg === 'agent tool failed unexpectedly');
    expect(entry).toMatchObject({ run: 'run-research', agent: 'research', tool: 'crashy', level: 50 });
    expect(JSON.stringify(entry)).toContain('cannot read properties of undefined');
  });

  it('survives a handler that throws synchronously', async () => {
    const d = withTool(
      extraTool('sync_throw', (() => {
        throw new Error('boom');
      }) as ToolHandler['run']),
    );
    expect((await d.call('sync_throw', {}, mainRun())).content).toMatch(/^internal error in sync_throw/);
  });

  it('gives up on a hung handler after the time limit and aborts its signal', async () => {
    let signal: AbortSignal | undefined;
    const d = withTool(
      extraTool('hang', (_args, context) => {
        signal = context.signal;
        return new Promise<string>(() => {});
      }),
      50,
    );
    const result = await d.call('hang', {}, mainRun());
    expect(result).toEqual({
      ok: false,
      content: 'hang did not finish within 0 s; it may still complete, so check before trying again',
    });
    expect(signal?.aborted).toBe(true);
  });

  it('reports a send that hangs in the outbox as not finished, not as sent or failed', async () => {
    services.deliverHangs = true;
    const d = new AgentToolDispatcher({ services, logger: log.logger, timeoutMs: 30 });
    const result = await d.call('send_message', { text: 'hi' }, mainRun());
    expect(result.ok).toBe(false);
    expect(result.content).toMatch(/^send_message did not finish within .*it may still complete/);
  });

  it('cuts an oversized result to the protocol-safe size', async () => {
    const d = withTool(extraTool('chatty', async () => 'z'.repeat(MAX_RESULT_CHARS * 3)));
    const result = await d.call('chatty', {}, mainRun());
    expect(result.ok).toBe(true);
    expect(result.content.length).toBeLessThan(MAX_RESULT_CHARS + 100);
    expect(result.content).toMatch(/\[result cut at 65536 characters\]$/);
  });
});

describe('the tool table', () => {
  it('gives every agent the built-in definitions plus plugins', () => {
    const d = new AgentToolDispatcher({
      services,
      logger: log.logger,
      plugins: [extraTool('weather', async () => 'sunny')],
    });
    const names = d.definitions(config.agents[1]!).map((t) => t.name);
    expect(names).toHaveLength(agentToolDefinitions.length + 1);
    expect(names).toContain('weather');
    expect(names.slice(0, agentToolDefinitions.length).sort()).toEqual(
      agentToolDefinitions.map((t) => t.name).sort(),
    );
  });

  it('refuses a plugin that takes a built-in name', () => {
    expect(
      () =>
        new AgentToolDispatcher({
          services,
          logger: log.logger,
          plugins: [extraTool('send_message', async () => '')],
        }),
    ).toThrow(/plugin tool "send_message" collides/);
  });

  it('lets a later issue replace a built-in handler by name, and only a built-in one', async () => {
    const listTasks = { ...extraTool('list_tasks', async () => 'no tasks'), args: z.strictObject({}) };
    const d = new AgentToolDispatcher({ services, logger: log.logger, replacements: [listTasks] });
    expect(await d.call('list_tasks', {}, mainRun())).toEqual({ ok: true, content: 'no tasks' });
    expect(
      () =>
        new AgentToolDispatcher({
          services,
          logger: log.logger,
          replacements: [extraTool('nope', async () => '')],
        }),
    ).toThrow(/"nope" is not a built-in tool/);
  });
});
