/**
 * The codex runtime with the real Codex CLI (@openai/codex) against a fake Responses API on
 * 127.0.0.1. The agent tools reach this test's sink through the real stdio MCP bridge, which
 * needs the compiled entry runner/dist/runner/src/mcp-stdio.js (built by the global test setup).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCodexRuntime, type CodexRuntimeOptions } from '../../src/runtimes/codex.js';
import type { Runtime } from '../../src/runtime.js';
import { startFakeResponses, type FakeResponses } from '../../../test/fakes/fake-responses.js';
import { RecordingSink } from '../openai/recording-sink.js';
import { makeWorkspace, startCommand, type TestWorkspace } from '../openai/fixtures.js';

let api: FakeResponses;
let ws: TestWorkspace;
const runtimes: Runtime[] = [];

function newRuntime(options: Partial<CodexRuntimeOptions> = {}): Runtime {
  // Codex keeps helper links under $HOME/.codex/tmp when CODEX_HOME is in /tmp: not the real home.
  const baseEnv = { ...process.env, HOME: ws.root };
  const runtime = createCodexRuntime({ idleTimeoutMs: 2_000, requestMaxRetries: 1, baseEnv, ...options });
  runtimes.push(runtime);
  return runtime;
}

/** Text of every input item of a request, in order (messages and tool outputs). */
function inputTexts(body: Record<string, unknown> | undefined): string[] {
  const input = (body?.input ?? []) as { type: string; content?: { text?: string }[]; output?: unknown }[];
  return input.flatMap((item) => {
    if (item.type === 'message') return (item.content ?? []).map((c) => c.text ?? '');
    if (item.type !== 'function_call_output') return [];
    // Codex sends tool output as text or as a list of input_text parts (the first is timing).
    return typeof item.output === 'string'
      ? [item.output]
      : (item.output as { text?: string }[]).map((p) => p.text ?? '');
  });
}

beforeEach(async () => {
  api = await startFakeResponses();
  ws = makeWorkspace('omniclaw-cx-');
});
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
  await api.close();
  ws.cleanup();
});

