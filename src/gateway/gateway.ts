/**
 * The egress gateway: one per host process, a sandbox's only way out.
 *
 * It listens on a Unix socket (mounted into Linux sandboxes, which have no network but
 * loopback; the in-sandbox forwarder bridges 127.0.0.1:3128 to it) and optionally on a TCP
 * address (for backends that cannot mount a socket). One HTTP server per listener, the
 * same handlers behind both:
 *   origin-form  `/anthropic/…`, `/openai/…`   → model routes (model-routes.ts)
 *   `CONNECT host:port`, `GET http://host/…`    → web proxy (connect-proxy.ts)
 * See docs/security.md ("Egress: the gateway") for the socket permissions and the token formats.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Gateway, GrantRequest, ModelMeter, RunGrant } from './types.js';
import { RunTokens } from './tokens.js';
import { parseHostRules, parseAuthority, formatAuthority } from './host-match.js';
import { createModelRouteHandler, type ModelUpstreams } from './model-routes.js';
import { createProxyHandlers } from './connect-proxy.js';
import { systemResolver, type HostResolver } from './target-policy.js';
import { sendTextError, writeRawError } from './respond.js';
import { listenOnSocket, removeSocket } from './socket-listener.js';

/** Where the in-sandbox forwarder listens (src/runner/forwarder.ts). */
export const FORWARDER_HOST = '127.0.0.1';
export const FORWARDER_PORT = 3128;

export interface GatewayOptions {
  /** Unix socket to listen on (Linux sandboxes mount it). Its folder is made 0700. */
  socketPath?: string;
  /** TCP listener for backends that cannot mount a socket (Apple Container, Docker Desktop, `none`). */
  tcp?: {
    host: string;
    /** 0 picks a free port. */
    port: number;
    /** The listener's URL as the sandbox sees it (e.g. http://192.168.64.1:7078); default http://host:port. */
    advertiseUrl?: string;
  };
  /** Real credentials: an object, or a function read per request (refreshed tokens, reloads). */
  models: ModelUpstreams | (() => ModelUpstreams);
  logger: Logger;
  /** Port of the in-sandbox forwarder; default 3128. */
  forwarderPort?: number;
  /** DNS for the web proxy; tests inject one so they never touch real DNS. */
  resolve?: HostResolver;
  connectTimeoutMs?: number;
  upstreamIdleTimeoutMs?: number;
  /** Open connections one run may hold (requests in flight, tunnels); default 64. Over it: 429. */
  maxConnectionsPerRun?: number;
  /** Open connections per listener, authenticated or not; default 512. Protects the host's file descriptors. */
  maxConnections?: number;
  /** Counts every model call's usage per run and enforces budgets; none: unmetered (tests). */
  meter?: ModelMeter;
}

export interface StartedGateway extends Gateway {
  /** The Unix socket, when listening on one. */
  readonly socketPath?: string;
  /** The TCP listener as the sandbox sees it, when listening on TCP (port 0 resolved). */
  readonly tcpUrl?: string;
  /** Live grants (runs whose token still works). */
  readonly activeGrants: number;
}

/** Largest request head the gateway parses; bigger gets 431 (Node's own default, stated here). */
const MAX_HEADER_BYTES = 16 * 1024;

/** The raw path and query of an absolute URI, unnormalised (model-path.ts judges dot segments). */
function originForm(absoluteUri: string): string {
  const afterScheme = absoluteUri.slice('http://'.length);
  const at = afterScheme.search(/[/?]/);
  if (at < 0) return '/';
  return afterScheme[at] === '?' ? `/${afterScheme.slice(at)}` : afterScheme.slice(at);
}

