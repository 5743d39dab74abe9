import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync, lstatSync, existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startGateway, type StartedGateway } from '../../src/gateway/gateway.js';
import { startForwarder, type Forwarder } from '../../runner/src/forwarder.js';
import { silentLogger } from '../../src/observability/logger.js';
import {
  startEchoServer,
  startFakeUpstream,
  type EchoServer,
  type FakeUpstream,
} from '../fakes/fake-upstream.js';
import { basicProxyAuth, echoThrough, openTunnel, rawExchange, send, type Peer } from './helpers.js';

const run = promisify(execFile);
const REAL_KEY = 'sk-ant-api03-REAL-behind-the-socket';

let dir: string;
let socketPath: string;
let upstream: FakeUpstream;
let echo: EchoServer;
let forwarder: Forwarder;
let gateway: StartedGateway;
let inside: Peer;

const start = (): Promise<StartedGateway> =>
  startGateway({
    socketPath,
    forwarderPort: forwarder.port,
    models: { anthropic: { baseUrl: upstream.url, apiKey: REAL_KEY } },
    logger: silentLogger(),
  });

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ocgw-'));
  socketPath = join(dir, 'run', 'gateway.sock');
  upstream = await startFakeUpstream();
  echo = await startEchoServer();
  // The forwarder starts before the gateway, as in a sandbox: it connects per connection.
  forwarder = await startForwarder(socketPath, 0);
  gateway = await start();
  inside = { port: forwarder.port };
});

afterEach(async () => {
  await forwarder.close();
  await gateway.close();
  await upstream.close();
  await echo.close();
  rmSync(dir, { recursive: true, force: true });
});

const socketGrant = (allowHosts: string[] = []) =>
  gateway.grant({ runId: 'run-s', agentId: 'main', allowHosts, transport: 'socket' });

describe('gateway over a Unix socket, reached through the in-sandbox forwarder', () => {
  it('grants forwarder endpoints and names the socket to mount', () => {
    const grant = socketGrant([`127.0.0.1:${echo.port}`]);
    expect(grant.endpoints.anthropic).toEqual({
      baseUrl: `http://127.0.0.1:${forwarder.port}/anthropic`,
      token: grant.token,
    });
    expect(grant.httpProxy).toBe(`http://omniclaw:${grant.token}@127.0.0.1:${forwarder.port}`);
    expect(grant.socketPath).toBe(socketPath);
    expect(grant.tcpUrl).toBeUndefined();
  });

  it('carries a model request: the real key arrives upstream, the token does not', async () => {
    const grant = socketGrant();
    const reply = await send(inside, {
      method: 'POST',
      path: '/anthropic/v1/messages',
      headers: { 'x-api-key': grant.token },
      body: '{}',
    });
    expect(reply.status).toBe(200);
    expect(upstream.requests[0]!.headers['x-api-key']).toBe(REAL_KEY);
    expect(upstream.requests[0]!.rawHeaders.join('\n')).not.toContain(grant.token);
  });

  it('streams server-sent events through the forwarder without buffering', async () => {
    let finish: () => void = () => {};
    upstream.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      finish = () => res.end('data: two\n\n');
    });
    const grant = socketGrant();
    const chunks: string[] = [];
    await new Promise<void>((resolve, reject) => {
      http
        .request(
          {
            host: '127.0.0.1',
            port: forwarder.port,
            method: 'POST',
            path: '/anthropic/v1/messages',
            headers: { 'x-api-key': grant.token },
          },
          (res) => {
            res.on('data', (c: Buffer) => {
              chunks.push(c.toString());
              if (chunks.length === 1) finish();
            });
            res.on('end', resolve);
          },
        )
        .on('error', reject)
        .end();
    });
    expect(chunks[0]).toBe('data: one\n\n');
  });

  it('carries a CONNECT tunnel to an allowed host', async () => {
    const grant = socketGrant([`127.0.0.1:${echo.port}`]);
    const tunnel = await openTunnel(inside, `127.0.0.1:${echo.port}`, {
      'Proxy-Authorization': basicProxyAuth(grant.token),
    });
    expect(tunnel.status).toBe(200);
    expect(await echoThrough(tunnel.socket, 'x'.repeat(100_000))).toBe('x'.repeat(100_000));
    tunnel.socket.destroy();
  });

  it('passes refusals back intact: a disallowed CONNECT gets its 403 and reason', async () => {
    const grant = socketGrant([]);
    const tunnel = await openTunnel(inside, `127.0.0.1:${echo.port}`, {
      'Proxy-Authorization': basicProxyAuth(grant.token),
    });
    expect(tunnel.status).toBe(403);
    expect(tunnel.head).toContain('not in the agent');
  });

  it('works for curl inside the sandbox given HTTPS_PROXY-style proxy URL and a model base URL', async () => {
    const grant = socketGrant([`127.0.0.1:${upstream.port}`]);
    const env = { PATH: process.env.PATH };
    const viaProxy = await run(
      'curl',
      ['-sS', '--max-time', '5', '--proxy', grant.httpProxy!, `${upstream.url}/page`],
      { env },
    );
    expect(JSON.parse(viaProxy.stdout)).toMatchObject({ url: '/page' });
    const model = await run(
      'curl',
      [
        '-sS',
        '--max-time',
        '5',
        '--noproxy',
        '*',
        '-H',
        `x-api-key: ${grant.token}`,
        '-X',
        'POST',
        `${grant.endpoints.anthropic!.baseUrl}/v1/messages`,
      ],
      { env },
    );
    expect(JSON.parse(model.stdout)).toMatchObject({ url: '/v1/messages' });
  });

  it('survives the gateway going away: connections fail, and work again once it is back', async () => {
    const grant = socketGrant();
    await gateway.close();
    const whileDown = await rawExchange(
      inside,
      'POST /anthropic/v1/messages HTTP/1.1\r\nHost: x\r\n\r\n',
      2000,
    );
    expect(whileDown).toBe(''); // connection reset: the forwarder does not speak HTTP
    gateway = await start();
    const fresh = socketGrant();
    expect(
      (
        await send(inside, {
          method: 'POST',
          path: '/anthropic/v1/messages',
          headers: { 'x-api-key': fresh.token },
        })
      ).status,
    ).toBe(200);
    // The old gateway's grants died with it.
    expect(
      (
        await send(inside, {
          method: 'POST',
          path: '/anthropic/v1/messages',
          headers: { 'x-api-key': grant.token },
        })
      ).status,
    ).toBe(401);
  });

  it('close() ends connections that are still open', async () => {
    const grant = socketGrant([`127.0.0.1:${echo.port}`]);
    const tunnel = await openTunnel(inside, `127.0.0.1:${echo.port}`, {
      'Proxy-Authorization': basicProxyAuth(grant.token),
    });
    const closedTunnel = new Promise((resolve) => tunnel.socket.once('close', resolve));
    await forwarder.close();
    await closedTunnel;
    forwarder = await startForwarder(socketPath, 0); // for afterEach
  });

  it('says which port it could not take', async () => {
    await expect(startForwarder(socketPath, forwarder.port)).rejects.toThrow(
      `127.0.0.1:${forwarder.port} (EADDRINUSE)`,
    );
  });
});