describe('codex runtime', () => {
  it('runs a shell command, sends a message through the host, then replies', async () => {
    api.script(
      {
        kind: 'function_call',
        name: 'exec_command',
        arguments: { cmd: 'echo from-the-shell' },
        text: 'Let me check.',
      },
      {
        kind: 'function_call',
        namespace: 'mcp__omniclaw',
        name: 'send_message',
        arguments: { text: 'working on it' },
      },
      { kind: 'text', text: 'All done.', usage: { input: 40, output: 5, cached: 8 } },
    );
    const sink = new RecordingSink(() => ({ ok: true, content: 'delivered as message 42' }));
    await newRuntime().start(startCommand('codex', ws, `${api.url}/v1`), sink);
    const done = await sink.waitForDone('turn-1', 30_000);

    // Codex announces the MCP call on stdout while making it over the socket: those two may swap.
    expect(sink.events.filter((e) => e.type !== 'tool_call').map((e) => e.type)).toEqual([
      'session',
      'progress',
      'progress',
      'progress',
      'reply',
      'done',
    ]);
    expect(sink.of('progress').map((p) => [p.kind, p.text])).toEqual([
      ['text', 'Let me check.'],
      ['tool', 'bash: echo from-the-shell'],
      ['tool', 'send_message'],
    ]);
    expect(sink.of('tool_call')[0]).toMatchObject({
      name: 'send_message',
      args: { text: 'working on it' },
      turnId: 'turn-1',
    });
    expect(sink.of('session')[0]!.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sink.of('reply')[0]).toEqual({ type: 'reply', turnId: 'turn-1', text: 'All done.' });
    // Two tool steps at the fake's default 100 in / 20 out, then 40 (8 cached) / 5.
    expect(done).toMatchObject({ usage: { inputTokens: 232, outputTokens: 45, cacheReadTokens: 8 } });

    const turns = api.turns();
    expect(turns).toHaveLength(3);
    expect(turns[0]!.authorization).toBe('Bearer run-token-123');
    const tools = (
      turns[0]!.body!.tools as { type: string; name: string; tools?: { name: string }[] }[]
    ).find((t) => t.name === 'mcp__omniclaw');
    expect(tools?.tools?.map((t) => t.name)).toEqual(['send_message']);
    expect(inputTexts(turns[1]!.body).join('\n')).toContain('from-the-shell');
    expect(inputTexts(turns[2]!.body).at(-1)).toBe('delivered as message 42');
    // The only traffic is to the provider.
    expect(api.requests.every((r) => r.path === '/v1/responses')).toBe(true);
  });

  it('gives the model the host error when a tool call is refused, and tolerates broken arguments', async () => {
    api.script(
      { kind: 'function_call', namespace: 'mcp__omniclaw', name: 'send_message', arguments: { text: 'x' } },
      {
        kind: 'function_call',
        namespace: 'mcp__omniclaw',
        name: 'send_message',
        arguments: '{"text": "unclosed',
      },
      { kind: 'text', text: 'Sorry.' },
    );
    const sink = new RecordingSink(() => ({ ok: false, content: 'chat is not allowed for this agent' }));
    await newRuntime().start(startCommand('codex', ws, `${api.url}/v1`), sink);
    await sink.waitForDone('turn-1', 30_000);
    const [, afterRefusal, afterBroken] = api.turns();
    expect(inputTexts(afterRefusal!.body).at(-1)).toBe('chat is not allowed for this agent');
    expect(inputTexts(afterBroken!.body).at(-1)).toMatch(/pars|JSON|argument/i);
    expect(sink.of('tool_call')).toHaveLength(1);
    expect(sink.of('reply')[0]!.text).toBe('Sorry.');
  });

  it("gives Codex the agent's plugin MCP servers next to omniclaw", async () => {
    const plugin = fileURLToPath(new URL('../openai/plugin-server.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../../node_modules/tsx/dist/cli.mjs', import.meta.url));
    api.script(
      { kind: 'function_call', namespace: 'mcp__notes', name: 'lookup', arguments: { term: 'kiwi' } },
      { kind: 'text', text: 'found it' },
    );
    const sink = new RecordingSink();
    // Codex waits for the required plugin server (tsx compiles it first: seconds on a loaded
    // machine) before its first request; the 2 s idle limit would stop it before that.
    await newRuntime({ idleTimeoutMs: 30_000 }).start(
      startCommand('codex', ws, `${api.url}/v1`, {
        mcpServers: { notes: { type: 'stdio', command: process.execPath, args: [tsx, plugin], env: {} } },
      }),
      sink,
    );
    await sink.waitForDone('turn-1', 30_000);
    const namespaces = (api.turns()[0]!.body!.tools as { type: string; name: string }[])
      .filter((t) => t.type === 'namespace' && t.name.startsWith('mcp__'))
      .map((t) => t.name);
    expect(namespaces.sort()).toEqual(['mcp__notes', 'mcp__omniclaw']);
    expect(inputTexts(api.turns()[1]!.body).at(-1)).toBe('found kiwi');
    expect(sink.of('progress').map((p) => p.text)).toContain('notes: lookup');
  });

  it('fails the start with an error naming a plugin MCP server that cannot start', async () => {
    const sink = new RecordingSink();
    const started = newRuntime().start(
      startCommand('codex', ws, `${api.url}/v1`, {
        mcpServers: {
          broken: { type: 'stdio', command: join(ws.root, 'no-such-binary'), args: [], env: {} },
        },
      }),
      sink,
    );
    await expect(started).rejects.toThrow(/MCP server.*broken/);
    expect(api.turns()).toHaveLength(0);
  });

  it("keeps the run's model token out of the commands Codex runs", async () => {
    api.script(
      { kind: 'function_call', name: 'exec_command', arguments: { cmd: 'env; echo END-OF-ENV' } },
      { kind: 'text', text: 'ok' },
    );
    const sink = new RecordingSink();
    await newRuntime().start(startCommand('codex', ws, `${api.url}/v1`), sink);
    await sink.waitForDone('turn-1', 30_000);
    const output = inputTexts(api.turns()[1]!.body).join('\n');
    expect(output).toContain('END-OF-ENV');
    expect(output).toContain('CODEX_HOME');
    expect(output).not.toContain('run-token-123');
  });

  it('answers a follow-up as a second turn of the same Codex session', async () => {
    api.script({ kind: 'text', text: 'first answer' }, { kind: 'text', text: 'second answer' });
    const sink = new RecordingSink();
    const runtime = newRuntime();
    await runtime.start(startCommand('codex', ws, `${api.url}/v1`, { prompt: 'question one' }), sink);
    runtime.push('turn-2', 'question two');
    await sink.waitForDone('turn-2', 30_000);
    expect(sink.of('reply').map((r) => [r.turnId, r.text])).toEqual([
      ['turn-1', 'first answer'],
      ['turn-2', 'second answer'],
    ]);
    expect(sink.of('session')).toHaveLength(1);
    const texts = inputTexts(api.turns()[1]!.body);
    expect(texts.indexOf('question one')).toBeLessThan(texts.indexOf('first answer'));
    expect(texts.at(-1)).toBe('question two');
    // The second turn's usage is its own, not the session's running total.
    expect(sink.of('done').map((d) => d.usage?.inputTokens)).toEqual([100, 100]);
  });

  it('answers follow-ups through the one live Codex process', async () => {
    api.script(
      { kind: 'text', text: 'first answer' },
      { kind: 'text', text: 'second answer' },
      { kind: 'text', text: 'third answer' },
    );
    const starts = join(ws.root, 'codex-starts.log');
    const sink = new RecordingSink();
    const runtime = newRuntime({ command: countingCodexCommand(starts) });
    await runtime.start(startCommand('codex', ws, `${api.url}/v1`), sink);
    await sink.waitForDone('turn-1', 30_000);
    runtime.push('turn-2', 'again');
    runtime.push('turn-3', 'and again');
    await sink.waitForDone('turn-3', 30_000);
    expect(sink.of('reply').map((r) => r.text)).toEqual(['first answer', 'second answer', 'third answer']);
    expect(readFileSync(starts, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('gives the live Codex memory edited between turns as a note on the next turn', async () => {
    api.script({ kind: 'text', text: 'first answer' }, { kind: 'text', text: 'second answer' });
    const starts = join(ws.root, 'codex-starts.log');
    const sink = new RecordingSink();
    const runtime = newRuntime({ command: countingCodexCommand(starts) });
    await runtime.start(startCommand('codex', ws, `${api.url}/v1`, { prompt: 'question one' }), sink);
    await sink.waitForDone('turn-1', 30_000);
    writeFileSync(join(ws.agentDir, 'CLAUDE.md'), 'AGENT: you now like dogs');
    runtime.push('turn-2', 'question two');
    await sink.waitForDone('turn-2', 30_000);
    const texts = inputTexts(api.turns()[1]!.body).join('\n');
    expect(texts).toContain('AGENT: you now like dogs');
    expect(texts.indexOf('first answer')).toBeLessThan(texts.indexOf('AGENT: you now like dogs'));
    expect(texts.indexOf('AGENT: you now like dogs')).toBeLessThan(texts.indexOf('question two'));
    expect(readFileSync(starts, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('resumes the session after a restart', async () => {
    api.script({ kind: 'text', text: 'the secret word is kiwi' }, { kind: 'text', text: 'it was kiwi' });
    const first = new RecordingSink();
    const runtime = newRuntime();
    await runtime.start(startCommand('codex', ws, `${api.url}/v1`, { prompt: 'remember kiwi' }), first);
    await first.waitForDone('turn-1', 30_000);
    await runtime.stop();
    const sessionId = first.of('session')[0]!.sessionId;
    writeFileSync(join(ws.agentDir, 'CLAUDE.md'), 'AGENT: edited while no run was going');

    const second = new RecordingSink();
    await newRuntime().start(
      startCommand('codex', ws, `${api.url}/v1`, {
        runId: 'run-2',
        turnId: 'turn-9',
        prompt: 'what was the word?',
        sessionId,
      }),
      second,
    );
    await second.waitForDone('turn-9', 30_000);
    expect(second.of('reply')[0]!.text).toBe('it was kiwi');
    expect(second.of('session')).toEqual([{ type: 'session', sessionId }]);
    const texts = inputTexts(api.turns()[1]!.body);
    expect(texts).toEqual(
      expect.arrayContaining(['remember kiwi', 'the secret word is kiwi', 'what was the word?']),
    );
    // The resumed thread keeps its first instructions: the edited memory comes as a note.
    expect(texts.join('\n')).toContain('AGENT: edited while no run was going');
  });

  it.each([
    ['an unknown session', '01a21348-0000-7000-8000-000000000000'],
    ['a session id that is not a Codex thread id', '../../etc/passwd'],
  ])('reports %s as sessionInvalid', async (_what, sessionId) => {
    const sink = new RecordingSink();
    await newRuntime().start(startCommand('codex', ws, `${api.url}/v1`, { sessionId }), sink);
    const error = await sink.waitFor((e) => e.type === 'error', 30_000);
    expect(error).toMatchObject({
      fatal: true,
      sessionInvalid: true,
      message: expect.stringContaining('cannot resume'),
    });
    expect(api.turns()).toHaveLength(0);
  });

  it.each([
    ['a 500', { kind: 'http_error' as const, status: 500 }],
    ['a 429', { kind: 'http_error' as const, status: 429 }],
    ['a hung API', { kind: 'hang' as const }],
    ['a stream that drops mid-response', { kind: 'drop' as const }],
  ])('ends the turn with a clear error after %s, and keeps working', async (_what, step) => {
    let failing = true;
    api.fallback(() => (failing ? step : { kind: 'text', text: 'back again' }));
    const sink = new RecordingSink();
    const runtime = newRuntime();
    const started = Date.now();
    await runtime.start(startCommand('codex', ws, `${api.url}/v1`), sink);
    const error = await sink.waitFor((e) => e.type === 'error', 20_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error).toMatchObject({ fatal: false, turnId: 'turn-1' });
    const message = (error as { message: string }).message;
    expect(message).toContain('agent tester');
    expect(message).toMatch(
      step.kind === 'hang' ? /did not answer within 2000 ms/ : /model request failed: .+/,
    );
    await sink.waitForDone('turn-1');
    failing = false;
    runtime.push('turn-2', 'are you there?');
    await sink.waitForDone('turn-2', 20_000);
    expect(sink.of('reply').at(-1)).toMatchObject({ turnId: 'turn-2', text: 'back again' });
  });

  it('hands the memory hierarchy to Codex as developer instructions, and turns off its extra traffic', async () => {
    writeFileSync(join(ws.globalDir, 'CLAUDE.md'), 'GLOBAL: be kind');
    writeFileSync(join(ws.agentDir, 'CLAUDE.md'), 'AGENT: you like cats');
    api.script({ kind: 'text', text: 'ok' });
    const sink = new RecordingSink();
    await newRuntime().start(
      startCommand('codex', ws, `${api.url}/v1`, { systemPrompt: 'EXTRA: speak French' }),
      sink,
    );
    await sink.waitForDone('turn-1', 30_000);
    const all = inputTexts(api.turns()[0]!.body).join('\n');
    for (const text of ['GLOBAL: be kind', 'AGENT: you like cats', 'EXTRA: speak French'])
      expect(all).toContain(text);
    const config = readFileSync(join(ws.stateDir, 'codex', 'config.toml'), 'utf8');
    expect(config).toContain('[analytics]\nenabled = false');
    expect(config).toContain('check_for_update_on_startup = false');
    expect(config).not.toContain('run-token-123');
  });

  it('stops a turn in flight: Codex, its commands and the MCP bridge process all end', async () => {
    api.script(
      { kind: 'function_call', name: 'exec_command', arguments: { cmd: 'sleep 300', yield_time_ms: 60_000 } },
      { kind: 'text', text: 'never' },
    );
    const sink = new RecordingSink();
    const runtime = newRuntime({ idleTimeoutMs: 60_000 });
    await runtime.start(startCommand('codex', ws, `${api.url}/v1`), sink);
    await sink.waitFor((e) => e.type === 'progress' && e.text.includes('sleep 300'), 30_000);
    expect(processesMentioning(ws.root).length).toBeGreaterThan(0);
    const started = Date.now();
    await runtime.stop();
    expect(Date.now() - started).toBeLessThan(5_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(processesMentioning(ws.root)).toEqual([]);
    expect(sink.of('done')).toEqual([]);
  });
});

/** The Codex CLI behind a shell that appends a line to `file` every time Codex is started. */
function countingCodexCommand(file: string): string[] {
  const codex = fileURLToPath(new URL('../../node_modules/@openai/codex/bin/codex.js', import.meta.url));
  return ['/bin/sh', '-c', 'echo started >> "$0"; exec "$@"', file, process.execPath, codex];
}

/** Live processes whose command line mentions the text (the test's temp folder). */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (cmdline.includes(text) && !stat.includes(') Z ')) found.push(`${pid}: ${cmdline}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