export async function startGateway(options: GatewayOptions): Promise<StartedGateway> {
  if (!options.socketPath && !options.tcp)
    throw new Error('gateway: give a socketPath, a tcp listener, or both');
  const logger = options.logger.child({ component: 'gateway' });
  const upstreams =
    typeof options.models === 'function' ? options.models : () => options.models as ModelUpstreams;
  const forwarderPort = options.forwarderPort ?? FORWARDER_PORT;
  const tokens = new RunTokens(options.maxConnectionsPerRun);
  const models = createModelRouteHandler({
    tokens,
    upstreams,
    logger,
    upstreamIdleTimeoutMs: options.upstreamIdleTimeoutMs ?? 10 * 60_000,
    meter: options.meter,
  });
  const proxy = createProxyHandlers({
    tokens,
    logger,
    resolve: options.resolve ?? systemResolver,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    idleTimeoutMs: options.upstreamIdleTimeoutMs ?? 10 * 60_000,
  });
  // Absolute URIs that name the gateway itself are model requests sent by a client whose
  // proxy settings did not exempt 127.0.0.1: serve them, do not proxy them to ourselves.
  const selfAuthorities = new Set([`127.0.0.1:${forwarderPort}`, `localhost:${forwarderPort}`]);

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const target = req.url ?? '';
    if (target.startsWith('/')) return models(req, res);
    if (/^http:\/\//i.test(target)) {
      const url = URL.canParse(target) ? new URL(target) : undefined;
      if (url && selfAuthorities.has(url.host)) {
        req.url = originForm(target);
        return models(req, res);
      }
      return proxy.onAbsoluteRequest(req, res);
    }
    sendTextError(res, 400, 'unsupported request target');
  }

  function onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
    logger.debug({ code: err.code }, 'gateway: malformed request refused');
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const status =
      err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    writeRawError(socket, status, 'malformed or oversized request');
  }

  const connections = new Set<Socket>();
  function makeServer(): http.Server {
    const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES }, onRequest);
    // Beyond this Node drops new connections at once: a sandbox flooding the gateway must not
    // run the host (database, channels) out of file descriptors.
    server.maxConnections = options.maxConnections ?? 512;
    server.on('connect', proxy.onConnect);
    server.on('clientError', onClientError);
    server.on('connection', (socket: Socket) => {
      socket.setNoDelay(true);
      connections.add(socket);
      socket.once('close', () => connections.delete(socket));
    });
    return server;
  }

  const servers: http.Server[] = [];
  let socketPath: string | undefined;
  let tcpUrl: string | undefined;
  try {
    if (options.socketPath) {
      const server = makeServer();
      servers.push(server);
      await listenOnSocket(server, options.socketPath, logger);
      socketPath = options.socketPath;
    }
    if (options.tcp) {
      const server = makeServer();
      servers.push(server);
      const tcp = options.tcp;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(tcp.port, tcp.host, () => resolve());
      });
      const bound = server.address() as { address: string; port: number };
      const boundAuthority = formatAuthority({ host: bound.address, port: bound.port });
      tcpUrl = (tcp.advertiseUrl ?? `http://${boundAuthority}`).replace(/\/+$/, '');
      selfAuthorities.add(boundAuthority);
      const advertised = URL.canParse(tcpUrl) ? parseAuthority(new URL(tcpUrl).host, 80) : undefined;
      if (advertised) selfAuthorities.add(formatAuthority(advertised));
      if (bound.address !== '127.0.0.1' && bound.address !== '::1') {
        logger.warn(
          { address: boundAuthority },
          'gateway: TCP listener is reachable beyond this machine; only per-run tokens protect it',
        );
      }
    }
  } catch (err) {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    throw err;
  }
  logger.info({ socketPath, tcpUrl }, 'gateway: listening');

  let closed = false;
  const forwarderUrl = `http://${FORWARDER_HOST}:${forwarderPort}`;

  function grant(request: GrantRequest): RunGrant {
    if (closed)
      throw new Error(`gateway: closed; cannot grant run ${request.runId} of agent "${request.agentId}"`);
    const base = request.transport === 'socket' ? socketPath && forwarderUrl : tcpUrl;
    if (!base) {
      throw new Error(
        `gateway: run ${request.runId} of agent "${request.agentId}" wants transport "${request.transport}", ` +
          `but the gateway was started without ${request.transport === 'socket' ? 'a Unix socket' : 'a TCP listener'}`,
      );
    }
    const rules = parseHostRules(request.allowHosts, request.agentId);
    const { token, revoke } = tokens.mint({ runId: request.runId, agentId: request.agentId, rules });
    const configured = upstreams();
    logger.debug(
      {
        run: request.runId,
        agent: request.agentId,
        transport: request.transport,
        allowHosts: request.allowHosts,
      },
      'gateway: grant',
    );
    const baseUrl = new URL(base);
    return {
      endpoints: {
        ...(configured.anthropic ? { anthropic: { baseUrl: `${base}/anthropic`, token } } : {}),
        ...(configured.openai ? { openai: { baseUrl: `${base}/openai`, token } } : {}),
      },
      token,
      // Userinfo in a proxy URL becomes Proxy-Authorization: Basic in curl, undici, requests, …
      httpProxy: rules.length ? `${baseUrl.protocol}//omniclaw:${token}@${baseUrl.host}` : undefined,
      socketPath: request.transport === 'socket' ? socketPath : undefined,
      tcpUrl: request.transport === 'tcp' ? tcpUrl : undefined,
      revoke: () => {
        revoke();
        logger.debug({ run: request.runId, agent: request.agentId }, 'gateway: grant revoked');
      },
    };
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    tokens.revokeAll();
    const done = Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    for (const socket of connections) socket.destroy();
    await done;
    models.close();
    if (socketPath) removeSocket(socketPath);
    logger.info('gateway: closed');
  }

  return {
    grant,
    close,
    socketPath,
    tcpUrl,
    get activeGrants() {
      return tokens.size;
    },
  };
}
