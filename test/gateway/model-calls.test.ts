/**
 * The model routes forward only the calls the runtimes make: the real key must not be
 * usable for files, fine-tuning, organisation admin or anything else an upstream offers.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type StartedGateway } from '../../src/gateway/gateway.js';
import { MODEL_CALLS } from '../../src/gateway/model-calls.js';
import { startFakeUpstream, type FakeUpstream } from '../fakes/fake-upstream.js';
import { captureLogger, send, type Peer } from './helpers.js';

let upstream: FakeUpstream;
let gateway: StartedGateway;
let peer: Peer;
let token: string;

beforeEach(async () => {
  upstream = await startFakeUpstream();
  gateway = await startGateway({
    tcp: { host: '127.0.0.1', port: 0 },
    models: {
      anthropic: { baseUrl: upstream.url, apiKey: 'sk-ant-REAL' },
      openai: { baseUrl: `${upstream.url}/v1`, apiKey: 'sk-openai-REAL' },
    },
    logger: captureLogger().logger,
  });
  peer = { port: Number(new URL(gateway.tcpUrl!).port) };
  token = gateway.grant({ runId: 'r1', agentId: 'main', allowHosts: [], transport: 'tcp' }).token;
});

afterEach(async () => {
  await gateway.close();
  await upstream.close();
});

const bearer = () => ({ authorization: `Bearer ${token}` });

describe('model call allowlist', () => {
  it.each([
    ['GET', '/openai/files'],
    ['DELETE', '/openai/files/file-abc123'],
    ['POST', '/openai/fine_tuning/jobs'],
    ['GET', '/openai/organization/users'],
    ['GET', '/openai/models'],
    ['POST', '/openai/batches'],
    ['GET', '/openai/chat/completions'],
    ['POST', '/openai/chat/completions/'],
    ['POST', '/openai/responses/resp_1/cancel'],
    ['GET', '/anthropic/v1/models'],
    ['POST', '/anthropic/v1/messages/batches'],
    ['GET', '/anthropic/v1/organizations/me'],
    ['POST', '/anthropic/v1/files'],
  ])('refuses %s %s with a 403 JSON error and never reaches the upstream', async (method, path) => {
    const body = method === 'POST' ? '{}' : undefined;
    const reply = await send(peer, { method, path, headers: bearer(), body });
    expect(reply.status).toBe(403);
    expect(reply.headers['content-type']).toBe('application/json');
    const { error } = JSON.parse(reply.body) as { error: { type: string; message: string } };
    expect(error.type).toBe('permission_error');
    expect(error.message).toContain(`${method} ${path} is not a model call OmniClaw allows`);
    expect(upstream.requests).toHaveLength(0);
  });

  it.each(
    Object.entries(MODEL_CALLS).flatMap(([route, calls]) =>
      calls.map((c) => [c.method, `/${route}${c.path}`] as const),
    ),
  )('forwards %s %s, the calls the runtimes make', async (method, path) => {
    const reply = await send(peer, { method, path, headers: bearer(), body: '{}' });
    expect(reply.status).toBe(200);
    expect(upstream.requests).toHaveLength(1);
  });

  it('keeps the query string of an allowed call (the Claude engine sends ?beta=true)', async () => {
    await send(peer, {
      method: 'POST',
      path: '/anthropic/v1/messages?beta=true',
      headers: bearer(),
      body: '{}',
    });
    expect(upstream.requests[0]!.url).toBe('/v1/messages?beta=true');
  });

  it('never forwards headers that pick another organisation or project', async () => {
    const reply = await send(peer, {
      method: 'POST',
      path: '/openai/chat/completions',
      headers: {
        ...bearer(),
        'OpenAI-Organization': 'org-attacker',
        'OpenAI-Project': 'proj_attacker',
        'anthropic-workspace': 'wrkspc_attacker',
      },
      body: '{}',
    });
    expect(reply.status).toBe(200);
    const seen = upstream.requests[0]!;
    expect(seen.rawHeaders.join('\n')).not.toMatch(/attacker/);
    expect(seen.headers.authorization).toBe('Bearer sk-openai-REAL');
  });

  it('asks the upstream for an uncompressed body, so usage can be read from it', async () => {
    await send(peer, {
      method: 'POST',
      path: '/anthropic/v1/messages',
      headers: { 'x-api-key': token, 'accept-encoding': 'gzip, br' },
      body: '{}',
    });
    expect(upstream.requests[0]!.headers['accept-encoding']).toBe('identity');
  });
});
