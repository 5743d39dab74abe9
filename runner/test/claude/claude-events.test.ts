/**
 * The translation from the Claude engine's message stream to runtime events, as tables:
 * which turn a message belongs to, progress versus reply, cost per turn, which failures end
 * the run.
 */
import type { SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import { describe, expect, it } from 'vitest';
import { ClaudeEventTranslator, summariseToolUse } from '../../src/runtimes/claude-events.js';
import type { RuntimeSink } from '../../src/runtime.js';

type Recorded = [string, ...unknown[]];

function recordingSink(): { sink: RuntimeSink; calls: Recorded[] } {
  const calls: Recorded[] = [];
  const sink: RuntimeSink = {
    progress: (...args) => void calls.push(['progress', ...args]),
    reply: (...args) => void calls.push(['reply', ...args]),
    session: (...args) => void calls.push(['session', ...args]),
    done: (...args) => void calls.push(['done', ...args]),
    error: (...args) => void calls.push(['error', ...args]),
    delta: (...args) => void calls.push(['delta', ...args]),
    callTool: () => Promise.resolve({ ok: true, content: '' }),
    log: () => undefined,
  };
  return { sink, calls };
}

const assistant = (content: unknown[], extra: Record<string, unknown> = {}): SDKMessage =>
  ({
    type: 'assistant',
    message: { content },
    parent_tool_use_id: null,
    session_id: 's1',
    ...extra,
  }) as unknown as SDKMessage;

const result = (fields: Record<string, unknown>): SDKMessage =>
  ({
    type: 'result',
    subtype: 'success',
    is_error: false,
    result: 'answer',
    num_turns: 1,
    total_cost_usd: 0.5,
    usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 2, cache_creation_input_tokens: 1 },
    session_id: 's1',
    ...fields,
  }) as unknown as SDKMessage;

