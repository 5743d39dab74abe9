/**
 * The Linux path for real, in bubblewrap and in Docker: a sandbox with no network but its
 * own loopback, the gateway socket bind-mounted in (the file only), the compiled forwarder
 * (dist/, built by the global test setup) running inside as uid 1000. The sandbox reaches
 * its model through the gateway with the real key injected, opens an allowed tunnel, and
 * cannot reach the host's loopback directly. The Docker case also shows why the socket is
 * 0666: the container user is not the socket's owner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startGateway, type StartedGateway } from '../../src/gateway/gateway.js';
import { silentLogger } from '../../src/observability/logger.js';
import {
  startEchoServer,
  startFakeUpstream,
  type EchoServer,
  type FakeUpstream,
} from '../fakes/fake-upstream.js';

const run = promisify(execFile);
const forwarderJs = fileURLToPath(new URL('../../runner/dist/runner/src/forwarder.js', import.meta.url));
const REAL_KEY = 'sk-ant-api03-REAL-outside-the-sandbox';
/** The agent image (omniclaw.yaml sandbox.image default), built by CI before the tests. */
const IMAGE = 'omniclaw-agent:latest';

interface InsideReport {
  uid: number;
  model: { status?: number; body?: string; error?: string };
  tunnel: string;
  direct: string;
  secrets: boolean;
}
const lastJsonLine = (stdout: string): InsideReport =>
  JSON.parse(stdout.trim().split('\n').pop()!) as InsideReport;

/** Runs inside the sandbox; prints one JSON line of what it could and could not do. */
const insideScript = (forwarderPath: string): string => `
import http from 'node:http';
import net from 'node:net';
import { startForwarder } from ${JSON.stringify(forwarderPath)};
const [token, echoPort, hostPort] = process.argv.slice(2);
const forwarder = await startForwarder('/run/omniclaw/gateway.sock', 3128);
const model = await new Promise((resolve) => {
  http.request({ method: 'POST', host: '127.0.0.1', port: 3128, path: '/anthropic/v1/messages', headers: { 'x-api-key': token } }, (res) => {
    let body = '';
    res.on('data', (c) => (body += c));
    res.on('end', () => resolve({ status: res.statusCode, body }));
  }).on('error', (e) => resolve({ error: e.code })).end();
});
const tunnel = await new Promise((resolve) => {
  const s = net.connect({ host: '127.0.0.1', port: 3128 }, () => {
    const auth = Buffer.from('omniclaw:' + token).toString('base64');
    s.write('CONNECT 127.0.0.1:' + echoPort + ' HTTP/1.1\\r\\nProxy-Authorization: Basic ' + auth + '\\r\\n\\r\\n');
  });
  let text = '';
  s.on('data', (c) => {
    text += c;
    if (text.endsWith('\\r\\n\\r\\n')) s.write('ping');
    if (text.endsWith('ping')) { s.destroy(); resolve(text.split('\\r\\n')[0] + ' / ping'); }
  });
  s.on('error', (e) => resolve('error ' + e.code));
});
const direct = await new Promise((resolve) => {
  const s = net.connect({ host: '127.0.0.1', port: Number(hostPort) }, () => { s.destroy(); resolve('connected'); });
  s.on('error', (e) => resolve(e.code));
});
const secrets = JSON.stringify(process.env).includes('sk-');
console.log(JSON.stringify({ uid: process.getuid(), model, tunnel, direct, secrets }));
await forwarder.close();
`;

