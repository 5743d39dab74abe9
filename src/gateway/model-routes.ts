/**
 * Model routes: `/anthropic/*` and `/openai/*` from a sandbox, forwarded to the configured
 * upstream with the real credential injected and the run token removed.
 *
 * Only the calls the runtimes make pass (model-calls.ts); anything else gets a 403 before it
 * reaches the upstream. Bodies stream in both directions and are never logged, so
 * server-sent events reach the agent chunk by chunk; the usage meter reads them on the way
 * past and the run is charged for every call (model-usage.ts), and a run whose agent has
 * spent its daily budget is refused before the call. Upstream errors pass through with
 * their status; an unreachable upstream becomes a 502 that says which upstream and why.
 */
import http, { type IncomingMessage, type ServerResponse, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import type { RunTokens } from './tokens.js';
import { resolveModelPath, joinUpstreamPath, type ModelRouteName } from './model-path.js';
import {
  forwardableHeaders,
  modelRequestToken,
  injectAnthropicCredential,
  injectOpenAiCredential,
  SANDBOX_CREDENTIAL_HEADERS,
} from './http-headers.js';
import { sendJsonError } from './respond.js';
import { allowedModelCall, ACCOUNT_SELECTING_HEADERS, type ModelCall } from './model-calls.js';
import { UsageMeter, estimateUsage } from './model-usage.js';
import type { ModelMeter } from './types.js';

/** The real credentials, from omniclaw.yaml `models`. Never leaves the host. */
export interface ModelUpstreams {
  anthropic?: { baseUrl: string; apiKey?: string; oauthToken?: string };
  openai?: { baseUrl: string; apiKey?: string };
}

export interface ModelRouteDeps {
  tokens: RunTokens;
  /** Read per request, so a refreshed OAuth token or a reloaded config applies at once. */
  upstreams: () => ModelUpstreams;
  logger: Logger;
  /** Idle time on an upstream socket before the request fails, ms (model turns can be slow). */
  upstreamIdleTimeoutMs: number;
  /** Charges each call to its run and refuses runs over budget; none: calls are not metered. */
  meter?: ModelMeter;
}

/** Budget refusals must not be retried: both vendors' SDKs honour this header. */
const NO_RETRY = { 'x-should-retry': 'false' };

interface ParsedBase {
  module: typeof http | typeof https;
  agent: http.Agent;
  hostname: string;
  port: number;
  hostHeader: string;
  basePath: string;
}

export interface ModelRouteHandler {
  (req: IncomingMessage, res: ServerResponse): void;
  close(): void;
}

export function createModelRouteHandler(deps: ModelRouteDeps): ModelRouteHandler {
  // Keep-alive to the upstream: a new TLS handshake per model turn would cost more than the
  // rest of the gateway together.
  const agents = {
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({ keepAlive: true }),
  };
  const bases = new Map<string, ParsedBase | string>();

  function parseBase(baseUrl: string): ParsedBase | string {
    const cached = bases.get(baseUrl);
    if (cached) return cached;
    let parsed: ParsedBase | string;
    try {
      const url = new URL(baseUrl);
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new Error(`unsupported scheme ${url.protocol}`);
      if (url.username || url.password) throw new Error('credentials belong in apiKey, not in the URL');
      parsed = {
        module: url.protocol === 'https:' ? https : http,
        agent: agents[url.protocol],
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
        hostHeader: url.host,
        basePath: url.pathname,
      };
    } catch (err) {
      parsed = `invalid baseUrl "${baseUrl}": ${(err as Error).message}`;
    }
    bases.set(baseUrl, parsed);
    return parsed;
  }

  function upstreamHeaders(
    route: ModelRouteName,
    req: IncomingMessage,
    upstreams: ModelUpstreams,
    base: ParsedBase,
  ): OutgoingHttpHeaders {
    const headers = forwardableHeaders(req.headers, [
      ...SANDBOX_CREDENTIAL_HEADERS,
      ...ACCOUNT_SELECTING_HEADERS,
    ]);
    headers.host = base.hostHeader;
    // The usage meter reads the body as it passes: a compressed one would hide the usage.
    headers['accept-encoding'] = 'identity';
    if (route === 'anthropic') injectAnthropicCredential(headers, upstreams.anthropic ?? {});
    else injectOpenAiCredential(headers, upstreams.openai?.apiKey);
    return headers;
  }

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const grantee = deps.tokens.lookup(modelRequestToken(req.headers));
    if (!grantee) {
      deps.logger.warn(
        { path: (req.url ?? '').split('?')[0]?.slice(0, 80) },
        'gateway: model request with a missing, unknown or revoked run token',
      );
      sendJsonError(
        res,
        401,
        'authentication_error',
        'missing, unknown or revoked run token (the run has ended, or this request did not come from a sandboxed run)',
      );
      return;
    }
    const log = deps.logger.child({ run: grantee.runId, agent: grantee.agentId });
    const target = resolveModelPath(req.url ?? '');
    if (!target.ok) {
      log.warn({ status: target.status, reason: target.reason }, 'gateway: model request refused');
      sendJsonError(
        res,
        target.status,
        target.status === 404 ? 'not_found_error' : 'invalid_request_error',
        target.reason,
      );
      return;
    }
    const allowed = allowedModelCall(target.route, req.method ?? '', target.rest);
    if (!allowed.ok) {
      log.warn({ method: req.method, path: target.rest.slice(0, 80) }, 'gateway: model call not allowed');
      sendJsonError(res, 403, 'permission_error', allowed.reason);
      return;
    }
    const upstreams = deps.upstreams();
    const config = upstreams[target.route];
    if (!config) {
      sendJsonError(
        res,
        404,
        'not_found_error',
        `no ${target.route} upstream is configured (omniclaw.yaml models.${target.route})`,
      );
      return;
    }
    const base = parseBase(config.baseUrl);
    if (typeof base === 'string') {
      log.error({ route: target.route }, `gateway: ${base}`);
      sendJsonError(res, 502, 'api_error', `models.${target.route}: ${base}`);
      return;
    }
    const overBudget = deps.meter?.admit(grantee);
    if (overBudget) {
      log.info('gateway: model call refused, daily budget spent');
      sendJsonError(res, 403, 'permission_error', overBudget, NO_RETRY);
      return;
    }
    const untrack = grantee.track(res.socket ?? res);
    if (!untrack) {
      log.warn({ limit: grantee.maxConnections }, 'gateway: run has too many open connections');
      sendJsonError(
        res,
        429,
        'rate_limit_error',
        `this run already has ${grantee.maxConnections} open gateway connections`,
      );
      return;
    }
    const upstreamReq = base.module.request({
      agent: base.agent,
      hostname: base.hostname,
      port: base.port,
      method: req.method,
      path: joinUpstreamPath(base.basePath, target.rest, target.query),
      headers: upstreamHeaders(target.route, req, upstreams, base),
      timeout: deps.upstreamIdleTimeoutMs,
    });
    upstreamReq.on('socket', (socket) => socket.setNoDelay(true));
    upstreamReq.on('timeout', () =>
      upstreamReq.destroy(new Error(`no data for ${deps.upstreamIdleTimeoutMs} ms`)),
    );
    let requestBytes = 0;
    req.on('data', (chunk: Buffer) => (requestBytes += chunk.length));
    upstreamReq.on('response', (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, forwardableHeaders(upstreamRes.headers));
      // Send the headers now: an SSE client waits for them before the first event.
      res.flushHeaders();
      const charge = deps.meter && isSuccess(upstreamRes.statusCode) ? deps.meter : undefined;
      if (charge) {
        const settle = meterResponse(
          allowed.call,
          upstreamRes,
          () => requestBytes,
          (usage, how) => {
            log.debug({ ...usage, how }, 'gateway: model usage');
            // After the reply has gone out: the agent never waits for the bookkeeping.
            setImmediate(() => {
              try {
                charge.record(grantee, usage, how);
              } catch (err) {
                log.error({ err: (err as Error).message, ...usage }, 'gateway: could not record model usage');
              }
            });
          },
        );
        upstreamRes.once('end', settle);
        // Cut short (agent gone, run revoked): the upstream charged for what it sent.
        res.once('close', settle);
      }
      upstreamRes.pipe(res);
      upstreamRes.on('error', () => res.destroy());
      upstreamRes.on('end', () => {
        log.debug(
          {
            route: target.route,
            method: req.method,
            status: upstreamRes.statusCode,
            ms: Math.round(performance.now() - started),
          },
          'gateway: model request',
        );
      });
    });
    upstreamReq.on('error', (err) => {
      if (res.headersSent) {
        // Mid-stream failure: the only honest signal left is a cut connection.
        res.destroy();
        return;
      }
      if (res.destroyed || res.writableEnded) return; // the agent is gone already
      const where = `${base.hostHeader}${base.basePath === '/' ? '' : base.basePath}`;
      log.warn(
        { route: target.route, err: (err as NodeJS.ErrnoException).code ?? err.message },
        'gateway: model upstream unreachable',
      );
      sendJsonError(
        res,
        502,
        'api_error',
        `the ${target.route} upstream ${where} is unreachable: ${(err as NodeJS.ErrnoException).code ?? err.message}`,
      );
    });
    // The agent went away (run stopped, client aborted): stop paying for the upstream call.
    res.on('close', () => {
      untrack();
      if (!res.writableFinished) upstreamReq.destroy();
    });
    req.pipe(upstreamReq);
  };

  return Object.assign(handler, {
    close: () => {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  });
}

const isSuccess = (status: number | undefined): boolean =>
  status !== undefined && status >= 200 && status < 300;

/** Feeds `response` through a usage meter; the returned function reports once, at the end. */
function meterResponse(
  call: ModelCall,
  response: IncomingMessage,
  requestBytes: () => number,
  report: (usage: ReturnType<typeof estimateUsage>, how: 'reported' | 'estimated') => void,
): () => void {
  if (call.usage === 'none') return () => undefined;
  const meter = new UsageMeter(call.usage, response.headers['content-type']);
  let responseBytes = 0;
  response.on('data', (chunk: Buffer) => {
    responseBytes += chunk.length;
    meter.write(chunk);
  });
  let settled = false;
  return () => {
    if (settled) return;
    settled = true;
    const reported = meter.end();
    if (reported) report(reported, 'reported');
    else report(estimateUsage(requestBytes(), responseBytes), 'estimated');
  };
}
