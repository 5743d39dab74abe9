/**
 * /healthz (the process is alive and its event loop turns), /readyz (database, channels,
 * sandbox) and /metrics (Prometheus), on http.host:port — 127.0.0.1 by default.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface ReadinessCheck {
  name: string;
  check(): { ok: boolean; detail?: string } | Promise<{ ok: boolean; detail?: string }>;
}

export interface HttpServerOptions {
  host: string;
  port: number;
  registry: Registry;
  readiness: ReadinessCheck[];
}

export class ObservabilityServer {
  private server: Server | undefined;
  address: { host: string; port: number } | undefined;

  constructor(private readonly options: HttpServerOptions) {}

  async listen(): Promise<{ host: string; port: number }> {
    const server = createServer((req, res) => {
      void this.route(req.method ?? 'GET', (req.url ?? '/').split('?')[0]!).then(
        ({ status, type, body }) => {
          res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
          res.end(body);
        },
        (err: Error) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`internal error: ${err.message}\n`);
        },
      );
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new Error(
            err.code === 'EADDRINUSE'
              ? `http port ${this.options.port} on ${this.options.host} is in use: set http.port in omniclaw.yaml (0 picks a free one)`
              : `cannot listen on ${this.options.host}:${this.options.port}: ${err.message}`,
          ),
        ),
      );
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    const addr = server.address() as AddressInfo;
    this.address = { host: this.options.host, port: addr.port };
    return this.address;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async route(method: string, path: string): Promise<{ status: number; type: string; body: string }> {
    if (method !== 'GET') return { status: 405, type: 'text/plain', body: 'method not allowed\n' };
    if (path === '/healthz') return { status: 200, type: 'application/json', body: '{"ok":true}\n' };
    if (path === '/readyz') {
      const results = await Promise.all(
        this.options.readiness.map(async (c) => {
          try {
            return { name: c.name, ...(await c.check()) };
          } catch (err) {
            return { name: c.name, ok: false, detail: (err as Error).message };
          }
        }),
      );
      const ok = results.every((r) => r.ok);
      return {
        status: ok ? 200 : 503,
        type: 'application/json',
        body: JSON.stringify({ ok, checks: results }) + '\n',
      };
    }
    if (path === '/metrics') {
      return {
        status: 200,
        type: this.options.registry.contentType,
        body: await this.options.registry.metrics(),
      };
    }
    return { status: 404, type: 'text/plain', body: 'not found: try /healthz, /readyz or /metrics\n' };
  }
}
