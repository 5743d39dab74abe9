/**
 * The web proxy: `CONNECT host:port` tunnels (HTTPS) and absolute-URI `GET http://host/…`
 * requests (plain HTTP), each allowed only for hosts in the run's allowHosts.
 *
 * A run proves itself with `Proxy-Authorization` carrying its token (Basic with any user
 * name, or Bearer); refusals are 407 (who are you?) or 403 (not allowed, with the reason)
 * and are logged with the run and agent. The tunnel is opaque bytes: TLS stays end to end
 * between the agent and the site, the gateway sees only the host name.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { RunTokens, Grantee } from './tokens.js';
import { parseAuthority, formatAuthority, type Authority } from './host-match.js';
import { decideTarget, type HostResolver } from './target-policy.js';
import { forwardableHeaders, proxyRequestToken } from './http-headers.js';
import { writeRawError, sendTextError, PROXY_CHALLENGE } from './respond.js';

export interface ProxyDeps {
  tokens: RunTokens;
  logger: Logger;
  resolve: HostResolver;
  /** Give up on a site that does not accept the TCP connection within this long, ms. */
  connectTimeoutMs: number;
  /** Idle time on a plain-HTTP upstream socket before the request fails, ms. */
  idleTimeoutMs: number;
}

const tooManyMessage = (grantee: Grantee): string =>
  `this run already has ${grantee.maxConnections} open gateway connections; close some first`;
const UNAUTHENTICATED = 'proxy authentication required: send Proxy-Authorization with the run token';

export function createProxyHandlers(deps: ProxyDeps): {
  onConnect: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  onAbsoluteRequest: (req: IncomingMessage, res: ServerResponse) => void;
} {
  function authenticate(req: IncomingMessage): Grantee | undefined {
    const grantee = deps.tokens.lookup(proxyRequestToken(req.headers));
    if (!grantee)
      deps.logger.warn(
        { method: req.method },
        'gateway: proxy request with a missing, unknown or revoked run token',
      );
    return grantee;
  }

  function tooMany(grantee: Grantee, reply: () => void): void {
    deps.logger.warn(
      { run: grantee.runId, agent: grantee.agentId, limit: grantee.maxConnections },
      'gateway: run has too many open connections',
    );
    reply();
  }

  function refused(grantee: Grantee, target: Authority, reason: string): void {
    deps.logger.warn(
      { run: grantee.runId, agent: grantee.agentId, target: formatAuthority(target), reason },
      'gateway: proxy refused',
    );
  }

  function onConnect(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const grantee = authenticate(req);
    if (!grantee) return writeRawError(socket, 407, UNAUTHENTICATED, PROXY_CHALLENGE);
    const target = parseAuthority(req.url ?? '');
    if (!target) return writeRawError(socket, 400, 'CONNECT needs a host:port target');
    const untrack = grantee.track(socket);
    if (!untrack) return tooMany(grantee, () => writeRawError(socket, 429, tooManyMessage(grantee)));
    socket.once('close', untrack);
    void decideTarget(grantee.rules, target, deps.resolve).then((decision) => {
      if (socket.destroyed) return;
      if (!decision.allowed) {
        refused(grantee, target, decision.reason);
        return writeRawError(socket, decision.status, decision.reason);
      }
      openTunnel(grantee, target, decision.address, socket, head);
    });
  }

  function openTunnel(
    grantee: Grantee,
    target: Authority,
    address: string,
    socket: Duplex,
    head: Buffer,
  ): void {
    const upstream = net.connect({ host: address, port: target.port });
    upstream.setNoDelay(true);
    let connected = false;
    const timer = setTimeout(
      () => upstream.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })),
      deps.connectTimeoutMs,
    );
    upstream.once('connect', () => {
      connected = true;
      clearTimeout(timer);
      deps.logger.debug(
        { run: grantee.runId, agent: grantee.agentId, target: formatAuthority(target) },
        'gateway: tunnel open',
      );
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (connected) return socket.destroy();
      const reason = `cannot connect to ${formatAuthority(target)}: ${err.code ?? err.message}`;
      deps.logger.warn({ run: grantee.runId, agent: grantee.agentId, reason }, 'gateway: tunnel failed');
      writeRawError(socket, 502, reason);
    });
    upstream.on('close', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
  }

  function onAbsoluteRequest(req: IncomingMessage, res: ServerResponse): void {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      return sendTextError(res, 400, 'malformed absolute URI');
    }
    if (url.protocol !== 'http:')
      return sendTextError(
        res,
        400,
        `only http:// can be proxied this way; use CONNECT for ${url.protocol}//`,
      );
    if (url.username || url.password)
      return sendTextError(res, 400, 'credentials in a proxied URI are not forwarded');
    const grantee = authenticate(req);
    if (!grantee) return sendTextError(res, 407, UNAUTHENTICATED, PROXY_CHALLENGE);
    const target = parseAuthority(url.host, 80);
    if (!target) return sendTextError(res, 400, 'invalid host in absolute URI');
    const untrack = grantee.track(res.socket ?? res);
    if (!untrack) return tooMany(grantee, () => sendTextError(res, 429, tooManyMessage(grantee)));
    res.once('close', untrack);
    void decideTarget(grantee.rules, target, deps.resolve).then((decision) => {
      if (res.destroyed) return;
      if (!decision.allowed) {
        refused(grantee, target, decision.reason);
        return sendTextError(res, decision.status, decision.reason);
      }
      forwardPlainHttp(req, res, url, target, decision.address);
    });
  }

  function forwardPlainHttp(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    target: Authority,
    address: string,
  ): void {
    const headers = forwardableHeaders(req.headers, ['host']);
    headers.host = url.host;
    const upstreamReq = http.request({
      host: address,
      port: target.port,
      method: req.method,
      path: `${url.pathname}${url.search}`,
      headers,
      timeout: deps.idleTimeoutMs,
      agent: false,
    });
    upstreamReq.on('timeout', () =>
      upstreamReq.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
    );
    upstreamReq.on('response', (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, forwardableHeaders(upstreamRes.headers));
      res.flushHeaders();
      upstreamRes.pipe(res);
      upstreamRes.on('error', () => res.destroy());
    });
    upstreamReq.on('error', (err: NodeJS.ErrnoException) => {
      if (res.headersSent) return res.destroy();
      sendTextError(res, 502, `cannot reach ${formatAuthority(target)}: ${err.code ?? err.message}`);
    });
    res.on('close', () => {
      if (!res.writableFinished) upstreamReq.destroy();
    });
    req.pipe(upstreamReq);
  }

  return { onConnect, onAbsoluteRequest };
}
