import { describe, expect, it } from 'vitest';
import {
  AGENT_TOOLS_SERVER,
  MAX_MESSAGE_CHARS,
  agentToolArgs,
  agentToolDefinitions,
  agentToolNames,
  type AgentToolName,
} from '../../src/protocol/agent-tools.js';
import { toolDefinitionSchema } from '../../src/protocol/runner-protocol.js';

const referenceNames = [
  'send_message',
  'send_file',
  'react_to_message',
  'format_mention',
  'schedule_task',
  'list_tasks',
  'pause_task',
  'resume_task',
  'cancel_task',
  'update_task',
  'configure_heartbeat',
  'register_group',
  'list_agents',
  'share_request',
  'delegate_task',
  'request_context',
  'read_context',
  'list_context_topics',
];

describe('agent tool definitions', () => {
  it('offers exactly the 17 reference tools and send_file, each with a valid definition for start.tools', () => {
    expect([...agentToolNames].sort()).toEqual([...referenceNames].sort());
    expect(agentToolDefinitions.map((d) => d.name).sort()).toEqual([...referenceNames].sort());
    for (const definition of agentToolDefinitions) {
      expect(toolDefinitionSchema.safeParse(definition).success).toBe(true);
      expect(definition.description.length).toBeGreaterThan(10);
      expect(definition.inputSchema.type).toBe('object');
      expect(definition.inputSchema.additionalProperties).toBe(false);
      expect(definition.inputSchema).not.toHaveProperty('$schema');
    }
    expect(AGENT_TOOLS_SERVER).toBe('omniclaw');
  });

  it.each([
    ['send_message', ['text']],
    ['send_file', ['path']],
    ['react_to_message', ['emoji', 'message_id']],
    ['format_mention', ['user_name']],
    ['schedule_task', ['prompt', 'schedule_type', 'schedule_value']],
    ['update_task', ['task_id']],
    ['configure_heartbeat', ['enabled']],
    ['register_group', ['folder', 'jid', 'name']],
    ['share_request', ['description']],
    ['delegate_task', ['description']],
    ['request_context', ['description']],
    ['read_context', ['topic']],
    ['list_tasks', []],
    ['list_agents', []],
    ['list_context_topics', []],
  ] as const)('%s requires exactly %j (defaults stay optional for the model)', (name, required) => {
    const definition = agentToolDefinitions.find((d) => d.name === name);
    expect([...((definition?.inputSchema.required as string[] | undefined) ?? [])].sort()).toEqual([
      ...required,
    ]);
  });

  it('advertises the size bound of a message in its JSON Schema', () => {
    const send = agentToolDefinitions.find((d) => d.name === 'send_message');
    const properties = send?.inputSchema.properties as Record<string, { maxLength?: number }>;
    expect(properties.text?.maxLength).toBe(MAX_MESSAGE_CHARS);
  });
});

const big = 'x'.repeat(MAX_MESSAGE_CHARS + 1);

