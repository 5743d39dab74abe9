import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startGateway, type StartedGateway } from '../../src/gateway/gateway.js';
import type { HostResolver } from '../../src/gateway/target-policy.js';
import {
  startEchoServer,
  startFakeUpstream,
  type EchoServer,
  type FakeUpstream,
} from '../fakes/fake-upstream.js';
import {
  basicProxyAuth,
  captureLogger,
  closed,
  echoThrough,
  eventually,
  openTunnel,
  rawExchange,
  send,
} from './helpers.js';

const run = promisify(execFile);

/** Test DNS: names map to loopback addresses only; nothing ever leaves the machine. */
const fakeDns: Record<string, string[]> = {
  'echo.test': ['127.0.0.1'],
  'rebind.wild.test': ['127.0.0.1'],
  'mixed.wild.test': ['127.0.0.2'],
};
const resolve: HostResolver = async (host) => {
  const addresses = fakeDns[host];
  if (!addresses) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: 4 }));
};

let echo: EchoServer;
let web: FakeUpstream;
let gateway: StartedGateway;
let peer: { port: number };
let log: ReturnType<typeof captureLogger>;

beforeEach(async () => {
  echo = await startEchoServer();
  web = await startFakeUpstream();
  log = captureLogger();
  gateway = await startGateway({
    tcp: { host: '127.0.0.1', port: 0 },
    models: {},
    logger: log.logger,
    resolve,
    connectTimeoutMs: 2000,
  });
  peer = { port: Number(new URL(gateway.tcpUrl!).port) };
});

afterEach(async () => {
  await gateway.close();
  await echo.close();
  await web.close();
});

const grantFor = (allowHosts: string[], runId = 'run-web') =>
  gateway.grant({ runId, agentId: 'researcher', allowHosts, transport: 'tcp' });

describe('CONNECT proxy', () => {
  it('tunnels to an allowed host and carries bytes both ways', async () => {
    const grant = grantFor([`127.0.0.1:${echo.port}`]);
    const tunnel = await openTunnel(peer, `127.0.0.1:${echo.port}`, {
      'Proxy-Authorization': basicProxyAuth(grant.token),
    });
    expect(tunnel.status).toBe(200);
    expect(await echoThrough(tunnel.socket, 'hello through the tunnel')).toBe('hello through the tunnel');
    tunnel.socket.destroy();
  });

  it('accepts the token as Proxy-Authorization: Bearer', async () => {
    const grant = grantFor([`127.0.0.1:${echo.port}`]);
    const tunnel = await openTunnel(peer, `127.0.0.1:${echo.port}`, {
      'Proxy-Authorization': `Bearer ${grant.token}`,
    });
    expect(tunnel.status).toBe(200);
    tunnel.socket.destroy();
  });

  it('refuses a host outside the allowlist with 403, a reason, and a log line naming run and agent', async () => {
    const grant = grantFor(['example.com']);
    const tunnel = await openTunnel(peer, `127.0.0.1:${echo.port}`, {
      'Proxy-Authorization': basicProxyAuth(grant.token),
    });
    expect(tunnel.status).toBe(403);
    expect(tunnel.head).toContain("host 127.0.0.1 is not in the agent's allowHosts");
    expect(echo.accepted).toBe(0);
    const refusal = log.entries().find((e) => e.msg === 'gateway: proxy refused');
    expect(refusal).toMatchObject({ run: 'run-web', agent: 'researcher', target: `127.0.0.1:${echo.port}` });
  });

  it('refuses an allowed host on a port its rule does not allow', async () => {
    const grant = grantFor(['127.0.0.1']); // ports 443 and 80 only
    const tunnel = await openTunnel(peer, `127.0.0.1:${echo.port}`, {
      'Proxy-Authorization': basicProxyAuth(grant.token),
    });
    expect(tunnel.status).toBe(403);
    expect(echo.accepted).toBe(0);
  });

  it('allows nothing by default: an agent with no allowHosts gets no proxy URL and no tunnel', async () => {
    const grant = grantFor([]);
    expect(grant.httpProxy).toBeUndefined();
    const tunnel = await openTunnel(peer, `127.0.0.1:${echo.port}`, {
      'Proxy-Authorization': basicProxyAuth(grant.token),
    });
    expect(tunnel.status).toBe(403);
  });

  it.each([
    ['no credentials', {}],
    ['an unknown token', { 'Proxy-Authorization': basicProxyAuth('ocgw_unknown') }],
    ['the token in the wrong header', { Authorization: 'Bearer TOKEN' }],
  ])('answers 407 with a challenge for %s', async (_label, headers) => {
    const grant = grantFor([`127.0.0.1:${echo.port}`]);
    const withToken = Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [k, v.replace('TOKEN', grant.token)]),
    );
    const tunnel = await openTunnel(peer, `127.0.0.1:${echo.port}`, withToken);
    expect(tunnel.status).toBe(407);
    expect(tunnel.head).toContain('Proxy-Authenticate: Basic realm="omniclaw"');
    expect(echo.accepted).toBe(0);
  });

  it('answers 407 for a revoked token, and revoking cuts a tunnel that is already open', async () => {
    const grant = grantFor([`127.0.0.1:${echo.port}`]);
    const tunnel = await openTunnel(peer, `127.0.0.1:${echo.port}`, {
      'Proxy-Authorization': basicProxyAuth(grant.token),
    });
    expect(await echoThrough(tunnel.socket, 'ping')).toBe('ping');
    grant.revoke();
    await closed(tunnel.socket);
    const again = await openTunnel(peer, `127.0.0.1:${echo.port}`, {
      'Proxy-Authorization': basicProxyAuth(grant.token),
    });
    expect(again.status).toBe(407);
  });

  it('lets an exact host name reach a private address the operator named', async () => {
    const grant = grantFor([`echo.test:${echo.port}`]);
    const tunnel = await openTunnel(peer, `echo.test:${echo.port}`, {
      'Proxy-Authorization': basicProxyAuth(grant.token),
    });
    expect(tunnel.status).toBe(200);
    expect(await echoThrough(tunnel.socket, 'named')).toBe('named');
    tunnel.socket.destroy();
  });

  it('never lets a wildcard rule reach a loopback or private address (DNS rebinding)', async () => {
    const grant = grantFor([`*.wild.test:${echo.port}`, `*:${echo.port}`]);
    for (const host of ['rebind.wild.test', 'mixed.wild.test', '127.0.0.1']) {
      const tunnel = await openTunnel(peer, `${host}:${echo.port}`, {
        'Proxy-Authorization': basicProxyAuth(grant.token),
      });
      expect(tunnel.status, host).toBe(403);
      expect(tunnel.head).toMatch(/private or loopback/);
    }
    expect(echo.accepted).toBe(0);
  });

  it('answers 502 when an allowed name does not resolve, and when nothing listens', async () => {
    const grant = grantFor(['nowhere.test', '127.0.0.1:1']);
    const unresolved = await openTunnel(peer, 'nowhere.test:443', {
      'Proxy-Authorization': basicProxyAuth(grant.token),
    });
    expect(unresolved.status).toBe(502);
    expect(unresolved.head).toContain('cannot resolve nowhere.test: ENOTFOUND');
    const refused = await openTunnel(peer, '127.0.0.1:1', {
      'Proxy-Authorization': basicProxyAuth(grant.token),
    });
    expect(refused.status).toBe(502);
    expect(refused.head).toContain('ECONNREFUSED');
  });

  it('refuses a CONNECT target without a port', async () => {
    const grant = grantFor(['127.0.0.1']);
    const tunnel = await openTunnel(peer, '127.0.0.1', {
      'Proxy-Authorization': basicProxyAuth(grant.token),
    });
    expect(tunnel.status).toBe(400);
  });
});

