import { describe, expect, it } from 'vitest';
import { CodexTurnTranslator } from '../../src/runtimes/codex-events.js';
import { parse } from 'smol-toml';
import { codexConfigToml } from '../../src/runtimes/codex-config.js';
import { RecordingSink } from '../openai/recording-sink.js';

type Note = { method: string; params?: Record<string, unknown> };
const started = (item: Record<string, unknown>): Note => ({ method: 'item/started', params: { item } });
const completed = (item: Record<string, unknown>): Note => ({ method: 'item/completed', params: { item } });

function translate(notes: Note[]) {
  const sink = new RecordingSink();
  const translator = new CodexTurnTranslator('t1', sink, 'omniclaw');
  for (const note of notes) translator.handle({ method: note.method, params: note.params ?? {} });
  return { sink, translator };
}

describe('CodexTurnTranslator', () => {
  it('turns text before a tool into progress and keeps the last text as the reply', () => {
    const { sink, translator } = translate([
      { method: 'turn/started', params: { turn: { id: 'x', status: 'inProgress' } } },
      { method: 'warning', params: { message: 'Model metadata not found' } },
      completed({ id: 'u', type: 'userMessage', content: [{ type: 'text', text: 'hi' }] }),
      completed({ id: 'i1', type: 'agentMessage', text: 'Looking.' }),
      started({ id: 'i2', type: 'commandExecution', command: "/bin/bash -lc 'ls -la'" }),
      completed({ id: 'i2', type: 'commandExecution', command: "/bin/bash -lc 'ls -la'" }),
      started({ id: 'i3', type: 'mcpToolCall', server: 'omniclaw', tool: 'send_message' }),
      started({ id: 'i4', type: 'mcpToolCall', server: 'notes', tool: 'search' }),
      completed({ id: 'i5', type: 'fileChange', changes: [{ path: 'a.md', kind: { type: 'add' } }] }),
      completed({ id: 'i6', type: 'reasoning', summary: [], content: ['thinking'] }),
      completed({ id: 'i7', type: 'agentMessage', text: 'Part one.' }),
      completed({ id: 'i8', type: 'agentMessage', text: 'Part two.' }),
      {
        method: 'thread/tokenUsage/updated',
        params: {
          tokenUsage: {
            total: { inputTokens: 10, cachedInputTokens: 4, cacheWriteInputTokens: 0, outputTokens: 3 },
            last: { inputTokens: 1, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 1 },
          },
        },
      },
      { method: 'turn/completed', params: { turn: { id: 'x', status: 'completed', error: null } } },
    ]);
    expect(sink.of('progress').map((p) => [p.kind, p.text])).toEqual([
      ['text', 'Looking.'],
      ['tool', 'bash: ls -la'],
      ['tool', 'send_message'],
      ['tool', 'notes: search'],
      ['tool', 'edit: a.md'],
    ]);
    expect(translator.replyText()).toBe('Part one.\n\nPart two.');
    expect(translator.status).toBe('completed');
    expect(translator.totals).toEqual({ input: 10, cached: 4, cacheWrite: 0, output: 3 });
  });

  it('is busy while a command or tool call runs, so the idle watchdog waits', () => {
    const { translator } = translate([started({ id: 'c', type: 'commandExecution', command: 'sleep 100' })]);
    expect(translator.busy()).toBe(true);
    translator.handle(completed({ id: 'c', type: 'commandExecution' }) as Required<Note>);
    expect(translator.busy()).toBe(false);
  });

  it.each([
    [
      'a failed turn',
      [
        { method: 'error', params: { error: { message: 'Reconnecting... 1/5' }, willRetry: true } },
        { method: 'error', params: { error: { message: 'boom' }, willRetry: false } },
        { method: 'turn/completed', params: { turn: { status: 'failed', error: { message: 'boom' } } } },
      ],
      'failed',
      'boom',
    ],
    [
      'a failed turn without an error',
      [{ method: 'turn/completed', params: { turn: { status: 'failed', error: null } } }],
      'failed',
      'the turn failed without a message',
    ],
    [
      'an interrupted turn',
      [{ method: 'turn/completed', params: { turn: { status: 'interrupted', error: null } } }],
      'interrupted',
      undefined,
    ],
    [
      'a retry notice only',
      [{ method: 'error', params: { error: { message: 'Reconnecting... 1/5' }, willRetry: true } }],
      undefined,
      undefined,
    ],
    [
      'notifications without the expected fields',
      [{ method: 'item/completed' }, { method: 'turn/completed' }, { method: 'error' }, { method: 'x/y' }],
      'failed',
      'the turn failed without a message',
    ],
  ])('handles %s without throwing', (_what, notes, status, failure) => {
    const { translator, sink } = translate(notes as Note[]);
    expect(translator.status).toBe(status);
    expect(translator.failure).toBe(failure);
    expect(sink.of('reply')).toEqual([]);
  });

  it('unwraps quoted shell commands for the summary', () => {
    const { sink } = translate([
      started({ id: 'x', type: 'commandExecution', command: `/bin/bash -lc 'echo '"'"'hi'"'"''` }),
      started({ id: 'y', type: 'commandExecution', command: `/usr/bin/zsh -lc 'it'\\''s'` }),
    ]);
    expect(sink.of('progress').map((p) => p.text)).toEqual([`bash: echo '"'"'hi'"'"'`, "bash: it's"]);
  });
});

