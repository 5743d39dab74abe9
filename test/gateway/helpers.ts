/**
 * Small clients for gateway tests: plain HTTP over TCP or a Unix socket, raw bytes for
 * hostile input, CONNECT tunnels, and a logger whose output the test can read.
 */
import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import net from 'node:net';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

/** Where a client connects: TCP on 127.0.0.1, or a Unix socket. */
export type Peer = { port: number } | { path: string };

const connectTo = (peer: Peer): net.Socket =>
  'path' in peer ? net.connect({ path: peer.path }) : net.connect({ host: '127.0.0.1', port: peer.port });

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export function send(
  peer: Peer,
  options: { method?: string; path: string; headers?: OutgoingHttpHeaders; body?: string },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        ...('path' in peer ? { socketPath: peer.path } : { host: '127.0.0.1', port: peer.port }),
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Writes raw bytes and collects everything until the peer closes (or the timeout). */
export function rawExchange(peer: Peer, data: string | Buffer, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connectTo(peer);
    const chunks: Buffer[] = [];
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', finish);
    socket.on('error', finish);
    socket.write(data);
  });
}

/** Opens a CONNECT tunnel; resolves with the status line and the socket (open if 200). */
export function openTunnel(
  peer: Peer,
  target: string,
  headers: Record<string, string>,
): Promise<{ status: number; head: string; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const socket = connectTo(peer);
    let buffered = '';
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(buffered)?.[1] ?? 0);
      resolve({ status, head: buffered, socket });
    };
    socket.on('data', onData);
    socket.on('error', reject);
    const lines = [
      `CONNECT ${target} HTTP/1.1`,
      `Host: ${target}`,
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ];
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
}

/** Sends `text` through an open tunnel to an echo server and waits for it to come back. */
export function echoThrough(socket: net.Socket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const onData = (chunk: Buffer): void => {
      got += chunk.toString();
      if (got.length >= text.length) {
        socket.off('data', onData);
        resolve(got);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(text);
  });
}

/** Resolves when the socket closes (for "revoke cuts the tunnel"). */
export const closed = (socket: net.Socket): Promise<void> =>
  new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

export const basicProxyAuth = (token: string): string =>
  `Basic ${Buffer.from(`omniclaw:${token}`).toString('base64')}`;

/** A real pino logger at debug level whose JSON lines the test can read and search. */
export function captureLogger(): {
  logger: Logger;
  text: () => string;
  entries: () => Record<string, unknown>[];
} {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  return {
    logger,
    text: () => lines.join('\n'),
    entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** Waits until `check` is true, polling briefly; for asserting on logs written asynchronously. */
export async function eventually(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