describe('connection limits', () => {
  it('refuses a run its next connection beyond maxConnectionsPerRun with 429, per run, and frees the slot on close', async () => {
    const small = await startGateway({
      tcp: { host: '127.0.0.1', port: 0 },
      models: {},
      logger: log.logger,
      maxConnectionsPerRun: 2,
    });
    try {
      const at = { port: Number(new URL(small.tcpUrl!).port) };
      const greedy = small.grant({
        runId: 'greedy',
        agentId: 'a',
        allowHosts: [`127.0.0.1:${echo.port}`],
        transport: 'tcp',
      });
      const other = small.grant({
        runId: 'other',
        agentId: 'b',
        allowHosts: [`127.0.0.1:${echo.port}`],
        transport: 'tcp',
      });
      const open = (token: string) =>
        openTunnel(at, `127.0.0.1:${echo.port}`, { 'Proxy-Authorization': basicProxyAuth(token) });
      const first = await open(greedy.token);
      const second = await open(greedy.token);
      expect([first.status, second.status]).toEqual([200, 200]);
      const third = await open(greedy.token);
      expect(third.status).toBe(429);
      expect(third.head).toContain('already has 2 open gateway connections');
      const others = await open(other.token);
      expect(others.status).toBe(200); // another run is not starved
      first.socket.destroy();
      await closed(first.socket);
      await eventually(() => echo.open === 2);
      const again = await open(greedy.token);
      expect(again.status).toBe(200);
      for (const t of [second, others, again]) t.socket.destroy();
    } finally {
      await small.close();
    }
  });
});

