/**
 * The fake speaks the real wire protocol: checked with the official `openai` client, for JSON
 * and for SSE streaming with tool_calls deltas spread over several chunks.
 */
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../../../test/fakes/fake-openai.js';

let api: FakeOpenAI;
let client: OpenAI;

beforeEach(async () => {
  api = await startFakeOpenAI();
  client = new OpenAI({ baseURL: `${api.url}/v1`, apiKey: 'fake-key', maxRetries: 0 });
});
afterEach(() => api.close());

describe('fake OpenAI server', () => {
  it('streams text and tool calls that the official client reassembles', async () => {
    api.script({
      kind: 'tool_calls',
      text: 'Checking the weather.',
      calls: [
        { name: 'weather', arguments: { city: 'Paris' } },
        { name: 'bash', arguments: '{"command": "date"}' },
      ],
    });
    const stream = client.chat.completions.stream({
      model: 'fake-model',
      messages: [{ role: 'user', content: 'weather?' }],
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    const message = final.choices[0]!.message;
    expect(message.content).toBe('Checking the weather.');
    expect(
      message.tool_calls?.map((c) => (c.type === 'function' ? [c.function.name, c.function.arguments] : [])),
    ).toEqual([
      ['weather', '{"city":"Paris"}'],
      ['bash', '{"command": "date"}'],
    ]);
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(api.requests[0]).toMatchObject({ authorization: 'Bearer fake-key', body: { stream: true } });
  });

  it('answers JSON requests, lists models and reports scripted errors', async () => {
    api.script(
      { kind: 'text', text: 'hello', usage: { input: 3, output: 1 } },
      { kind: 'http_error', status: 429 },
    );
    const completion = await client.chat.completions.create({
      model: 'fake-model',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(completion.choices[0]!.message.content).toBe('hello');
    expect(completion.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 1 });
    await expect(client.chat.completions.create({ model: 'm', messages: [] })).rejects.toMatchObject({
      status: 429,
    });
    expect((await client.models.list()).data.map((m) => m.id)).toEqual(['fake-model']);
    // An empty queue fails loudly rather than inventing an answer.
    await expect(client.chat.completions.create({ model: 'm', messages: [] })).rejects.toMatchObject({
      status: 500,
    });
  });
});