// [tool, arguments, valid?]
const cases: [AgentToolName, unknown, boolean][] = [
  ['send_message', { text: 'hello' }, true],
  ['send_message', { text: 'hi', sender: 'Researcher', target_jid: 'tg:-100123' }, true],
  ['send_message', { text: 'hi', target_jid: '120363336345536173@g.us' }, true],
  ['send_message', { text: 'x'.repeat(MAX_MESSAGE_CHARS) }, true],
  ['send_message', { text: big }, false],
  ['send_message', { text: '' }, false],
  ['send_message', { text: 42 }, false],
  ['send_message', {}, false],
  ['send_message', 'hello', false],
  ['send_message', [], false],
  ['send_message', { text: 'hi', admin: true }, false],
  ['send_message', { text: 'hi', target_jid: '../../etc/passwd' }, false],
  ['send_message', { text: 'hi', target_jid: 'tg:1/2' }, false],
  ['send_message', { text: 'hi', target_jid: 'a..b' }, false],
  ['send_message', { text: 'hi', target_jid: 'x'.repeat(201) }, false],
  ['send_message', { text: 'hi', sender: 's'.repeat(201) }, false],
  ['react_to_message', { message_id: '1712345678.123456', emoji: '👍' }, true],
  ['react_to_message', { message_id: '3EB0C431D5E8', emoji: '👍', remove: true }, true],
  ['react_to_message', { message_id: '../1', emoji: '👍' }, false],
  ['react_to_message', { message_id: '1', emoji: 'e'.repeat(65) }, false],
  ['react_to_message', { message_id: '1', emoji: '👍', remove: 'yes' }, false],
  ['format_mention', { user_name: 'Alice' }, true],
  ['format_mention', { user_name: '' }, false],
  ['schedule_task', { prompt: 'p', schedule_type: 'cron', schedule_value: '0 9 * * *' }, true],
  [
    'schedule_task',
    { prompt: 'p', schedule_type: 'once', schedule_value: '2026-02-01T15:30:00', context_mode: 'isolated' },
    true,
  ],
  ['schedule_task', { prompt: 'p', schedule_type: 'weekly', schedule_value: '1' }, false],
  [
    'schedule_task',
    { prompt: 'p', schedule_type: 'cron', schedule_value: '0 9 * * *', context_mode: 'shared' },
    false,
  ],
  ['schedule_task', { prompt: big, schedule_type: 'interval', schedule_value: '1000' }, false],
  ['list_tasks', {}, true],
  ['list_tasks', { all: true }, false],
  ['pause_task', { task_id: 'task-1700000000-abc' }, true],
  ['pause_task', { task_id: '../tasks' }, false],
  ['resume_task', { task_id: 'a/b' }, false],
  ['cancel_task', { task_id: '' }, false],
  ['update_task', { task_id: 't1', schedule_value: '*/5 * * * *' }, true],
  ['update_task', { task_id: 't1', schedule_type: 'yearly' }, false],
  ['configure_heartbeat', { enabled: true, interval: '1800000', schedule_type: 'interval' }, true],
  ['configure_heartbeat', { enabled: 'true' }, false],
  ['configure_heartbeat', { enabled: true, schedule_type: 'once' }, false],
  ['register_group', { jid: 'dc:123', name: 'Dev', folder: 'dev-chat', trigger: '@Andy' }, true],
  ['register_group', { jid: 'dc:123', name: 'Dev', folder: '../main' }, false],
  ['register_group', { jid: 'dc:123', name: 'Dev', folder: 'global' }, false],
  ['register_group', { jid: 'dc:123', name: 'Dev', folder: 'Dev Chat' }, false],
  ['register_group', { jid: 'dc:123', name: 'Dev', folder: 'dev', discord_guild_id: '../x' }, false],
  ['list_agents', {}, true],
  ['list_agents', { include_self: false }, true],
  ['share_request', { description: 'd', target_agent: 'main', scope: 'server', files: ['notes/a.md'] }, true],
  ['share_request', { description: 'd', files: ['../secret.md'] }, false],
  ['share_request', { description: 'd', files: ['/etc/passwd'] }, false],
  ['share_request', { description: 'd', request_files: ['a/../../b'] }, false],
  ['share_request', { description: 'd', files: ['./a'] }, false],
  ['share_request', { description: 'd', target_agent: '../main' }, false],
  ['share_request', { description: 'd', files: Array.from({ length: 51 }, (_, i) => `f${i}`) }, false],
  ['delegate_task', { description: 'd', callback_agent_id: 'research' }, true],
  ['delegate_task', { description: 'd', callback_agent_id: 'Research Team' }, false],
  ['request_context', { description: 'd', requested_topics: ['api-refactor'] }, true],
  ['request_context', { description: 'd', requested_topics: ['../x'] }, false],
  ['read_context', { topic: 'project-overview' }, true],
  ['read_context', { topic: '../../../etc/passwd' }, false],
  ['read_context', { topic: '..' }, false],
  ['read_context', { topic: 'a/b' }, false],
  ['read_context', { topic: 'notes.v2' }, true],
  ['read_context', { topic: '.hidden' }, false],
  ['read_context', { topic: '/etc/passwd' }, false],
  ['read_context', { topic: 'x'.repeat(128) }, true],
  ['read_context', { topic: 'x'.repeat(129) }, false],
  ['read_context', { topic: '' }, false],
  ['list_context_topics', {}, true],
];

describe('agent tool argument schemas', () => {
  it.each(cases)('%s %j → valid: %s', (name, args, valid) => {
    expect(agentToolArgs[name].safeParse(args).success).toBe(valid);
  });
});