describe('plain-HTTP proxying (absolute URI)', () => {
  it('forwards to an allowed host without the proxy credentials', async () => {
    const grant = grantFor([`127.0.0.1:${web.port}`]);
    const reply = await send(peer, {
      path: `${web.url}/page?q=1`,
      headers: { 'proxy-authorization': basicProxyAuth(grant.token), host: `127.0.0.1:${web.port}` },
    });
    expect(reply.status).toBe(200);
    expect(web.requests[0]).toMatchObject({ url: '/page?q=1' });
    expect(web.requests[0]!.headers.host).toBe(`127.0.0.1:${web.port}`);
    expect(web.requests[0]!.headers['proxy-authorization']).toBeUndefined();
    expect(web.requests[0]!.rawHeaders.join('\n')).not.toContain(grant.token);
  });

  it('refuses a disallowed host with 403 and sends nothing there', async () => {
    const grant = grantFor(['example.com']);
    const reply = await send(peer, {
      path: `${web.url}/page`,
      headers: { 'proxy-authorization': basicProxyAuth(grant.token) },
    });
    expect(reply.status).toBe(403);
    expect(reply.body).toContain("not in the agent's allowHosts");
    expect(web.requests).toHaveLength(0);
  });

  it('answers 407 without credentials', async () => {
    grantFor([`127.0.0.1:${web.port}`]);
    const reply = await send(peer, { path: `${web.url}/page` });
    expect(reply.status).toBe(407);
    expect(reply.headers['proxy-authenticate']).toBe('Basic realm="omniclaw"');
    expect(web.requests).toHaveLength(0);
  });

  it('works with curl given the grant’s proxy URL (userinfo becomes Proxy-Authorization)', async () => {
    const grant = grantFor([`127.0.0.1:${web.port}`]);
    expect(grant.httpProxy).toBe(`http://omniclaw:${grant.token}@127.0.0.1:${peer.port}`);
    const { stdout } = await run(
      'curl',
      ['-sS', '--max-time', '5', '--proxy', grant.httpProxy!, `${web.url}/via-curl`],
      { env: { PATH: process.env.PATH } },
    );
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, url: '/via-curl' });
    const refused = await run(
      'curl',
      [
        '-sS',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '--max-time',
        '5',
        '--proxy',
        grant.httpProxy!,
        'http://127.0.0.1:9/',
      ],
      {
        env: { PATH: process.env.PATH },
      },
    );
    expect(refused.stdout).toBe('403');
  });

  it('serves a model request addressed to the gateway itself as an absolute URI (client without NO_PROXY)', async () => {
    const up = await startFakeUpstream();
    const local = await startGateway({
      tcp: { host: '127.0.0.1', port: 0 },
      models: { openai: { baseUrl: up.url, apiKey: 'sk-real' } },
      logger: log.logger,
    });
    try {
      const grant = local.grant({ runId: 'r', agentId: 'a', allowHosts: [], transport: 'tcp' });
      const port = new URL(local.tcpUrl!).port;
      const reply = await rawExchange(
        { port: Number(port) },
        `POST ${local.tcpUrl}/openai/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${grant.token}\r\nConnection: close\r\n\r\n`,
      );
      expect(reply).toMatch(/^HTTP\/1\.1 200/);
      expect(up.requests[0]).toMatchObject({ url: '/chat/completions' });
      expect(up.requests[0]!.headers.authorization).toBe('Bearer sk-real');
    } finally {
      await local.close();
      await up.close();
    }
  });
});

describe('grants', () => {
  it('mints unguessable tokens of at least 128 bits, different for every run', () => {
    const tokens = new Set(Array.from({ length: 50 }, (_, i) => grantFor([], `r${i}`).token));
    expect(tokens.size).toBe(50);
    for (const token of tokens)
      expect(Buffer.from(token.replace(/^ocgw_/, ''), 'base64url').length).toBeGreaterThanOrEqual(16);
  });

  it('refuses an invalid allowHosts entry with the agent named', () => {
    expect(() => grantFor(['https://example.com'])).toThrow(
      /agent "researcher".*allowHosts entry "https:\/\/example\.com"/,
    );
  });

  it('refuses a socket grant from a gateway without a socket, saying why', () => {
    expect(() => gateway.grant({ runId: 'r', agentId: 'a', allowHosts: [], transport: 'socket' })).toThrow(
      /without a Unix socket/,
    );
  });

  it('close() revokes every grant and refuses new ones', async () => {
    const grant = grantFor([`127.0.0.1:${echo.port}`]);
    const tunnel = await openTunnel(peer, `127.0.0.1:${echo.port}`, {
      'Proxy-Authorization': basicProxyAuth(grant.token),
    });
    await gateway.close();
    await closed(tunnel.socket);
    expect(gateway.activeGrants).toBe(0);
    expect(() => grantFor([])).toThrow(/closed/);
  });

  it('never logs a token', async () => {
    const grant = grantFor([`127.0.0.1:${echo.port}`]);
    await openTunnel(peer, `127.0.0.1:${echo.port + 1}`, {
      'Proxy-Authorization': basicProxyAuth(grant.token),
    });
    await eventually(() => log.text().includes('proxy refused'));
    expect(log.text()).not.toContain(grant.token);
    expect(log.text()).not.toContain(basicProxyAuth(grant.token).slice(6));
  });
});
