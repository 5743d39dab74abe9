/**
 * The gateway counts what every model call used, from the upstream's own reply, streamed
 * or not, in the Anthropic and both OpenAI shapes; a reply that reports nothing is counted
 * by size, so leaving usage out saves an agent nothing. Real SDK clients, fake vendors.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startGateway, type StartedGateway } from '../../src/gateway/gateway.js';
import type { ModelMeter } from '../../src/gateway/types.js';
import type { MeteredUsage } from '../../src/gateway/model-usage.js';
import { startFakeAnthropic, text, type FakeAnthropic } from '../fakes/fake-anthropic.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai.js';
import { startFakeResponses, type FakeResponses } from '../fakes/fake-responses.js';
import { startFakeUpstream, type FakeUpstream } from '../fakes/fake-upstream.js';
import { captureLogger, eventually } from './helpers.js';

interface Charge {
  run: string;
  usage: MeteredUsage;
  how: string;
}

let anthropic: FakeAnthropic;
let openai: FakeOpenAI;
let responses: FakeResponses;
let plain: FakeUpstream;
let charges: Charge[];
let refusal: string | undefined;

const meter: ModelMeter = {
  admit: () => refusal,
  record: (run, usage, how) => charges.push({ run: run.runId, usage, how }),
};

async function gatewayFor(models: Parameters<typeof startGateway>[0]['models']): Promise<{
  gateway: StartedGateway;
  token: string;
  url: string;
}> {
  const gateway = await startGateway({
    tcp: { host: '127.0.0.1', port: 0 },
    models,
    logger: captureLogger().logger,
    meter,
  });
  const token = gateway.grant({ runId: 'run-1', agentId: 'main', allowHosts: [], transport: 'tcp' }).token;
  return { gateway, token, url: gateway.tcpUrl! };
}

let open: StartedGateway[] = [];

beforeEach(async () => {
  charges = [];
  refusal = undefined;
  [anthropic, openai, responses, plain] = await Promise.all([
    startFakeAnthropic(),
    startFakeOpenAI(),
    startFakeResponses(),
    startFakeUpstream(),
  ]);
});

afterEach(async () => {
  await Promise.all(open.map((g) => g.close()));
  open = [];
  await Promise.all([anthropic.close(), openai.close(), responses.close(), plain.close()]);
});

async function through(models: Parameters<typeof startGateway>[0]['models']) {
  const started = await gatewayFor(models);
  open.push(started.gateway);
  return started;
}

const fakeAnthropicUsage = { inputTokens: 12, outputTokens: 7, cacheReadTokens: 0, cacheWriteTokens: 0 };

describe('usage metering at the gateway', () => {
  it('counts an Anthropic reply, non-streamed and streamed, from the upstream usage', async () => {
    const { url, token } = await through({ anthropic: { baseUrl: anthropic.url, apiKey: 'sk-ant-REAL' } });
    const client = new Anthropic({ baseURL: `${url}/anthropic`, apiKey: token, maxRetries: 0 });
    anthropic.script(text('one'), text('two'));
    const request = {
      model: 'claude-x',
      max_tokens: 100,
      messages: [{ role: 'user' as const, content: 'hi' }],
    };
    await client.messages.create(request);
    await client.messages.stream(request).finalMessage();
    await eventually(() => charges.length === 2);
    expect(charges).toEqual([
      { run: 'run-1', usage: fakeAnthropicUsage, how: 'reported' },
      { run: 'run-1', usage: fakeAnthropicUsage, how: 'reported' },
    ]);
  });

  it('counts OpenAI chat completions, non-streamed and streamed, splitting cached input out', async () => {
    const { url, token } = await through({ openai: { baseUrl: `${openai.url}/v1`, apiKey: 'sk-REAL' } });
    const client = new OpenAI({ baseURL: `${url}/openai`, apiKey: token, maxRetries: 0 });
    openai.script(
      { kind: 'text', text: 'a', usage: { input: 30, output: 4, cached: 10 } },
      { kind: 'text', text: 'b', usage: { input: 8, output: 3 } },
    );
    const messages = [{ role: 'user' as const, content: 'hi' }];
    await client.chat.completions.create({ model: 'm', messages });
    const stream = await client.chat.completions.create({
      model: 'm',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const _ of stream) void _;
    await eventually(() => charges.length === 2);
    expect(charges.map((c) => c.usage)).toEqual([
      { inputTokens: 20, outputTokens: 4, cacheReadTokens: 10, cacheWriteTokens: 0 },
      { inputTokens: 8, outputTokens: 3, cacheReadTokens: 0, cacheWriteTokens: 0 },
    ]);
    expect(charges.every((c) => c.how === 'reported')).toBe(true);
  });

  it('counts an OpenAI Responses stream (what Codex sends) and a non-streamed response', async () => {
    const { url, token } = await through({ openai: { baseUrl: `${responses.url}/v1`, apiKey: 'sk-REAL' } });
    const client = new OpenAI({ baseURL: `${url}/openai`, apiKey: token, maxRetries: 0 });
    responses.script({ kind: 'text', text: 'hello', usage: { input: 100, output: 20, cached: 40 } });
    const stream = await client.responses.create({ model: 'm', input: 'hi', stream: true });
    for await (const _ of stream) void _;
    await eventually(() => charges.length === 1);
    expect(charges[0]!.usage).toEqual({
      inputTokens: 60,
      outputTokens: 20,
      cacheReadTokens: 40,
      cacheWriteTokens: 0,
    });

    plain.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'resp_1',
          object: 'response',
          output: [],
          usage: { input_tokens: 9, output_tokens: 2 },
        }),
      );
    });
    const direct = await through({ openai: { baseUrl: plain.url, apiKey: 'sk-REAL' } });
    const plainClient = new OpenAI({ baseURL: `${direct.url}/openai`, apiKey: direct.token, maxRetries: 0 });
    await plainClient.responses.create({ model: 'm', input: 'hi' });
    await eventually(() => charges.length === 2);
    expect(charges[1]!.usage).toEqual({
      inputTokens: 9,
      outputTokens: 2,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    });
  });

  it('counts a stream that reports no usage by its size instead of not at all', async () => {
    const reply = `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'x'.repeat(400) } }] })}\n\ndata: [DONE]\n\n`;
    plain.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(reply);
    });
    const { url, token } = await through({ openai: { baseUrl: plain.url, apiKey: 'sk-REAL' } });
    const body = JSON.stringify({
      model: 'm',
      stream: true,
      messages: [{ role: 'user', content: 'y'.repeat(800) }],
    });
    const res = await fetch(`${url}/openai/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    });
    await res.text();
    await eventually(() => charges.length === 1);
    expect(charges[0]).toMatchObject({ how: 'estimated' });
    expect(charges[0]!.usage.inputTokens).toBe(Math.ceil(body.length / 4));
    expect(charges[0]!.usage.outputTokens).toBe(Math.ceil(reply.length / 4));
  });

  it('counts what a stream reported before the agent hung up', async () => {
    plain.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { usage: { input_tokens: 5000, output_tokens: 1 } } })}\n\n`,
      );
      // ...and the rest never comes.
    });
    const { url, token } = await through({ anthropic: { baseUrl: plain.url, apiKey: 'sk-ant-REAL' } });
    const aborted = new AbortController();
    const res = await fetch(`${url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': token },
      body: '{}',
      signal: aborted.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    aborted.abort();
    await eventually(() => charges.length === 1);
    expect(charges[0]!.usage).toMatchObject({ inputTokens: 5000, outputTokens: 1 });
  });

  it('charges nothing for an upstream error, and nothing for a refused call', async () => {
    plain.handle((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      // An error body that even carries a usage-like field must not be charged.
      res.end(
        JSON.stringify({
          type: 'error',
          error: { type: 'invalid_request_error' },
          usage: { input_tokens: 9 },
        }),
      );
    });
    const { url, token } = await through({ anthropic: { baseUrl: plain.url, apiKey: 'sk-ant-REAL' } });
    const client = new Anthropic({ baseURL: `${url}/anthropic`, apiKey: token, maxRetries: 0 });
    const request = {
      model: 'claude-x',
      max_tokens: 10,
      messages: [{ role: 'user' as const, content: 'hi' }],
    };
    await expect(client.messages.create(request)).rejects.toThrow(/400/);
    await expect(client.models.list()).rejects.toThrow(/403/); // GET /v1/models: refused, not metered
    await new Promise((r) => setTimeout(r, 50));
    expect(plain.requests).toHaveLength(1);
    expect(charges).toEqual([]);
  });

  it('refuses a run over budget with a 403 the SDKs do not retry, before reaching the upstream', async () => {
    const { url, token } = await through({ anthropic: { baseUrl: anthropic.url, apiKey: 'sk-ant-REAL' } });
    refusal = "Main's daily budget is spent";
    const client = new Anthropic({ baseURL: `${url}/anthropic`, apiKey: token, maxRetries: 3 });
    const request = {
      model: 'claude-x',
      max_tokens: 10,
      messages: [{ role: 'user' as const, content: 'hi' }],
    };
    const error = await client.messages.create(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect(String((error as Error).message)).toContain("omniclaw gateway: Main's daily budget is spent");
    expect(anthropic.requests).toHaveLength(0);
    const raw = await fetch(`${url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': token },
      body: '{}',
    });
    expect(raw.status).toBe(403);
    expect(raw.headers.get('x-should-retry')).toBe('false');
  });
});
