/**
 * The opencode runtime with the real OpenCode engine (opencode-linux-x64) against the fake model
 * servers on 127.0.0.1: what the runtime contract (test/contract/) does not cover. The agent
 * tools reach this test's sink through the real stdio MCP bridge (the compiled
 * runner/dist/runner/src/mcp-stdio.js, built by the global test setup).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOpencodeRuntime } from '../../src/runtimes/opencode.js';
import type { Runtime } from '../../src/runtime.js';
import {
  credentialOf,
  startFakeAnthropic,
  text,
  toolUse,
  type FakeAnthropic,
} from '../../../test/fakes/fake-anthropic.js';
import { startFakeOpenAI } from '../../../test/fakes/fake-openai.js';
import { RecordingSink } from '../openai/recording-sink.js';
import { makeWorkspace, startCommand, type TestWorkspace } from '../openai/fixtures.js';

let api: FakeAnthropic;
let ws: TestWorkspace;
const runtimes: Runtime[] = [];

function newRuntime(): Runtime {
  const runtime = createOpencodeRuntime({
    idleTimeoutMs: 20_000,
    requestMaxRetries: 0,
    baseEnv: { PATH: process.env.PATH, HOME: ws.root },
  });
  runtimes.push(runtime);
  return runtime;
}

const anthropicStart = (overrides = {}) =>
  startCommand('opencode', ws, 'unused', {
    model: 'anthropic/claude-fake',
    endpoints: { anthropic: { baseUrl: api.url, token: 'run-token-123' } },
    ...overrides,
  });

beforeEach(async () => {
  api = await startFakeAnthropic();
  ws = makeWorkspace('omniclaw-oc-');
});
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
  await api.close();
  ws.cleanup();
});

describe('opencode runtime', () => {
  it('reports tools and the text before them as progress, the last text as the reply', async () => {
    api.script(
      toolUse('bash', { command: 'echo from-the-shell', description: 'echo' }, 'Let me check.'),
      toolUse('omniclaw_send_message', { text: 'working on it' }),
      text('All done.'),
    );
    const sink = new RecordingSink(() => ({ ok: true, content: 'delivered as message 42' }));
    await newRuntime().start(anthropicStart(), sink);
    const done = await sink.waitForDone('turn-1', 60_000);

    expect(sink.of('session')[0]!.sessionId).toMatch(/^ses_/);
    expect(sink.of('progress').map((p) => [p.kind, p.text])).toEqual([
      ['text', 'Let me check.'],
      ['tool', 'bash: echo from-the-shell'],
      ['tool', 'send_message'],
    ]);
    expect(sink.of('tool_call')).toEqual([
      { type: 'tool_call', name: 'send_message', args: { text: 'working on it' }, turnId: 'turn-1' },
    ]);
    expect(sink.of('reply')).toEqual([{ type: 'reply', turnId: 'turn-1', text: 'All done.' }]);
    // Three model calls at the fake's 12 in / 7 out.
    expect(done).toMatchObject({ usage: { inputTokens: 36, outputTokens: 21 } });
    expect(JSON.stringify(api.modelRequests()[1]!.messages)).toContain('from-the-shell');
    // The model is the only traffic (no title call: the session has a title), with the run token.
    expect(api.requests.map((r) => `${r.method} ${r.path} ${r.mainLoop}`)).toEqual(
      Array(3).fill('POST /v1/messages true'),
    );
    for (const request of api.requests) expect(credentialOf(request)).toBe('run-token-123');
  });

  it('talks Chat Completions to an OpenAI-compatible server for an openai/… model', async () => {
    const openai = await startFakeOpenAI();
    try {
      openai.script({ kind: 'text', text: 'Hello from a local model.', usage: { input: 30, output: 5 } });
      const sink = new RecordingSink();
      await newRuntime().start(
        startCommand('opencode', ws, 'unused', {
          model: 'openai/qwen2.5:7b',
          endpoints: { openai: { baseUrl: `${openai.url}/v1`, token: 'run-token-456' } },
        }),
        sink,
      );
      const done = await sink.waitForDone('turn-1', 60_000);
      expect(sink.of('reply').map((r) => r.text)).toEqual(['Hello from a local model.']);
      expect(done).toMatchObject({ usage: { inputTokens: 30, outputTokens: 5 } });
      const calls = openai.completions();
      expect(calls).toHaveLength(1);
      expect(calls[0]!.authorization).toBe('Bearer run-token-456');
      expect(calls[0]!.body?.model).toBe('qwen2.5:7b');
      expect(openai.requests.every((r) => r.path === '/v1/chat/completions')).toBe(true);
    } finally {
      await openai.close();
    }
  });

  it('asks the host to start fresh when the stored session is not in the engine', async () => {
    const sink = new RecordingSink();
    await newRuntime().start(anthropicStart({ sessionId: 'ses_doesnotexist123' }), sink);
    const error = await sink.waitFor((e) => e.type === 'error', 60_000);
    expect(error).toMatchObject({ fatal: true, sessionInvalid: true, turnId: 'turn-1' });
    expect(api.requests).toEqual([]);
  });

  it('refuses a session id that is not an OpenCode one without starting the engine', async () => {
    const sink = new RecordingSink();
    await newRuntime().start(anthropicStart({ sessionId: '0f6f7a52-1111-2222-3333-444455556666' }), sink);
    expect(sink.of('error')[0]).toMatchObject({ fatal: true, sessionInvalid: true });
  });
});