describe('ClaudeEventTranslator', () => {
  it('emits text before a tool use as progress and the result as the reply', () => {
    const { sink, calls } = recordingSink();
    const t = new ClaudeEventTranslator(sink, { resuming: false });
    t.opened('turn-1', 'u1');
    t.handle({ type: 'system', subtype: 'init', session_id: 's1' } as unknown as SDKMessage);
    t.handle(assistant([{ type: 'text', text: 'Looking.' }], { user_message_uuid: 'u1' }));
    t.handle(assistant([{ type: 'tool_use', name: 'Bash', input: { command: 'ls -la' } }]));
    t.handle(assistant([{ type: 'text', text: 'Here it is.' }]));
    t.handle(result({ result: 'Here it is.', user_message_uuids: ['u1'] }));
    expect(calls).toEqual([
      ['session', 's1'],
      ['progress', 'turn-1', 'text', 'Looking.'],
      ['progress', 'turn-1', 'tool', 'Bash: ls -la'],
      ['reply', 'turn-1', 'Here it is.'],
      [
        'done',
        'turn-1',
        { inputTokens: 10, outputTokens: 5, cacheReadTokens: 2, cacheWriteTokens: 1, costUsd: 0.5 },
      ],
    ]);
    expect(t.openTurns).toBe(0);
  });

  it('turns partial messages into deltas: a reset per model call, text deltas appended, subagents ignored', () => {
    const { sink, calls } = recordingSink();
    const t = new ClaudeEventTranslator(sink, { resuming: false });
    t.opened('turn-1', 'u1');
    const partial = (event: unknown, parent: string | null = null): SDKMessage =>
      ({
        type: 'stream_event',
        event,
        parent_tool_use_id: parent,
        uuid: 'x',
        session_id: 's1',
      }) as unknown as SDKMessage;
    t.handle(partial({ type: 'message_start', message: {} }));
    t.handle(partial({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } }));
    t.handle(
      partial({
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'input_json_delta', partial_json: '{' },
      }),
    );
    t.handle(
      partial(
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'inner' } },
        'tool-1',
      ),
    );
    t.handle(partial({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'lo' } }));
    expect(calls).toEqual([
      ['delta', 'turn-1', '', true],
      ['delta', 'turn-1', 'Hel', false],
      ['delta', 'turn-1', 'lo', false],
    ]);
  });

  it('answers queued inputs in order and bills each turn the difference in cumulative cost', () => {
    const { sink, calls } = recordingSink();
    const t = new ClaudeEventTranslator(sink, { resuming: false });
    t.opened('a', 'ua');
    t.opened('b', 'ub');
    t.handle(result({ result: 'A', total_cost_usd: 0.25 }));
    t.handle(result({ result: 'B', total_cost_usd: 0.75 }));
    expect(calls.filter((c) => c[0] !== 'done')).toEqual([
      ['session', 's1'],
      ['reply', 'a', 'A'],
      ['reply', 'b', 'B'],
    ]);
    const costs = calls
      .filter((c) => c[0] === 'done')
      .map((c) => [c[1], (c[2] as { costUsd?: number }).costUsd]);
    expect(costs).toEqual([
      ['a', 0.25],
      ['b', 0.5],
    ]);
  });

  it('closes every input a merged turn consumed, replying on the last', () => {
    const { sink, calls } = recordingSink();
    const t = new ClaudeEventTranslator(sink, { resuming: false });
    t.opened('a', 'ua');
    t.opened('b', 'ub');
    t.opened('c', 'uc');
    t.handle(result({ result: 'both', user_message_uuids: ['ua', 'ub'] }));
    expect(calls.slice(1).map((c) => c.slice(0, 3))).toEqual([
      ['done', 'a'],
      ['reply', 'b', 'both'],
      ['done', 'b', expect.anything()],
    ]);
    expect(t.openTurns).toBe(1);
  });

  it('bills a resumed session only for this run, from the total kept last time', () => {
    const { sink, calls } = recordingSink();
    const totals: [string, number][] = [];
    const t = new ClaudeEventTranslator(sink, {
      resuming: true,
      costBaseline: 2.5,
      onTotalCost: (id, total) => void totals.push([id, total]),
    });
    t.opened('a', 'ua');
    t.handle(result({ total_cost_usd: 3 }));
    expect(calls.find((c) => c[0] === 'done')?.[2]).toMatchObject({ costUsd: 0.5 });
    expect(totals).toEqual([['s1', 3]]);
  });

  it('reports no cost rather than a double count when a resumed session has no kept total', () => {
    const { sink, calls } = recordingSink();
    const t = new ClaudeEventTranslator(sink, { resuming: true });
    t.opened('a', 'ua');
    t.handle(result({ total_cost_usd: 3 }));
    expect(calls.find((c) => c[0] === 'done')?.[2]).not.toHaveProperty('costUsd');
  });

  it('drops the answer of a turn no input asked for', () => {
    const { sink, calls } = recordingSink();
    const t = new ClaudeEventTranslator(sink, { resuming: false });
    t.handle(result({ result: 'I woke up on my own' }));
    expect(calls).toEqual([['session', 's1']]);
  });

  it('ignores the inner messages of subagents', () => {
    const { sink, calls } = recordingSink();
    const t = new ClaudeEventTranslator(sink, { resuming: false });
    t.opened('a', 'ua');
    t.handle(
      assistant([{ type: 'tool_use', name: 'Bash', input: { command: 'rm -rf /' } }], {
        parent_tool_use_id: 'toolu_1',
      }),
    );
    expect(calls).toEqual([]);
  });

  const failures: {
    name: string;
    fields: Record<string, unknown>;
    resuming: boolean;
    expected: unknown[];
  }[] = [
    {
      name: 'an API error result',
      fields: { is_error: true, result: 'API Error: 529 overloaded', api_error_status: 529 },
      resuming: false,
      expected: [
        'error',
        'the Claude API request failed (HTTP 529): API Error: 529 overloaded',
        { fatal: true, turnId: 'a' },
      ],
    },
    {
      name: 'a missing session on resume',
      fields: {
        subtype: 'error_during_execution',
        is_error: true,
        num_turns: 0,
        errors: ['No conversation found with session ID: x'],
      },
      resuming: true,
      expected: [
        'error',
        'the stored Claude session cannot be resumed (No conversation found with session ID: x); start a fresh session',
        { fatal: true, turnId: 'a', sessionInvalid: true },
      ],
    },
    {
      name: 'an execution error',
      fields: { subtype: 'error_during_execution', is_error: true, errors: ['boom'] },
      resuming: false,
      expected: ['error', 'the Claude engine failed: boom', { fatal: true, turnId: 'a' }],
    },
    {
      name: 'the turn limit',
      fields: { subtype: 'error_max_turns', is_error: true, errors: [] },
      resuming: false,
      expected: [
        'error',
        'the Claude turn stopped early: it reached the maximum number of turns for a run',
        { fatal: false, turnId: 'a' },
      ],
    },
  ];
  for (const { name, fields, resuming, expected } of failures) {
    it(`reports ${name}`, () => {
      const { sink, calls } = recordingSink();
      const t = new ClaudeEventTranslator(sink, { resuming });
      t.opened('a', 'ua');
      t.handle(result(fields));
      expect(calls.find((c) => c[0] === 'error')).toEqual(expected);
      expect(calls.some((c) => c[0] === 'reply')).toBe(false);
      const fatal = (expected[2] as { fatal: boolean }).fatal;
      expect(t.hasFailed).toBe(fatal);
      expect(calls.some((c) => c[0] === 'done')).toBe(!fatal); // a limit still closes the turn
    });
  }
});

describe('summariseToolUse', () => {
  const cases: [string, unknown, string][] = [
    ['Bash', { command: 'ls   -la\n  /tmp' }, 'Bash: ls -la /tmp'],
    ['Read', { file_path: '/workspace/agent/notes.md' }, 'Read: /workspace/agent/notes.md'],
    ['Grep', { pattern: 'TODO', path: '.' }, 'Grep: TODO'],
    ['mcp__omniclaw__send_message', { text: 'hello' }, 'omniclaw.send_message'],
    ['TodoWrite', { todos: [] }, 'TodoWrite'],
    ['Bash', 'not an object', 'Bash'],
    ['Bash', { command: 'x'.repeat(300) }, `Bash: ${'x'.repeat(117)}...`],
  ];
  for (const [name, input, expected] of cases) {
    it(`summarises ${name} ${JSON.stringify(input).slice(0, 30)}`, () => {
      expect(summariseToolUse(name, input)).toBe(expected);
    });
  }
});
