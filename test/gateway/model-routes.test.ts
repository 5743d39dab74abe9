import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startGateway, type StartedGateway } from '../../src/gateway/gateway.js';
import type { ModelUpstreams } from '../../src/gateway/model-routes.js';
import { startFakeUpstream, type FakeUpstream } from '../fakes/fake-upstream.js';
import { captureLogger, eventually, send } from './helpers.js';

const ANTHROPIC_KEY = 'sk-ant-api03-REAL-KEY-never-in-a-sandbox';
const OPENAI_KEY = 'sk-openai-REAL-KEY-never-in-a-sandbox';

let upstream: FakeUpstream;
let gateway: StartedGateway;
let peer: { port: number };
let log: ReturnType<typeof captureLogger>;
let models: ModelUpstreams;

beforeEach(async () => {
  upstream = await startFakeUpstream();
  log = captureLogger();
  models = {
    anthropic: { baseUrl: upstream.url, apiKey: ANTHROPIC_KEY },
    openai: { baseUrl: `${upstream.url}/v1`, apiKey: OPENAI_KEY },
  };
  gateway = await startGateway({
    tcp: { host: '127.0.0.1', port: 0 },
    models: () => models,
    logger: log.logger,
  });
  peer = { port: Number(new URL(gateway.tcpUrl!).port) };
});

afterEach(async () => {
  await gateway.close();
  await upstream.close();
});

const grantRun = (runId = 'run-1') =>
  gateway.grant({ runId, agentId: 'main', allowHosts: [], transport: 'tcp' });

/** True when `value` appears in any header name or value the upstream received. */
const upstreamSaw = (value: string): boolean =>
  upstream.requests.some((r) => r.rawHeaders.some((h) => h.includes(value)));

