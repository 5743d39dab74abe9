/**
 * The openai runtime streams through the official SDK against the fake OpenAI-compatible
 * server: text goes out as deltas while it is written, tool calls streamed in pieces are put
 * together, servers that cannot stream tool calls get the request again without streaming,
 * and errors (429, 529, a cut or silent stream) keep today's retry and time-out rules.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createOpenAIRuntime } from '../../src/runtimes/openai.js';
import type { Runtime } from '../../src/runtime.js';
import { startFakeOpenAI, type FakeOpenAI, type OpenAIStep } from '../../../test/fakes/fake-openai.js';
import { RecordingSink } from './recording-sink.js';
import { makeWorkspace, startCommand, type TestWorkspace } from './fixtures.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A runtime on a fresh fake and workspace, with the runtime's deltas recorded beside its events. */
async function setUp(options: { streamToolCalls?: boolean } = {}) {
  const api: FakeOpenAI = await startFakeOpenAI(options);
  const ws: TestWorkspace = makeWorkspace();
  const runtime: Runtime = createOpenAIRuntime({ requestTimeoutMs: 1_000, maxRetries: 2, backoffMs: 50 });
  const sink = new DeltaSink();
  cleanups.push(
    () => api.close(),
    () => ws.cleanup(),
    () => runtime.stop(),
  );
  const start = (): Promise<void> => runtime.start(startCommand('openai', ws, `${api.url}/v1`), sink);
  return { api, ws, runtime, sink, start };
}

class DeltaSink extends RecordingSink {
  readonly deltas: { turnId: string; text: string; reset: boolean }[] = [];
  delta(turnId: string, text: string, reset: boolean): void {
    this.deltas.push({ turnId, text, reset });
  }
  /** The text streamed since the last reset, as a streamed reply would show it. */
  shown(): string {
    let text = '';
    for (const delta of this.deltas) text = (delta.reset ? '' : text) + delta.text;
    return text;
  }
}

describe('openai runtime streaming', () => {
  it('streams the answer as deltas, and the reply is the whole text', async () => {
    const { api, sink, start } = await setUp();
    api.script({ kind: 'text', text: 'The weather in Paris is sunny today.' });
    await start();
    await sink.waitForDone('turn-1');
    expect(api.completions()[0]!.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
    // The fake splits the text into three pieces: the first starts a fresh answer.
    expect(sink.deltas.length).toBeGreaterThanOrEqual(3);
    expect(sink.deltas.map((d) => d.reset)).toEqual([true, ...sink.deltas.slice(1).map(() => false)]);
    expect(sink.shown()).toBe('The weather in Paris is sunny today.');
    expect(sink.of('reply')).toEqual([
      { type: 'reply', turnId: 'turn-1', text: 'The weather in Paris is sunny today.' },
    ]);
  });

  it('puts tool calls streamed in pieces together, and starts a fresh answer per model call', async () => {
    const { api, sink, start } = await setUp();
    api.script(
      {
        kind: 'tool_calls',
        text: 'Let me look.',
        calls: [{ name: 'bash', arguments: { command: 'echo streamed' } }],
      },
      { kind: 'text', text: 'It said streamed.', usage: { input: 30, output: 4 } },
    );
    await start();
    const done = await sink.waitForDone('turn-1');
    const toolResult = api.completions()[1]!.body!.messages!.at(-1);
    expect(toolResult).toMatchObject({ role: 'tool', content: 'Exit code: 0\nstreamed' });
    expect(sink.deltas.filter((d) => d.reset)).toHaveLength(2);
    expect(sink.shown()).toBe('It said streamed.');
    expect(sink.of('progress').map((p) => p.text)).toEqual(['Let me look.', 'bash: echo streamed']);
    expect(done).toMatchObject({ usage: { inputTokens: 80, outputTokens: 14 } });
  });

  it('asks again without streaming when the server does not stream tool calls, and keeps to that', async () => {
    const { api, sink, start, runtime } = await setUp({ streamToolCalls: false });
    const bash: OpenAIStep = {
      kind: 'tool_calls',
      calls: [{ name: 'bash', arguments: { command: 'echo plain' } }],
    };
    // A server answers the same request the same way: the streamed attempt lost the call.
    api.script(bash, bash, { kind: 'text', text: 'done' }, { kind: 'text', text: 'again' });
    await start();
    await sink.waitForDone('turn-1');
    runtime.push('turn-2', 'once more');
    await sink.waitForDone('turn-2');
    const requests = api.completions();
    expect(requests.map((r) => r.body!.stream)).toEqual([true, false, false, false]);
    expect(requests[2]!.body!.messages!.at(-1)).toMatchObject({
      role: 'tool',
      content: 'Exit code: 0\nplain',
    });
    expect(sink.of('reply').map((r) => r.text)).toEqual(['done', 'again']);
    expect(sink.of('error')).toEqual([]);
  });

  it.each([
    ['a 529', { kind: 'http_error' as const, status: 529 }, /failed with 529 after 3 attempts/],
    [
      'a 429',
      { kind: 'http_error' as const, status: 429, headers: { 'retry-after': '0' } },
      /rate limiting \(429\)/,
    ],
    [
      'a stream cut after some text',
      { kind: 'drop' as const, text: 'half an ans' },
      /broke while reading the answer/,
    ],
  ])('retries %s, then ends the turn with a clear error, and keeps working', async (_what, step, pattern) => {
    const { api, sink, start, runtime } = await setUp();
    api.script(step, step, step, { kind: 'text', text: 'back again' });
    await start();
    const error = await sink.waitFor((e) => e.type === 'error', 10_000);
    expect(error).toMatchObject({ fatal: false, turnId: 'turn-1', message: expect.stringMatching(pattern) });
    await sink.waitForDone('turn-1');
    runtime.push('turn-2', 'are you there?');
    await sink.waitForDone('turn-2');
    expect(sink.of('reply')).toEqual([{ type: 'reply', turnId: 'turn-2', text: 'back again' }]);
    expect(api.completions()).toHaveLength(4);
    // Text of a cut stream is void: the retry (and the next turn) start a fresh answer.
    expect(sink.shown()).toBe('back again');
  });

  it('recovers from a cut stream on the retry, replacing the partial text', async () => {
    const { api, sink, start } = await setUp();
    api.script({ kind: 'drop', text: 'Hel' }, { kind: 'text', text: 'Hello there.' });
    await start();
    await sink.waitForDone('turn-1');
    expect(sink.deltas[0]).toEqual({ turnId: 'turn-1', text: 'Hel', reset: true });
    expect(sink.shown()).toBe('Hello there.');
    expect(sink.of('reply').map((r) => r.text)).toEqual(['Hello there.']);
    expect(sink.of('error')).toEqual([]);
  });

  it('fails a stream that goes silent mid-answer within the time-out, without retrying it', async () => {
    const { api, sink, start } = await setUp();
    api.script({ kind: 'stall', text: 'I am thinking' });
    const started = Date.now();
    await start();
    const error = await sink.waitFor((e) => e.type === 'error', 10_000);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toMatchObject({
      fatal: false,
      message: expect.stringContaining('did not answer within 1000 ms'),
    });
    expect(api.completions()).toHaveLength(1);
  });
});
