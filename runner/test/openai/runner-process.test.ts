/**
 * The openai runtime inside the real runner process (`node runner/dist/runner/src/main.js`), driven over
 * the JSON-lines protocol like a sandbox does: agent tools travel as tool_call/tool_result.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  answerToolCalls,
  makeWorkspace,
  startCommand,
  startRunner,
  type RunnerHandle,
  type TestWorkspace,
} from '../claude/runner-harness.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../../test/fakes/fake-openai.js';

let api: FakeOpenAI;
let ws: TestWorkspace;
let runner: RunnerHandle | undefined;

const FAST = {
  OMNICLAW_MODEL_TIMEOUT_MS: '1500',
  OMNICLAW_MODEL_MAX_RETRIES: '1',
  OMNICLAW_MODEL_BACKOFF_MS: '50',
};
const openaiStart = (overrides = {}) =>
  startCommand(ws, 'unused', {
    runtime: 'openai',
    model: 'fake-model',
    endpoints: { openai: { baseUrl: `${api.url}/v1`, token: 'run-token-xyz' } },
    ...overrides,
  });

beforeEach(async () => {
  api = await startFakeOpenAI();
  ws = makeWorkspace();
});
afterEach(async () => {
  await runner?.close();
  runner = undefined;
  await api.close();
  ws.remove();
});

describe('openai runtime in the runner process', () => {
  it('runs bash, round-trips send_message through the host, replies, then answers a follow-up warm', async () => {
    api.script(
      { kind: 'tool_calls', calls: [{ name: 'bash', arguments: { command: 'echo runner-shell' } }] },
      { kind: 'tool_calls', calls: [{ name: 'send_message', arguments: { text: 'hi from the agent' } }] },
      { kind: 'text', text: 'first reply' },
      { kind: 'text', text: 'second reply' },
    );
    runner = startRunner(ws, FAST);
    answerToolCalls(runner, (name, args) => ({
      ok: true,
      content: `host ran ${name} ${JSON.stringify(args)}`,
    }));
    runner.send(openaiStart());
    await runner.waitFor('ready');
    await runner.waitFor('done', (e) => e.turnId === 'turn-1');
    runner.send({ type: 'message', turnId: 'turn-2', text: 'and again?' });
    await runner.waitFor('done', (e) => e.turnId === 'turn-2');

    const replies = runner.events.filter((e) => e.type === 'reply').map((e) => e.text);
    expect(replies).toEqual(['first reply', 'second reply']);
    // The second answer streamed to the host as deltas before its reply.
    const deltas = runner.events.filter((e) => e.type === 'delta' && e.turnId === 'turn-2');
    expect(deltas[0]).toMatchObject({ reset: true });
    expect(deltas.map((e) => (e.type === 'delta' ? e.text : '')).join('')).toBe('second reply');
    const call = runner.events.find((e) => e.type === 'tool_call');
    expect(call).toMatchObject({
      name: 'send_message',
      args: { text: 'hi from the agent' },
      turnId: 'turn-1',
    });
    const requests = api.completions();
    expect(requests[1]!.body!.messages!.at(-1)!.content).toBe('Exit code: 0\nrunner-shell');
    expect(requests[2]!.body!.messages!.at(-1)!.content).toBe(
      'host ran send_message {"text":"hi from the agent"}',
    );
    expect(requests[3]!.body!.messages!.at(-1)!.content).toBe('and again?');
    expect(runner.garbage).toEqual([]);
  });

  it('reports a 500 as a clear error event within seconds and keeps serving', async () => {
    api.script(
      { kind: 'http_error', status: 500 },
      { kind: 'http_error', status: 500 },
      { kind: 'text', text: 'fine now' },
    );
    runner = startRunner(ws, FAST);
    const started = Date.now();
    runner.send(openaiStart());
    const error = await runner.waitFor('error');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toMatchObject({
      fatal: false,
      turnId: 'turn-1',
      message: expect.stringContaining('failed with 500 after 2 attempts'),
    });
    runner.send({ type: 'message', turnId: 'turn-2', text: 'retry' });
    await runner.waitFor('reply', (e) => e.turnId === 'turn-2');
  });

  it('asks the host for a fresh session when the stored one is gone', async () => {
    runner = startRunner(ws, FAST);
    runner.send(openaiStart({ sessionId: '5b0e1b8e-0000-4000-8000-000000000000' }));
    const error = await runner.waitFor('error');
    expect(error).toMatchObject({ fatal: true, sessionInvalid: true });
    expect((await runner.exited).code).not.toBe(0);
  });
});