describe('model routes', () => {
  it('hands out endpoints on the gateway, never the real upstream or key', () => {
    const grant = grantRun();
    expect(grant.endpoints).toEqual({
      anthropic: { baseUrl: `${gateway.tcpUrl}/anthropic`, token: grant.token },
      openai: { baseUrl: `${gateway.tcpUrl}/openai`, token: grant.token },
    });
    expect(JSON.stringify(grant)).not.toContain(ANTHROPIC_KEY);
    expect(JSON.stringify(grant)).not.toContain(upstream.url);
  });

  it('injects the real Anthropic key upstream and never forwards the run token', async () => {
    const grant = grantRun();
    const reply = await send(peer, {
      method: 'POST',
      path: '/anthropic/v1/messages?beta=true',
      headers: {
        'x-api-key': grant.token,
        'anthropic-version': '2023-06-01',
        'content-type': 'application/json',
      },
      body: '{"model":"claude","messages":[]}',
    });
    expect(reply.status).toBe(200);
    const [seen] = upstream.requests;
    expect(seen).toMatchObject({
      method: 'POST',
      url: '/v1/messages?beta=true',
      body: '{"model":"claude","messages":[]}',
    });
    expect(seen!.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(seen!.headers['anthropic-version']).toBe('2023-06-01');
    expect(seen!.headers.host).toBe(new URL(upstream.url).host);
    expect(upstreamSaw(grant.token)).toBe(false);
  });

  it('accepts the run token as Authorization: Bearer and strips it', async () => {
    const grant = grantRun();
    const reply = await send(peer, {
      method: 'POST',
      path: '/anthropic/v1/messages',
      headers: { authorization: `Bearer ${grant.token}` },
    });
    expect(reply.status).toBe(200);
    expect(upstream.requests[0]!.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(upstream.requests[0]!.headers.authorization).toBeUndefined();
    expect(upstreamSaw(grant.token)).toBe(false);
  });

  it('sends an Anthropic OAuth token as Bearer with the OAuth beta flag added to the client flags', async () => {
    models = { anthropic: { baseUrl: upstream.url, oauthToken: 'sk-ant-oat01-REAL-OAUTH' } };
    const grant = grantRun();
    await send(peer, {
      method: 'POST',
      path: '/anthropic/v1/messages',
      headers: { 'x-api-key': grant.token, 'anthropic-beta': 'fine-grained-tool-streaming-2025-05-14' },
      body: '{}',
    });
    const seen = upstream.requests[0]!.headers;
    expect(seen.authorization).toBe('Bearer sk-ant-oat01-REAL-OAUTH');
    expect(seen['anthropic-beta']).toBe('fine-grained-tool-streaming-2025-05-14,oauth-2025-04-20');
    expect(seen['x-api-key']).toBeUndefined();
  });

  it('maps /openai/<rest> onto the configured base URL with the real key as Bearer', async () => {
    const grant = grantRun();
    await send(peer, {
      method: 'POST',
      path: '/openai/chat/completions?x=1',
      headers: { authorization: `Bearer ${grant.token}` },
      body: '{}',
    });
    expect(upstream.requests[0]).toMatchObject({ url: '/v1/chat/completions?x=1' });
    expect(upstream.requests[0]!.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(upstreamSaw(grant.token)).toBe(false);
  });

  it('sends no Authorization at all to a keyless OpenAI-compatible upstream (Ollama)', async () => {
    models = { openai: { baseUrl: `${upstream.url}/v1` } };
    const grant = grantRun();
    const reply = await send(peer, {
      method: 'POST',
      path: '/openai/chat/completions',
      headers: { authorization: `Bearer ${grant.token}` },
    });
    expect(reply.status).toBe(200);
    expect(upstream.requests[0]!.headers.authorization).toBeUndefined();
    expect(upstreamSaw(grant.token)).toBe(false);
  });

  it.each([
    ['no token', {}],
    ['an unknown token', { 'x-api-key': 'ocgw_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }],
    ['a real-looking vendor key', { 'x-api-key': 'sk-ant-api03-guess' }],
    ['a Basic header', { authorization: 'Basic b21uaWNsYXc6eA==' }],
  ])('refuses %s with 401 before anything reaches the upstream', async (_label, headers) => {
    grantRun();
    const reply = await send(peer, { method: 'POST', path: '/anthropic/v1/messages', headers });
    expect(reply.status).toBe(401);
    expect(JSON.parse(reply.body)).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    expect(upstream.requests).toHaveLength(0);
  });

  it('refuses a revoked token at once', async () => {
    const grant = grantRun();
    expect(
      (
        await send(peer, {
          method: 'POST',
          path: '/anthropic/v1/messages',
          headers: { 'x-api-key': grant.token },
        })
      ).status,
    ).toBe(200);
    grant.revoke();
    expect(
      (
        await send(peer, {
          method: 'POST',
          path: '/anthropic/v1/messages',
          headers: { 'x-api-key': grant.token },
        })
      ).status,
    ).toBe(401);
    expect(upstream.requests).toHaveLength(1);
    expect(gateway.activeGrants).toBe(0);
  });

  it('keeps runs apart: revoking one leaves another working', async () => {
    const first = grantRun('run-a');
    const second = grantRun('run-b');
    expect(first.token).not.toBe(second.token);
    first.revoke();
    expect(
      (
        await send(peer, {
          method: 'POST',
          path: '/openai/chat/completions',
          headers: { authorization: `Bearer ${first.token}` },
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await send(peer, {
          method: 'POST',
          path: '/openai/chat/completions',
          headers: { authorization: `Bearer ${second.token}` },
        })
      ).status,
    ).toBe(200);
  });

  it('streams server-sent events chunk by chunk: the first event arrives while the upstream is still open', async () => {
    let finish: () => void = () => {};
    upstream.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('event: message_start\ndata: {"n":1}\n\n');
      finish = () => res.end('event: message_stop\ndata: {"n":2}\n\n');
    });
    const grant = grantRun();
    const received: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: peer.port,
          method: 'POST',
          path: '/anthropic/v1/messages',
          headers: { 'x-api-key': grant.token },
        },
        (res) => {
          expect(res.headers['content-type']).toBe('text/event-stream');
          res.on('data', (chunk: Buffer) => {
            received.push(chunk.toString());
            // Only after the first event has come through do we let the upstream finish.
            if (received.length === 1) finish();
          });
          res.on('end', () => resolve());
        },
      );
      req.on('error', reject);
      req.end('{"stream":true}');
    });
    expect(received[0]).toBe('event: message_start\ndata: {"n":1}\n\n');
    expect(received.join('')).toContain('message_stop');
  });

  it('cuts a streaming reply when the run is revoked', async () => {
    upstream.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n'); // and never ends
    });
    const grant = grantRun();
    const outcome = await new Promise<string>((resolve) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: peer.port,
          method: 'POST',
          path: '/anthropic/v1/messages',
          headers: { 'x-api-key': grant.token },
        },
        (res) => {
          res.once('data', () => grant.revoke());
          res.on('end', () => resolve('ended'));
          res.on('error', () => resolve('cut'));
          res.on('close', () => resolve('cut'));
        },
      );
      req.on('error', () => resolve('cut'));
      req.end();
    });
    expect(outcome).toBe('cut');
  });

  it('answers 429 when a run already has its maximum of requests in flight', async () => {
    const small = await startGateway({
      tcp: { host: '127.0.0.1', port: 0 },
      models: () => models,
      logger: log.logger,
      maxConnectionsPerRun: 1,
    });
    try {
      upstream.handle((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: held open\n\n');
      });
      const at = { port: Number(new URL(small.tcpUrl!).port) };
      const grant = small.grant({ runId: 'r', agentId: 'a', allowHosts: [], transport: 'tcp' });
      const held = await new Promise<http.ClientRequest>((resolve) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port: at.port,
            method: 'POST',
            path: '/anthropic/v1/messages',
            headers: { 'x-api-key': grant.token },
          },
          (res) => res.once('data', () => resolve(req)),
        );
        req.end();
      });
      const second = await send(at, {
        method: 'POST',
        path: '/anthropic/v1/messages',
        headers: { 'x-api-key': grant.token },
      });
      expect(second.status).toBe(429);
      expect(JSON.parse(second.body)).toMatchObject({ error: { type: 'rate_limit_error' } });
      held.destroy();
    } finally {
      await small.close();
    }
  });

  it('passes upstream errors through with their status, headers and body', async () => {
    upstream.handle((_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' });
      res.end('{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}');
    });
    const grant = grantRun();
    const reply = await send(peer, {
      method: 'POST',
      path: '/anthropic/v1/messages',
      headers: { 'x-api-key': grant.token },
    });
    expect(reply.status).toBe(429);
    expect(reply.headers['retry-after']).toBe('7');
    expect(JSON.parse(reply.body)).toMatchObject({
      error: { type: 'rate_limit_error', message: 'slow down' },
    });
  });

  it('answers 502 with a clear JSON error when the upstream is unreachable', async () => {
    const closedPort = await freePort();
    models = { anthropic: { baseUrl: `http://127.0.0.1:${closedPort}`, apiKey: ANTHROPIC_KEY } };
    const grant = grantRun();
    const reply = await send(peer, {
      method: 'POST',
      path: '/anthropic/v1/messages',
      headers: { 'x-api-key': grant.token },
    });
    expect(reply.status).toBe(502);
    const error = JSON.parse(reply.body) as { error: { type: string; message: string } };
    expect(error.error.message).toMatch(
      new RegExp(
        `omniclaw gateway: the anthropic upstream 127\\.0\\.0\\.1:${closedPort} is unreachable: ECONNREFUSED`,
      ),
    );
  });

  it('answers 404 for a route with no configured upstream, and omits its endpoint from grants', async () => {
    models = { anthropic: { baseUrl: upstream.url, apiKey: ANTHROPIC_KEY } };
    const grant = grantRun();
    expect(grant.endpoints.openai).toBeUndefined();
    const reply = await send(peer, {
      method: 'POST',
      path: '/openai/chat/completions',
      headers: { authorization: `Bearer ${grant.token}` },
    });
    expect(reply.status).toBe(404);
    expect(reply.body).toContain('models.openai');
  });

  it('answers 502 for a misconfigured base URL instead of crashing', async () => {
    models = { anthropic: { baseUrl: 'ftp://example.invalid', apiKey: ANTHROPIC_KEY } };
    const grant = grantRun();
    const reply = await send(peer, {
      method: 'POST',
      path: '/anthropic/v1/messages',
      headers: { 'x-api-key': grant.token },
    });
    expect(reply.status).toBe(502);
    expect(reply.body).toContain('unsupported scheme');
  });

  it('drops hop-by-hop headers and the ones Connection names, in both directions', async () => {
    upstream.handle((_req, res) => {
      res.writeHead(200, {
        connection: 'x-upstream-hop',
        'x-upstream-hop': 'secret',
        'x-kept': 'yes',
        'content-length': '2',
      });
      res.end('ok');
    });
    const grant = grantRun();
    const reply = await send(peer, {
      method: 'POST',
      path: '/anthropic/v1/messages',
      headers: {
        'x-api-key': grant.token,
        connection: 'x-client-hop',
        'x-client-hop': 'secret',
        'proxy-authorization': 'Basic eDp5',
        te: 'trailers',
      },
    });
    expect(reply.headers['x-upstream-hop']).toBeUndefined();
    expect(reply.headers['x-kept']).toBe('yes');
    const seen = upstream.requests[0]!.headers;
    expect(seen['x-client-hop']).toBeUndefined();
    expect(seen['proxy-authorization']).toBeUndefined();
    expect(seen.te).toBeUndefined();
  });

  it('never logs the run token, the real key or a request body', async () => {
    const grant = grantRun();
    await send(peer, {
      method: 'POST',
      path: '/anthropic/v1/messages',
      headers: { 'x-api-key': grant.token },
      body: '{"secret-prompt":1}',
    });
    await send(peer, {
      method: 'POST',
      path: '/anthropic/v1/messages',
      headers: { 'x-api-key': 'ocgw_wrong' },
    });
    await eventually(() => log.text().includes('gateway: model request"'));
    expect(log.text()).toContain('"run":"run-1"');
    for (const secret of [grant.token, ANTHROPIC_KEY, OPENAI_KEY, 'secret-prompt', 'ocgw_wrong'])
      expect(log.text()).not.toContain(secret);
  });
});

