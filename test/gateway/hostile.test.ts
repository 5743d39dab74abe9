/**
 * A sandbox is untrusted: everything it can put on the wire is tried here, byte for byte.
 * After each attempt the gateway must still answer an honest request.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import { startGateway, type StartedGateway } from '../../src/gateway/gateway.js';
import {
  startEchoServer,
  startFakeUpstream,
  type EchoServer,
  type FakeUpstream,
} from '../fakes/fake-upstream.js';
import {
  basicProxyAuth,
  captureLogger,
  closed as closedSocket,
  eventually,
  openTunnel,
  rawExchange,
  send,
} from './helpers.js';

const REAL_KEY = 'sk-ant-api03-REAL-hostile-suite';

let upstream: FakeUpstream;
let web: FakeUpstream;
let echo: EchoServer;
let gateway: StartedGateway;
let peer: { port: number };
let token: string;
let log: ReturnType<typeof captureLogger>;

beforeEach(async () => {
  upstream = await startFakeUpstream();
  web = await startFakeUpstream();
  echo = await startEchoServer();
  log = captureLogger();
  gateway = await startGateway({
    tcp: { host: '127.0.0.1', port: 0 },
    models: {
      anthropic: { baseUrl: upstream.url, apiKey: REAL_KEY },
      openai: { baseUrl: `${upstream.url}/v1`, apiKey: 'sk-openai' },
    },
    logger: log.logger,
  });
  peer = { port: Number(new URL(gateway.tcpUrl!).port) };
  token = gateway.grant({
    runId: 'run-h',
    agentId: 'mallory',
    allowHosts: [`127.0.0.1:${echo.port}`],
    transport: 'tcp',
  }).token;
});

afterEach(async () => {
  // Whatever happened, the gateway still serves an honest request.
  upstream.handle((_req, res) => res.end('{}'));
  const honest = await send(peer, {
    method: 'POST',
    path: '/anthropic/v1/messages',
    headers: { 'x-api-key': token },
  });
  expect(honest.status).toBe(200);
  await gateway.close();
  await upstream.close();
  await web.close();
  await echo.close();
});

const statusOf = (raw: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
const modelRequests = (): number => upstream.requests.filter((r) => r.url !== '/v1/models').length;

describe('hostile input', () => {
  it('answers 431 to a huge header block and forwards nothing', async () => {
    const raw = await rawExchange(
      peer,
      `POST /anthropic/v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: ${token}\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`,
    );
    expect(statusOf(raw)).toBe(431);
    expect(modelRequests()).toBe(0);
  });

  it('answers 400 to a malformed request line', async () => {
    for (const line of [
      'GARBAGE\r\n\r\n',
      'GET\r\n\r\n',
      'POST /anthropic/v1/messages HTTP/9.9\r\n\r\n',
      '\x00\x01\x02 / HTTP/1.1\r\n\r\n',
    ]) {
      expect(statusOf(await rawExchange(peer, line)), JSON.stringify(line)).toBe(400);
    }
    expect(modelRequests()).toBe(0);
  });

  it.each([
    ['/anthropic/../openai/chat/completions', 'a dot-dot into another route'],
    ['/openai/v1/../../admin', 'a dot-dot out of the base path'],
    ['/openai/%2e%2e/admin', 'an encoded dot-dot'],
    ['/openai/%2E%2e%2fadmin', 'an encoded dot-dot and slash'],
    ['/openai/..%5cadmin', 'an encoded backslash'],
    ['/openai/%252e%252e/admin', 'a double-encoded dot-dot'],
  ])('refuses %s (%s) with 400 and forwards nothing', async (path) => {
    const raw = await rawExchange(
      peer,
      `GET ${path} HTTP/1.1\r\nHost: x\r\nx-api-key: ${token}\r\nConnection: close\r\n\r\n`,
    );
    expect(statusOf(raw)).toBe(400);
    expect(modelRequests()).toBe(0);
  });

  it('refuses an absolute-URI request for a disallowed host with 403 and sends nothing there', async () => {
    const raw = await rawExchange(
      peer,
      `GET ${web.url}/steal HTTP/1.1\r\nHost: 127.0.0.1:${web.port}\r\nProxy-Authorization: ${basicProxyAuth(token)}\r\nConnection: close\r\n\r\n`,
    );
    expect(statusOf(raw)).toBe(403);
    expect(web.requests).toHaveLength(0);
    await eventually(() => log.text().includes('proxy refused'));
    expect(log.entries().find((e) => e.msg === 'gateway: proxy refused')).toMatchObject({
      run: 'run-h',
      agent: 'mallory',
    });
  });

  it('refuses an absolute URI for https:// (that needs CONNECT) and one with userinfo', async () => {
    const auth = `Proxy-Authorization: ${basicProxyAuth(token)}\r\nConnection: close\r\n\r\n`;
    expect(
      statusOf(await rawExchange(peer, `GET https://127.0.0.1:${echo.port}/ HTTP/1.1\r\nHost: h\r\n${auth}`)),
    ).toBe(400);
    expect(
      statusOf(
        await rawExchange(peer, `GET http://user:pw@127.0.0.1:${echo.port}/ HTTP/1.1\r\nHost: h\r\n${auth}`),
      ),
    ).toBe(400);
    expect(echo.accepted).toBe(0);
  });

  describe('header injection with CR/LF', () => {
    it('refuses a bare CR inside a header value', async () => {
      const raw = await rawExchange(
        peer,
        `POST /anthropic/v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: ${token}\r\nX-Note: a\rx-api-key: sk-attacker\r\n\r\n`,
      );
      expect(statusOf(raw)).toBe(400);
      expect(modelRequests()).toBe(0);
    });

    it('refuses an encoded CRLF in the path', async () => {
      const raw = await rawExchange(
        peer,
        `GET /anthropic/v1/messages%0d%0aX-Injected:%201 HTTP/1.1\r\nHost: x\r\nx-api-key: ${token}\r\nConnection: close\r\n\r\n`,
      );
      expect(statusOf(raw)).toBe(400);
      expect(modelRequests()).toBe(0);
    });

    it('refuses CR/LF smuggled into a CONNECT target', async () => {
      const raw = await rawExchange(
        peer,
        `CONNECT 127.0.0.1:${echo.port}\rX: y HTTP/1.1\r\nProxy-Authorization: ${basicProxyAuth(token)}\r\n\r\n`,
      );
      expect(statusOf(raw)).toBe(400);
      expect(echo.accepted).toBe(0);
    });

    it('refuses an encoded CRLF in an absolute URI host', async () => {
      const raw = await rawExchange(
        peer,
        `GET http://127.0.0.1%0d%0aX-Injected:1/ HTTP/1.1\r\nHost: h\r\nProxy-Authorization: ${basicProxyAuth(token)}\r\nConnection: close\r\n\r\n`,
      );
      expect(statusOf(raw)).toBe(400);
      expect(web.requests).toHaveLength(0);
    });

    it('cannot override the injected key: a second x-api-key makes the token unreadable (401)', async () => {
      const raw = await rawExchange(
        peer,
        `POST /anthropic/v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: ${token}\r\nx-api-key: sk-attacker\r\nConnection: close\r\n\r\n`,
      );
      expect(statusOf(raw)).toBe(401);
      expect(modelRequests()).toBe(0);
    });

    it('never lets a sandbox-sent credential header reach the upstream next to the real one', async () => {
      await rawExchange(
        peer,
        `POST /anthropic/v1/messages HTTP/1.1\r\nHost: evil.example\r\nAuthorization: Bearer sk-attacker\r\nx-api-key: ${token}\r\nConnection: close\r\n\r\n`,
      );
      const seen = upstream.requests.find((r) => r.url === '/v1/messages')!;
      expect(seen.headers['x-api-key']).toBe(REAL_KEY);
      expect(seen.headers.authorization).toBeUndefined();
      expect(seen.headers.host).toBe(new URL(upstream.url).host);
    });
  });

  it('refuses request smuggling (Content-Length with Transfer-Encoding)', async () => {
    const raw = await rawExchange(
      peer,
      `POST /anthropic/v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: ${token}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /openai/models HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    expect(statusOf(raw)).toBe(400);
    expect(upstream.requests).toHaveLength(0);
  });

  it('does not tunnel an Upgrade (WebSocket) request: it is an ordinary request upstream, or refused', async () => {
    const raw = await rawExchange(
      peer,
      `GET /openai/realtime HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      1000,
    );
    expect(statusOf(raw)).not.toBe(101);
    for (const seen of upstream.requests) expect(seen.headers.upgrade).toBeUndefined();
  });

  it('treats an absurdly long token as unknown', async () => {
    const raw = await rawExchange(
      peer,
      `POST /anthropic/v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: ocgw_${'A'.repeat(8000)}\r\nConnection: close\r\n\r\n`,
    );
    expect(statusOf(raw)).toBe(401);
  });

  it('drops connections beyond maxConnections at once, so a flood cannot exhaust the host', async () => {
    const capped = await startGateway({
      tcp: { host: '127.0.0.1', port: 0 },
      models: {},
      logger: log.logger,
      maxConnections: 3,
    });
    const port = Number(new URL(capped.tcpUrl!).port);
    const sockets: net.Socket[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const socket = net.connect({ host: '127.0.0.1', port });
        sockets.push(socket);
        await new Promise((resolve) => socket.once('connect', resolve));
      }
      await new Promise((resolve) => setTimeout(resolve, 50)); // let the server count them
      const extra = net.connect({ host: '127.0.0.1', port });
      sockets.push(extra);
      await closedSocket(extra);
      expect(sockets.slice(0, 3).every((s) => !s.destroyed)).toBe(true);
    } finally {
      for (const socket of sockets) socket.destroy();
      await capped.close();
    }
  });

  describe('dead peers', () => {
    it('survives a client that sends half a request and vanishes', async () => {
      await rawExchange(
        peer,
        `POST /anthropic/v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: ${token}\r\nContent-Length: 1000\r\n\r\n{"partial`,
        100,
      );
    });

    it('closes the site side of a tunnel when the agent side dies', async () => {
      const tunnel = await openTunnel(peer, `127.0.0.1:${echo.port}`, {
        'Proxy-Authorization': basicProxyAuth(token),
      });
      expect(tunnel.status).toBe(200);
      await eventually(() => echo.open === 1);
      tunnel.socket.destroy();
      await eventually(() => echo.open === 0);
    });

    it('stops the upstream call when the agent hangs up mid-stream', async () => {
      let upstreamClosed = false;
      upstream.handle((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: 1\n\n');
        res.on('close', () => (upstreamClosed = true));
      });
      await new Promise<void>((resolve) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port: peer.port,
            method: 'POST',
            path: '/anthropic/v1/messages',
            headers: { 'x-api-key': token },
          },
          (res) => {
            res.once('data', () => {
              req.destroy();
              resolve();
            });
          },
        );
        req.on('error', () => {});
        req.end();
      });
      await eventually(() => upstreamClosed);
    });

    it('cuts the agent’s connection when the upstream dies mid-stream, instead of hanging', async () => {
      upstream.handle((req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: 1\n\n');
        setTimeout(() => req.socket.destroy(), 20);
      });
      const outcome = await new Promise<string>((resolve) => {
        http
          .request(
            {
              host: '127.0.0.1',
              port: peer.port,
              method: 'POST',
              path: '/anthropic/v1/messages',
              headers: { 'x-api-key': token },
            },
            (res) => {
              res.on('data', () => {});
              res.on('end', () => resolve('clean end'));
              res.on('error', () => resolve('cut'));
              res.on('aborted', () => resolve('cut'));
            },
          )
          .on('error', () => resolve('cut'))
          .end();
      });
      expect(outcome).toBe('cut');
    });
  });
});
