/**
 * Generic fakes on 127.0.0.1 for gateway tests and benchmarks:
 *
 *   const upstream = await startFakeUpstream();     // HTTP server that records every request
 *   upstream.handle((req, res, body) => ...);       // answer as the test needs (default: 200 JSON)
 *   upstream.requests                               // [{ method, url, headers, rawHeaders, body }]
 *
 *   const echo = await startEchoServer();           // TCP server that echoes bytes back
 *
 * The default answer is `{ ok: true, method, url }`, small and instant, so a benchmark
 * measures the gateway and not the fake.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';

export interface UpstreamRecord {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** Header names and values exactly as they arrived, for "never arrives" assertions. */
  rawHeaders: string[];
  body: string;
}

export type UpstreamHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export interface FakeUpstream {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  requests: UpstreamRecord[];
  /** Replaces the handler for the requests that follow. */
  handle(handler: UpstreamHandler): void;
  /** Stop recording (benchmarks: thousands of requests). */
  record: boolean;
  close(): Promise<void>;
}

const defaultHandler: UpstreamHandler = (req, res) => {
  const body = JSON.stringify({ ok: true, method: req.method, url: req.url });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
};

export async function startFakeUpstream(): Promise<FakeUpstream> {
  let handler = defaultHandler;
  const fake: FakeUpstream = {
    url: '',
    port: 0,
    requests: [],
    record: true,
    handle: (next) => {
      handler = next;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (fake.record) {
        fake.requests.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          rawHeaders: req.rawHeaders,
          body,
        });
      }
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  fake.port = (server.address() as AddressInfo).port;
  fake.url = `http://127.0.0.1:${fake.port}`;
  return fake;
}

export interface EchoServer {
  port: number;
  /** Connections accepted so far. */
  accepted: number;
  /** Connections open now. */
  readonly open: number;
  close(): Promise<void>;
}

export async function startEchoServer(): Promise<EchoServer> {
  const sockets = new Set<net.Socket>();
  const echo: EchoServer = {
    port: 0,
    accepted: 0,
    get open() {
      return sockets.size;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
  const server = net.createServer((socket) => {
    echo.accepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  echo.port = (server.address() as AddressInfo).port;
  return echo;
}