let dir: string;
let upstream: FakeUpstream;
let echo: EchoServer;
let gateway: StartedGateway;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ocgw-bwrap-'));
  // Mounted in, not read through the host path: the checkout may sit under a folder the
  // sandbox's uid cannot traverse (a 0700 temp dir, as CI's clone may be).
  writeFileSync(join(dir, 'inside.mjs'), insideScript('/run/forwarder.mjs'));
  writeFileSync(join(dir, 'inside-docker.mjs'), insideScript('/opt/omniclaw/forwarder.mjs'));
  upstream = await startFakeUpstream();
  echo = await startEchoServer();
  gateway = await startGateway({
    socketPath: join(dir, 'sock', 'gateway.sock'),
    models: { anthropic: { baseUrl: upstream.url, apiKey: REAL_KEY } },
    logger: silentLogger(),
  });
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
  await echo.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('gateway reached from a real bubblewrap sandbox without network', () => {
  it('serves the model with the real key, tunnels to an allowed host, and is the only way out', async () => {
    const grant = gateway.grant({
      runId: 'bwrap-run',
      agentId: 'main',
      allowHosts: [`127.0.0.1:${echo.port}`],
      transport: 'socket',
    });
    const { stdout } = await run(
      'bwrap',
      [
        ...['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp', '--tmpfs', '/run'],
        ...[
          '--unshare-all',
          '--die-with-parent',
          '--new-session',
          '--uid',
          '1000',
          '--gid',
          '1000',
          '--cap-drop',
          'ALL',
        ],
        ...['--dir', '/run/omniclaw', '--ro-bind', grant.socketPath!, '/run/omniclaw/gateway.sock'],
        ...['--ro-bind', join(dir, 'inside.mjs'), '/run/inside.mjs'],
        ...['--ro-bind', forwarderJs, '/run/forwarder.mjs'],
        ...['--clearenv', '--setenv', 'PATH', process.env.PATH ?? '/usr/bin:/bin'],
        process.execPath,
        '/run/inside.mjs',
        grant.token,
        String(echo.port),
        String(upstream.port),
      ],
      { timeout: 20_000 },
    );
    const seen = lastJsonLine(stdout);
    expect(seen.uid).toBe(1000);
    expect(seen.model.status).toBe(200);
    expect(JSON.parse(seen.model.body!)).toMatchObject({ url: '/v1/messages' });
    expect(upstream.requests.at(-1)!.headers['x-api-key']).toBe(REAL_KEY);
    expect(seen.tunnel).toBe('HTTP/1.1 200 Connection Established / ping');
    // The host's upstream listens on the host's 127.0.0.1; the sandbox's loopback is its own.
    expect(seen.direct).toBe('ECONNREFUSED');
    expect(seen.secrets).toBe(false);
  });
});

describe('gateway reached from a real Docker container (--network none, --user 1000)', () => {
  const dockerRun = async (token: string): Promise<InsideReport> => {
    const { stdout } = await run(
      'docker',
      [
        ...['run', '--rm', '--network', 'none', '--user', '1000:1000', '--cap-drop', 'ALL'],
        ...['--security-opt', 'no-new-privileges', '--read-only'],
        ...['--mount', `type=bind,source=${gateway.socketPath},target=/run/omniclaw/gateway.sock,readonly`],
        // .mjs: outside our package.json, Node 20 would read a .js file as CommonJS.
        ...['--mount', `type=bind,source=${forwarderJs},target=/opt/omniclaw/forwarder.mjs,readonly`],
        ...[
          '--mount',
          `type=bind,source=${join(dir, 'inside-docker.mjs')},target=/opt/omniclaw/inside.mjs,readonly`,
        ],
        ...[
          '--entrypoint',
          'node',
          IMAGE,
          '/opt/omniclaw/inside.mjs',
          token,
          String(echo.port),
          String(upstream.port),
        ],
      ],
      { timeout: 60_000 },
    );
    return lastJsonLine(stdout);
  };

  it('serves a container user that does not own the socket, and nothing else is reachable', async () => {
    const grant = gateway.grant({
      runId: 'docker-run',
      agentId: 'main',
      allowHosts: [`127.0.0.1:${echo.port}`],
      transport: 'socket',
    });
    const before = upstream.requests.length;
    const seen = await dockerRun(grant.token);
    expect(seen.uid).toBe(1000);
    expect(seen.model.status).toBe(200);
    expect(upstream.requests.length).toBe(before + 1);
    expect(upstream.requests.at(-1)!.headers['x-api-key']).toBe(REAL_KEY);
    expect(seen.tunnel).toBe('HTTP/1.1 200 Connection Established / ping');
    expect(seen.direct).toBe('ECONNREFUSED');
    expect(seen.secrets).toBe(false);
  });

  it('would lock that user out if the socket were 0600 (why it is 0666)', async () => {
    const grant = gateway.grant({
      runId: 'docker-0600',
      agentId: 'main',
      allowHosts: [],
      transport: 'socket',
    });
    chmodSync(gateway.socketPath!, 0o600);
    try {
      const seen = await dockerRun(grant.token);
      expect(seen.model.status).toBeUndefined();
      expect(seen.model.error).toBe('ECONNRESET');
    } finally {
      chmodSync(gateway.socketPath!, 0o666);
    }
  });
});
