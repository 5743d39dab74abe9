import { readdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAIRuntime } from '../../src/runtimes/openai.js';
import type { Runtime } from '../../src/runtime.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../../test/fakes/fake-openai.js';
import { RecordingSink } from './recording-sink.js';
import { makeWorkspace, startCommand, type TestWorkspace } from './fixtures.js';

let api: FakeOpenAI;
let ws: TestWorkspace;
const runtimes: Runtime[] = [];

const fastErrors = { requestTimeoutMs: 1_000, maxRetries: 2, backoffMs: 50 };
function newRuntime(options = {}): Runtime {
  const runtime = createOpenAIRuntime({ ...fastErrors, ...options });
  runtimes.push(runtime);
  return runtime;
}

beforeEach(async () => {
  api = await startFakeOpenAI();
  ws = makeWorkspace();
});
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
  await api.close();
  ws.cleanup();
});

describe('openai runtime', () => {
  it('runs a shell command, sends a message through the host, then replies', async () => {
    api.script(
      {
        kind: 'tool_calls',
        text: 'Let me check.',
        calls: [{ name: 'bash', arguments: { command: 'echo from-the-shell' } }],
      },
      { kind: 'tool_calls', calls: [{ name: 'send_message', arguments: { text: 'working on it' } }] },
      { kind: 'text', text: 'All done.', usage: { input: 30, output: 5, cached: 7 } },
    );
    const sink = new RecordingSink(() => ({ ok: true, content: 'delivered as message 42' }));
    await newRuntime().start(startCommand('openai', ws, `${api.url}/v1`), sink);
    const done = await sink.waitForDone('turn-1');

    expect(sink.events.map((e) => e.type)).toEqual([
      'session',
      'progress',
      'progress',
      'tool_call',
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
    expect(sink.of('reply')[0]).toEqual({ type: 'reply', turnId: 'turn-1', text: 'All done.' });
    expect(done).toMatchObject({ usage: { inputTokens: 123, outputTokens: 25, cacheReadTokens: 7 } });

    const [first, second, third] = api.completions();
    expect(first!.authorization).toBe('Bearer run-token-123');
    expect(first!.body!.model).toBe('fake-model');
    expect(first!.body!.tools!.map((t) => t.function.name)).toEqual([
      'bash',
      'read',
      'write',
      'edit',
      'glob',
      'grep',
      'send_message',
    ]);
    const bashResult = second!.body!.messages!.at(-1)!;
    expect(bashResult).toMatchObject({ role: 'tool', content: 'Exit code: 0\nfrom-the-shell' });
    expect(third!.body!.messages!.at(-1)).toMatchObject({ role: 'tool', content: 'delivered as message 42' });
  });

  it('gives the model a real error when the host refuses a tool call', async () => {
    api.script(
      { kind: 'tool_calls', calls: [{ name: 'send_message', arguments: { text: 'x' } }] },
      { kind: 'text', text: 'Sorry, I could not send it.' },
    );
    const sink = new RecordingSink(() => ({ ok: false, content: 'chat is not allowed for this agent' }));
    await newRuntime().start(startCommand('openai', ws, `${api.url}/v1`), sink);
    await sink.waitForDone('turn-1');
    expect(api.completions()[1]!.body!.messages!.at(-1)!.content).toBe(
      'Error: chat is not allowed for this agent',
    );
  });

  it('answers a follow-up as a second turn of the same warm conversation', async () => {
    api.script({ kind: 'text', text: 'first answer' }, { kind: 'text', text: 'second answer' });
    const sink = new RecordingSink();
    const runtime = newRuntime();
    await runtime.start(startCommand('openai', ws, `${api.url}/v1`, { prompt: 'question one' }), sink);
    runtime.push('turn-2', 'question two');
    await sink.waitForDone('turn-2');
    expect(sink.of('reply').map((r) => [r.turnId, r.text])).toEqual([
      ['turn-1', 'first answer'],
      ['turn-2', 'second answer'],
    ]);
    const contents = api.completions()[1]!.body!.messages!.map((m) => [m.role, m.content]);
    expect(contents.slice(1)).toEqual([
      ['user', 'question one'],
      ['assistant', 'first answer'],
      ['user', 'question two'],
    ]);
  });

  it('resumes the saved conversation after a restart', async () => {
    api.script({ kind: 'text', text: 'the secret word is kiwi' }, { kind: 'text', text: 'it was kiwi' });
    const first = new RecordingSink();
    const runtime = newRuntime();
    await runtime.start(startCommand('openai', ws, `${api.url}/v1`, { prompt: 'remember kiwi' }), first);
    await first.waitForDone('turn-1');
    await runtime.stop();
    const sessionId = first.of('session')[0]!.sessionId;

    const second = new RecordingSink();
    await newRuntime().start(
      startCommand('openai', ws, `${api.url}/v1`, {
        runId: 'run-2',
        turnId: 'turn-9',
        prompt: 'what was the word?',
        sessionId,
      }),
      second,
    );
    await second.waitForDone('turn-9');
    expect(second.of('session')).toEqual([{ type: 'session', sessionId }]);
    const resumed = api.completions()[1]!.body!.messages!.map((m) => m.content);
    expect(resumed.slice(1)).toEqual(['remember kiwi', 'the secret word is kiwi', 'what was the word?']);
  });

  it.each([
    ['an unknown session', 'no-such-session', undefined],
    ['a corrupt session file', 'corrupt-1', '{not json'],
    ['a session id that tries path traversal', '../../etc/passwd', undefined],
  ])('reports %s as sessionInvalid without calling the model', async (_what, sessionId, content) => {
    if (content !== undefined) {
      const dir = join(ws.stateDir, 'openai-sessions');
      (await import('node:fs')).mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${sessionId}.json`), content);
    }
    const sink = new RecordingSink();
    await newRuntime().start(startCommand('openai', ws, `${api.url}/v1`, { sessionId }), sink);
    const error = await sink.waitFor((e) => e.type === 'error');
    expect(error).toMatchObject({
      fatal: true,
      sessionInvalid: true,
      message: expect.stringContaining('cannot resume'),
    });
    expect(api.completions()).toHaveLength(0);
  });

  it.each([
    ['a 500', { kind: 'http_error' as const, status: 500 }, 3, /failed with 500 after 3 attempts/],
    [
      'a 429',
      { kind: 'http_error' as const, status: 429, headers: { 'retry-after': '0' } },
      3,
      /rate limiting \(429\)/,
    ],
    [
      'a 401 (not retried)',
      { kind: 'http_error' as const, status: 401 },
      1,
      /refused the run's credentials \(401\)/,
    ],
    ['a dropped connection', { kind: 'drop' as const }, 3, /connection .* broke while reading the answer/],
  ])(
    'ends the turn with a clear error after %s, and keeps working',
    async (_what, step, attempts, pattern) => {
      api.script(...Array.from({ length: attempts }, () => step), { kind: 'text', text: 'back again' });
      const sink = new RecordingSink();
      const runtime = newRuntime();
      const started = Date.now();
      await runtime.start(startCommand('openai', ws, `${api.url}/v1`), sink);
      const error = await sink.waitFor((e) => e.type === 'error', 10_000);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(error).toMatchObject({
        fatal: false,
        turnId: 'turn-1',
        message: expect.stringMatching(pattern),
      });
      expect((error as { message: string }).message).toContain('agent tester');
      await sink.waitForDone('turn-1');
      runtime.push('turn-2', 'are you there?');
      await sink.waitForDone('turn-2');
      expect(sink.of('reply').at(-1)).toMatchObject({ turnId: 'turn-2', text: 'back again' });
      expect(api.completions()).toHaveLength(attempts + 1);
    },
  );

  it('gives up on a hung API within the request timeout', async () => {
    api.script({ kind: 'hang' });
    const sink = new RecordingSink();
    const started = Date.now();
    await newRuntime().start(startCommand('openai', ws, `${api.url}/v1`), sink);
    const error = await sink.waitFor((e) => e.type === 'error', 10_000);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(error).toMatchObject({
      fatal: false,
      message: expect.stringContaining('did not answer within 1000 ms'),
    });
  });

  it('answers invalid JSON tool arguments and unknown tools with errors, and carries on', async () => {
    api.script(
      {
        kind: 'tool_calls',
        calls: [
          { name: 'bash', arguments: '{"command": "echo hi"' },
          { name: 'send_message', arguments: 'not json at all' },
          { name: 'delete_everything', arguments: {} },
          { name: 'read', arguments: { path: '../../etc/passwd' } },
        ],
      },
      { kind: 'text', text: 'recovered' },
    );
    const sink = new RecordingSink();
    await newRuntime().start(startCommand('openai', ws, `${api.url}/v1`), sink);
    await sink.waitForDone('turn-1');
    const results = api
      .completions()[1]!
      .body!.messages!.filter((m) => m.role === 'tool')
      .map((m) => m.content);
    expect(results).toEqual([
      expect.stringMatching(/^Error: the arguments are not valid JSON/),
      expect.stringMatching(/^Error: the arguments are not valid JSON/),
      expect.stringMatching(/^Error: there is no tool named delete_everything/),
      expect.stringMatching(/^Error: .*outside the workspace/),
    ]);
    expect(sink.of('tool_call')).toHaveLength(0);
    expect(sink.of('reply')[0]!.text).toBe('recovered');
  });

  it('stops a tool loop that never ends with a clear message', async () => {
    api.fallback(() => ({ kind: 'tool_calls', calls: [{ name: 'glob', arguments: { pattern: '*' } }] }));
    const sink = new RecordingSink();
    await newRuntime({ maxIterations: 3 }).start(startCommand('openai', ws, `${api.url}/v1`), sink);
    const error = await sink.waitFor((e) => e.type === 'error');
    expect(error).toMatchObject({
      fatal: false,
      message: expect.stringContaining('stopped after 3 model calls'),
    });
    expect(api.completions()).toHaveLength(3);
  });

  it('puts the memory hierarchy into the system prompt, read fresh every turn', async () => {
    writeFileSync(join(ws.globalDir, 'CLAUDE.md'), 'GLOBAL: be kind');
    writeFileSync(join(ws.agentDir, 'AGENTS.md'), 'AGENT: you like cats');
    api.script({ kind: 'text', text: 'ok' }, { kind: 'text', text: 'ok again' });
    const sink = new RecordingSink();
    const runtime = newRuntime();
    await runtime.start(
      startCommand('openai', ws, `${api.url}/v1`, { systemPrompt: 'EXTRA: speak French' }),
      sink,
    );
    await sink.waitForDone('turn-1');
    writeFileSync(join(ws.agentDir, 'CLAUDE.md'), 'AGENT: now also dogs');
    runtime.push('turn-2', 'again');
    await sink.waitForDone('turn-2');
    const [first, second] = api.completions().map((r) => r.body!.messages![0]!);
    expect(first!.role).toBe('system');
    const order = ['EXTRA: speak French', 'GLOBAL: be kind', 'AGENT: you like cats'].map((s) =>
      first!.content!.indexOf(s),
    );
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(second!.content).toContain('AGENT: now also dogs');
  });

  it('saves one session file per session and nothing outside the state folder', async () => {
    api.script({ kind: 'text', text: 'ok' });
    const sink = new RecordingSink();
    await newRuntime().start(startCommand('openai', ws, `${api.url}/v1`), sink);
    await sink.waitForDone('turn-1');
    const id = sink.of('session')[0]!.sessionId;
    expect(readdirSync(join(ws.stateDir, 'openai-sessions'))).toEqual([`${id}.json`]);
    expect(readdirSync(ws.agentDir)).toEqual([]);
  });

  it('stops promptly while a model request hangs and a follow-up waits', async () => {
    api.script({ kind: 'hang' });
    const sink = new RecordingSink();
    const runtime = newRuntime({ requestTimeoutMs: 60_000 });
    await runtime.start(startCommand('openai', ws, `${api.url}/v1`), sink);
    runtime.push('turn-2', 'queued behind the hang');
    while (api.completions().length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const started = Date.now();
    await runtime.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(sink.of('done')).toEqual([]);
    expect(api.completions()).toHaveLength(1);
  });

  it('stops a running bash command when the runtime stops', async () => {
    api.script({ kind: 'tool_calls', calls: [{ name: 'bash', arguments: { command: 'sleep 300' } }] });
    const sink = new RecordingSink();
    const runtime = newRuntime();
    await runtime.start(startCommand('openai', ws, `${api.url}/v1`), sink);
    while (api.completions().length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await runtime.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('gives bash the web proxy when the agent may browse, but not for loopback', async () => {
    api.script(
      {
        kind: 'tool_calls',
        calls: [{ name: 'bash', arguments: { command: 'echo "$HTTPS_PROXY|$NO_PROXY"' } }],
      },
      { kind: 'text', text: 'ok' },
    );
    const sink = new RecordingSink();
    await newRuntime().start(
      startCommand('openai', ws, `${api.url}/v1`, { httpProxy: 'http://127.0.0.1:3128' }),
      sink,
    );
    await sink.waitForDone('turn-1');
    expect(api.completions()[1]!.body!.messages!.at(-1)!.content).toBe(
      'Exit code: 0\nhttp://127.0.0.1:3128|127.0.0.1,localhost,::1',
    );
  });

  it('drops the oldest turns once the conversation outgrows its budget', async () => {
    api.fallback(() => ({ kind: 'text', text: 'y'.repeat(400) }));
    const sink = new RecordingSink();
    const runtime = newRuntime({ historyMaxChars: 3_000 });
    await runtime.start(startCommand('openai', ws, `${api.url}/v1`, { prompt: 'first question' }), sink);
    for (let i = 2; i <= 10; i += 1) runtime.push(`turn-${i}`, `question ${i}`);
    await sink.waitForDone('turn-10');
    const last = api.completions().at(-1)!.body!.messages!;
    expect(last.map((m) => m.content)).not.toContain('first question');
    expect(last.at(-1)!.content).toBe('question 10');
    expect(JSON.stringify(last.slice(1)).length).toBeLessThanOrEqual(3_000);
  });

  it('reports an unreachable endpoint and a non-JSON answer clearly', async () => {
    const sink = new RecordingSink();
    const runtime = newRuntime();
    // A loopback port that was just freed: the connection is refused at once.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    await runtime.start(startCommand('openai', ws, `http://127.0.0.1:${port}/v1`), sink);
    const refused = await sink.waitFor((e) => e.type === 'error', 10_000);
    expect(refused).toMatchObject({
      fatal: false,
      message: expect.stringMatching(/cannot reach the model API at .*ECONNREFUSED/),
    });
    await runtime.stop();

    api.script({ kind: 'http_error', status: 200, body: '<html>proxy login</html>' });
    const second = new RecordingSink();
    await newRuntime().start(startCommand('openai', ws, `${api.url}/v1`), second);
    const garbled = await second.waitFor((e) => e.type === 'error', 10_000);
    expect(garbled).toMatchObject({ message: expect.stringContaining('not JSON: <html>proxy login</html>') });
  });

  it("offers the agent's plugin MCP tools and skips a plugin that cannot start", async () => {
    const plugin = fileURLToPath(new URL('./plugin-server.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../../node_modules/tsx/dist/cli.mjs', import.meta.url));
    api.script(
      {
        kind: 'tool_calls',
        calls: [
          { name: 'mcp__notes__lookup', arguments: { term: 'kiwi' } },
          { name: 'mcp__notes__fail', arguments: {} },
        ],
      },
      { kind: 'text', text: 'kiwi is in the notes' },
    );
    const sink = new RecordingSink();
    await newRuntime().start(
      startCommand('openai', ws, `${api.url}/v1`, {
        mcpServers: {
          notes: { type: 'stdio', command: process.execPath, args: [tsx, plugin], env: {} },
          broken: { type: 'stdio', command: join(ws.root, 'no-such-binary'), args: [], env: {} },
          omniclaw: { type: 'stdio', command: 'reserved-name-is-ignored', args: [], env: {} },
        },
      }),
      sink,
    );
    await sink.waitForDone('turn-1', 30_000);
    const offered = api.completions()[0]!.body!.tools!.map((t) => t.function.name);
    expect(offered.filter((name) => name.startsWith('mcp__'))).toEqual([
      'mcp__notes__lookup',
      'mcp__notes__fail',
    ]);
    const results = api
      .completions()[1]!
      .body!.messages!.filter((m) => m.role === 'tool')
      .map((m) => m.content);
    expect(results).toEqual(['found kiwi', 'Error: the notes are locked']);
    expect(sink.of('reply')[0]!.text).toBe('kiwi is in the notes');
  });
});