describe('real SDK clients through the gateway', () => {
  it('the Anthropic SDK, holding only the run token, gets an answer made with the real key', async () => {
    upstream.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'msg_1',
          type: 'message',
          role: 'assistant',
          model: 'claude-test',
          content: [{ type: 'text', text: 'hello from upstream' }],
          stop_reason: 'end_turn',
          stop_sequence: null,
          usage: { input_tokens: 1, output_tokens: 3 },
        }),
      );
    });
    const grant = grantRun();
    const client = new Anthropic({
      baseURL: grant.endpoints.anthropic!.baseUrl,
      apiKey: grant.endpoints.anthropic!.token,
      maxRetries: 0,
    });
    const message = await client.messages.create({
      model: 'claude-test',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'hello from upstream' });
    expect(upstream.requests[0]).toMatchObject({ url: '/v1/messages' });
    expect(upstream.requests[0]!.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(upstreamSaw(grant.token)).toBe(false);
  });

  it('the OpenAI SDK streams a chat completion through the gateway', async () => {
    upstream.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const word of ['Hel', 'lo']) {
        res.write(
          `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: word }, finish_reason: null }] })}\n\n`,
        );
      }
      res.end('data: [DONE]\n\n');
    });
    const grant = grantRun();
    const client = new OpenAI({
      baseURL: grant.endpoints.openai!.baseUrl,
      apiKey: grant.endpoints.openai!.token,
      maxRetries: 0,
    });
    const stream = await client.chat.completions.create({
      model: 'm',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello');
    expect(upstream.requests[0]).toMatchObject({ url: '/v1/chat/completions' });
    expect(upstream.requests[0]!.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
  });

  it('the OpenAI SDK sees a revoked run as an authentication error', async () => {
    const grant = grantRun();
    grant.revoke();
    const client = new OpenAI({
      baseURL: grant.endpoints.openai!.baseUrl,
      apiKey: grant.token,
      maxRetries: 0,
    });
    await expect(client.models.list()).rejects.toMatchObject({
      status: 401,
      message: expect.stringMatching(/revoked run token/),
    });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
