/**
 * Header decisions for the gateway: which headers cross a hop, where a sandbox puts its
 * run token, and how a real credential is written. Pure, no I/O.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** RFC 9110 §7.6.1 connection-specific headers, plus the proxy ones a hop consumes. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

/**
 * Copies `headers` without hop-by-hop headers, without any header the Connection header
 * names, and without `drop` (lower-case names).
 */
export function forwardableHeaders(
  headers: IncomingHttpHeaders,
  drop: readonly string[] = [],
): OutgoingHttpHeaders {
  const named = String(headers.connection ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const skip = new Set([...HOP_BY_HOP, ...named, ...drop]);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !skip.has(name)) out[name] = value;
  }
  return out;
}

const first = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

function bearer(value: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(value ?? '');
  return match?.[1];
}

/** The run token on a model request: `x-api-key: <token>` or `Authorization: Bearer <token>`. */
export function modelRequestToken(headers: IncomingHttpHeaders): string | undefined {
  return first(headers['x-api-key'])?.trim() || bearer(headers.authorization);
}

/**
 * The run token on a proxy request: `Proxy-Authorization: Basic base64(<any user>:<token>)`
 * (what curl, undici and most tools send for `http://omniclaw:<token>@host:port`) or
 * `Proxy-Authorization: Bearer <token>`.
 */
export function proxyRequestToken(headers: IncomingHttpHeaders): string | undefined {
  const value = first(headers['proxy-authorization']);
  if (!value) return undefined;
  const basic = /^Basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(value);
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) || undefined : undefined;
  }
  return bearer(value);
}

/** The beta flag Anthropic requires on requests authenticated with an OAuth access token. */
export const ANTHROPIC_OAUTH_BETA = 'oauth-2025-04-20';

/** Adds `flag` to a comma-separated anthropic-beta list unless it is already there. */
export function withBetaFlag(existing: string | string[] | undefined, flag: string): string {
  const flags = (Array.isArray(existing) ? existing.join(',') : (existing ?? ''))
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  return flags.includes(flag) ? flags.join(',') : [...flags, flag].join(',');
}

export interface AnthropicCredential {
  apiKey?: string;
  oauthToken?: string;
}

/**
 * Writes the real Anthropic credential: an API key as `x-api-key`; otherwise an OAuth
 * token as `Authorization: Bearer` plus the OAuth beta flag. An API key wins when both are
 * configured (it is the documented, stable way to call the API).
 */
export function injectAnthropicCredential(
  headers: OutgoingHttpHeaders,
  credential: AnthropicCredential,
): void {
  if (credential.apiKey) {
    headers['x-api-key'] = credential.apiKey;
  } else if (credential.oauthToken) {
    headers.authorization = `Bearer ${credential.oauthToken}`;
    headers['anthropic-beta'] = withBetaFlag(
      headers['anthropic-beta'] as string | string[] | undefined,
      ANTHROPIC_OAUTH_BETA,
    );
  }
}

/** Writes an OpenAI-compatible key as `Authorization: Bearer`; no key (Ollama) writes nothing. */
export function injectOpenAiCredential(headers: OutgoingHttpHeaders, apiKey: string | undefined): void {
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
}

/** Credential headers a sandbox may send (carrying its run token); never forwarded. */
export const SANDBOX_CREDENTIAL_HEADERS = [
  'x-api-key',
  'authorization',
  'proxy-authorization',
  'host',
] as const;
