/**
 * The opencode runtime with the real OpenCode engine (opencode-ai) against the fake
 * Anthropic Messages API on 127.0.0.1. The agent tools reach this test's sink through the
 * real stdio MCP bridge (the compiled runner/dist/runner/src/mcp-stdio.js, built by the
 * global test setup).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOpencodeRuntime, type OpencodeRuntimeOptions } from '../../src/runtimes/opencode.js';
import type { Runtime } from '../../src/runtime.js';
import {
  conversationText,
  startFakeAnthropic,
  text,
  toolUse,
  type FakeAnthropic,
} from '../../../test/fakes/fake-anthropic.js';
import { RecordingSink } from '../openai/recording-sink.js';
import { makeWorkspace, startCommand, type TestWorkspace } from '../openai/fixtures.js';

let api: FakeAnthropic;
let ws: TestWorkspace;
const runtimes: Runtime[] = [];

function newRuntime(options: Partial<OpencodeRuntimeOptions> = {}): Runtime {
  const runtime = createOpencodeRuntime({
    idleTimeoutMs: 20_000,
    requestMaxRetries: 0,
    baseEnv: { PATH: process.env.PATH, HOME: ws.root },
    ...options,
  });
  runtimes.push(runtime);
  return runtime;
}

const start = (overrides = {}) =>
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
  it('runs a shell command, sends a message through the host, replies, and takes a follow-up', async () => {
    api.script(
      toolUse('bash', { command: 'echo from-the-shell', description: 'echo' }, 'Let me check.'),
      toolUse('omniclaw_send_message', { text: 'working on it' }),
      text('All done.'),
      text('Second answer.'),
    );
    const sink = new RecordingSink(() => ({ ok: true, content: 'delivered as message 42' }));
    await newRuntime().start(start(), sink);
    await sink.waitForDone('turn-1', 60_000);
    console.log(JSON.stringify(sink.events, null, 1));
    console.log(api.requests.map((r) => `${r.method} ${r.path} ${r.mainLoop}`));
    expect(sink.of('reply').map((r) => r.text)).toEqual(['All done.']);
  });
});
