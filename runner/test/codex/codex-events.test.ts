import { describe, expect, it } from 'vitest';
import { CodexTurnTranslator } from '../../src/runtimes/codex-events.js';
import { parse } from 'smol-toml';
import { codexConfigToml } from '../../src/runtimes/codex-config.js';
import { RecordingSink } from '../openai/recording-sink.js';

const line = (value: unknown): string => JSON.stringify(value);

function translate(lines: unknown[]) {
  const sink = new RecordingSink();
  const threads: string[] = [];
  const translator = new CodexTurnTranslator('t1', sink, 'omniclaw', (id) => threads.push(id));
  for (const value of lines) translator.handle(typeof value === 'string' ? value : line(value));
  return { sink, translator, threads };
}

describe('CodexTurnTranslator', () => {
  it('turns text before a tool into progress and keeps the last text as the reply', () => {
    const { sink, translator, threads } = translate([
      { type: 'thread.started', thread_id: 'th-1' },
      { type: 'turn.started' },
      { type: 'item.completed', item: { id: 'i0', type: 'error', message: 'Model metadata not found' } },
      { type: 'item.completed', item: { id: 'i1', type: 'agent_message', text: 'Looking.' } },
      {
        type: 'item.started',
        item: { id: 'i2', type: 'command_execution', command: "/bin/bash -lc 'ls -la'" },
      },
      {
        type: 'item.completed',
        item: { id: 'i2', type: 'command_execution', command: "/bin/bash -lc 'ls -la'" },
      },
      {
        type: 'item.started',
        item: { id: 'i3', type: 'mcp_tool_call', server: 'omniclaw', tool: 'send_message' },
      },
      { type: 'item.started', item: { id: 'i4', type: 'mcp_tool_call', server: 'notes', tool: 'search' } },
      {
        type: 'item.completed',
        item: { id: 'i5', type: 'file_change', changes: [{ path: 'a.md', kind: 'add' }] },
      },
      { type: 'item.completed', item: { id: 'i6', type: 'reasoning', text: 'thinking' } },
      { type: 'item.completed', item: { id: 'i7', type: 'agent_message', text: 'Part one.' } },
      { type: 'item.completed', item: { id: 'i8', type: 'agent_message', text: 'Part two.' } },
      { type: 'turn.completed', usage: { input_tokens: 10, cached_input_tokens: 4, output_tokens: 3 } },
    ]);
    expect(threads).toEqual(['th-1']);
    expect(sink.of('progress').map((p) => [p.kind, p.text])).toEqual([
      ['text', 'Looking.'],
      ['tool', 'bash: ls -la'],
      ['tool', 'send_message'],
      ['tool', 'notes: search'],
      ['tool', 'edit: a.md'],
    ]);
    expect(translator.replyText()).toBe('Part one.\n\nPart two.');
    expect(translator.completed).toBe(true);
    expect(translator.totals).toEqual({ input: 10, cached: 4, cacheWrite: 0, output: 3 });
  });

  it('is busy while a command or tool call runs, so the idle watchdog waits', () => {
    const { translator } = translate([
      { type: 'item.started', item: { id: 'c', type: 'command_execution', command: 'sleep 100' } },
    ]);
    expect(translator.busy()).toBe(true);
    translator.handle(line({ type: 'item.completed', item: { id: 'c', type: 'command_execution' } }));
    expect(translator.busy()).toBe(false);
  });

  it.each([
    [
      'a failed turn',
      [
        { type: 'error', message: 'Reconnecting... 1/5' },
        { type: 'turn.failed', error: { message: 'boom' } },
      ],
      'boom',
    ],
    ['a notice only', [{ type: 'error', message: 'Reconnecting... 1/5' }], undefined],
    ['garbage lines', ['not json', '{"type": 42}', line({ type: 'item.completed' })], undefined],
  ])('handles %s without throwing', (_what, lines, failure) => {
    const { translator, sink } = translate(lines);
    expect(translator.failure).toBe(failure);
    expect(translator.completed).toBe(false);
    expect(sink.of('reply')).toEqual([]);
  });

  it('unwraps quoted shell commands for the summary', () => {
    const { sink } = translate([
      {
        type: 'item.started',
        item: { id: 'x', type: 'command_execution', command: `/bin/bash -lc 'echo '"'"'hi'"'"''` },
      },
      {
        type: 'item.started',
        item: { id: 'y', type: 'command_execution', command: `/usr/bin/zsh -lc 'it'\\''s'` },
      },
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
