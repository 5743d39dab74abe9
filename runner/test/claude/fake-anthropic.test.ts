/**
 * The fake Messages API, checked with the real Anthropic client library: streamed and
 * plain answers, tool use, scripted errors, and what it records.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  apiError,
  credentialOf,
  startFakeAnthropic,
  text,
  toolUse,
  type FakeAnthropic,
} from '../../../test/fakes/fake-anthropic.js';

let fake: FakeAnthropic;
let client: Anthropic;
const tools = [
  { name: 'Bash', description: 'run', input_schema: { type: 'object' as const, properties: {} } },
];
const ask = {
  model: 'claude-fake',
  max_tokens: 100,
  tools,
  messages: [{ role: 'user' as const, content: 'hi' }],
};

beforeEach(async () => {
  fake = await startFakeAnthropic();
  client = new Anthropic({ baseURL: fake.url, apiKey: 'run-token', maxRetries: 0 });
});
afterEach(() => fake.close());

describe('fake Anthropic Messages API', () => {
  it('streams a scripted tool use that the client library assembles', async () => {
    fake.script(toolUse('Bash', { command: 'ls' }, 'Checking.'));
    const message = await client.messages.stream(ask).finalMessage();
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toMatchObject([
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', name: 'Bash', input: { command: 'ls' } },
    ]);
    expect(fake.requests[0]).toMatchObject({ method: 'POST', path: '/v1/messages', mainLoop: true });
    // The client library sends the key as a bearer token; the engine uses x-api-key.
    expect(credentialOf(fake.requests[0]!)).toBe('run-token');
  });

  it('answers without streaming, and falls back to "ok" when the script is empty', async () => {
    fake.script(text('Scripted.'));
    const first = await client.messages.create(ask);
    const second = await client.messages.create(ask);
    expect(first.content).toEqual([{ type: 'text', text: 'Scripted.' }]);
    expect(second.content).toEqual([{ type: 'text', text: 'ok' }]);
    expect(fake.modelRequests()).toHaveLength(2);
  });

  it('returns scripted API errors with the status and error type', async () => {
    fake.script(apiError(529), apiError(500, 'boom'));
    await expect(client.messages.create(ask)).rejects.toMatchObject({ status: 529 });
    await expect(client.messages.create(ask)).rejects.toThrow(/boom/);
  });

  it('answers side calls without tools without using the script, and 404s unknown paths', async () => {
    fake.script(text('for the main loop'));
    const side = await client.messages.create({ ...ask, tools: undefined });
    expect(side.content).toEqual([{ type: 'text', text: 'Side answer' }]);
    const missing = await fetch(`${fake.url}/api/hello`);
    expect(missing.status).toBe(404);
    expect((await client.messages.create(ask)).content).toEqual([
      { type: 'text', text: 'for the main loop' },
    ]);
    expect(fake.requests.map((r) => r.mainLoop)).toEqual([false, false, true]);
  });
});