describe('the gateway socket file', () => {
  it('is connectable by any sandbox uid (0666) inside a folder only the operator can enter (0700)', () => {
    expect(statSync(socketPath).mode & 0o777).toBe(0o666);
    expect(statSync(join(dir, 'run')).mode & 0o777).toBe(0o700);
  });

  it('is removed on close', async () => {
    await gateway.close();
    expect(existsSync(socketPath)).toBe(false);
    gateway = await start();
  });

  it('replaces a stale socket left by a crashed process', async () => {
    await gateway.close();
    const crash = spawnSync(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    expect(crash.signal).toBe('SIGKILL');
    expect(lstatSync(socketPath).isSocket()).toBe(true);
    gateway = await start();
    const grant = socketGrant();
    expect(
      (
        await send(
          { path: socketPath },
          { method: 'POST', path: '/anthropic/v1/messages', headers: { 'x-api-key': grant.token } },
        )
      ).status,
    ).toBe(200);
  });

  it('refuses to start while another gateway listens on the same socket', async () => {
    await expect(start()).rejects.toThrow(/another process is already listening on/);
    // and the running one is untouched
    const grant = socketGrant();
    expect(
      (
        await send(
          { path: socketPath },
          { method: 'POST', path: '/anthropic/v1/messages', headers: { 'x-api-key': grant.token } },
        )
      ).status,
    ).toBe(200);
  });

  it('refuses to replace a file that is not a socket', async () => {
    const notASocket = join(dir, 'important.txt');
    writeFileSync(notASocket, 'keep me');
    await expect(
      startGateway({ socketPath: notASocket, models: {}, logger: silentLogger() }),
    ).rejects.toThrow(/is not a socket; refusing/);
    expect(statSync(notASocket).size).toBe(7);
  });

  it('refuses a socket path too long for the kernel, with a hint', async () => {
    const long = join(dir, 'x'.repeat(120), 'gateway.sock');
    await expect(startGateway({ socketPath: long, models: {}, logger: silentLogger() })).rejects.toThrow(
      /longer than Unix sockets allow/,
    );
  });
});

describe('the forwarder alone (bytes, no HTTP)', () => {
  it('forwards a half-close: a peer that answers only after end-of-input still gets its answer back', async () => {
    const rawDir = mkdtempSync(join(tmpdir(), 'ocfw-'));
    const rawSocket = join(rawDir, 'raw.sock');
    const counter = net.createServer({ allowHalfOpen: true }, (conn) => {
      let bytes = 0;
      conn.on('data', (c: Buffer) => (bytes += c.length));
      conn.on('end', () => conn.end(`got ${bytes} bytes`));
    });
    await new Promise<void>((resolve) => counter.listen(rawSocket, resolve));
    const raw = await startForwarder(rawSocket, 0);
    try {
      const answer = await new Promise<string>((resolve, reject) => {
        const client = net.connect({ host: '127.0.0.1', port: raw.port, allowHalfOpen: true }, () =>
          client.end('y'.repeat(70_000)),
        );
        let text = '';
        client.on('data', (c: Buffer) => (text += c.toString()));
        client.on('end', () => resolve(text));
        client.on('error', reject);
      });
      expect(answer).toBe('got 70000 bytes');
    } finally {
      await raw.close();
      await new Promise((resolve) => counter.close(resolve));
      rmSync(rawDir, { recursive: true, force: true });
    }
  });
});