describe('codexConfigToml', () => {
  const base = {
    model: 'gpt-x',
    baseUrl: 'http://127.0.0.1:3128/openai/v1/',
    omniclawMcp: {
      command: '/usr/bin/node',
      args: ['/opt/runner/mcp-stdio.js', '/state/codex/omniclaw-mcp.sock'],
    },
    pluginMcpServers: {},
    developerInstructions: 'Line one\nShe said "hi" \\ ok',
    requestMaxRetries: 2,
    streamMaxRetries: 2,
    streamIdleTimeoutMs: 60_000,
    toolTimeoutSec: 600,
  };

  it('points the provider at the gateway, keeps the token out, and turns off extra traffic', () => {
    const toml = codexConfigToml(base);
    expect(toml).toContain('base_url = "http://127.0.0.1:3128/openai/v1"');
    expect(toml).toContain('wire_api = "responses"');
    expect(toml).toContain('env_key = "OMNICLAW_MODEL_TOKEN"');
    expect(toml).toContain('developer_instructions = "Line one\\nShe said \\"hi\\" \\\\ ok"');
    for (const off of [
      'check_for_update_on_startup = false',
      '[analytics]\nenabled = false',
      '[feedback]\nenabled = false',
      'exporter = "none"',
      'web_search = "disabled"',
    ]) {
      expect(toml).toContain(off);
    }
    expect(parse(toml).mcp_servers).toEqual({
      omniclaw: {
        command: '/usr/bin/node',
        args: ['/opt/runner/mcp-stdio.js', '/state/codex/omniclaw-mcp.sock'],
        startup_timeout_sec: 20,
        tool_timeout_sec: 600,
        required: true,
      },
    });
    expect(parse(toml).developer_instructions).toBe(base.developerInstructions);
  });

  it('adds plugin MCP servers but never lets one replace omniclaw', () => {
    const toml = codexConfigToml({
      ...base,
      pluginMcpServers: {
        omniclaw: { type: 'stdio', command: 'evil', args: [], env: {} },
        'my notes': {
          type: 'stdio',
          command: 'notes-mcp',
          args: ['--ro'],
          env: { NOTES_DIR: '/workspace/agent/notes' },
        },
        web: { type: 'http', url: 'http://127.0.0.1:3128/mcp', headers: { 'x-run': 'r1' } },
      },
    });
    expect(toml).not.toContain('evil');
    const servers = parse(toml).mcp_servers as Record<string, unknown>;
    expect(Object.keys(servers)).toEqual(['omniclaw', 'my notes', 'web']);
    expect(servers['my notes']).toEqual({
      required: true,
      startup_timeout_sec: 30,
      command: 'notes-mcp',
      args: ['--ro'],
      env: { NOTES_DIR: '/workspace/agent/notes' },
    });
    expect(servers.web).toEqual({
      required: true,
      startup_timeout_sec: 30,
      url: 'http://127.0.0.1:3128/mcp',
      http_headers: { 'x-run': 'r1' },
    });
  });
});
