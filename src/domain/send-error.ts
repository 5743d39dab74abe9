/**
 * Why a send failed, in the terms the outbox decides with: `rate-limited` (wait what the
 * platform asked, then again), `unavailable` (5xx, network: back off and try again, for
 * hours if need be), `permanent` (the platform refused this message — wrong chat, no
 * permission, bad content: trying again cannot help). Adapters throw ChannelSendError; errors
 * of the platform libraries we use (@discordjs/rest, Slack's web API, Node's network errors) are
 * recognised by shape in classifySendError, so every adapter is covered.
 */

export type SendFailureKind = 'rate-limited' | 'unavailable' | 'permanent';

export class ChannelSendError extends Error {
  constructor(
    message: string,
    readonly kind: SendFailureKind,
    /** How long the platform asked us to wait (429 retry_after, HTTP Retry-After). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ChannelSendError';
  }
}

export interface SendFailure {
  kind: SendFailureKind;
  retryAfterMs?: number;
}

/** Retry-After: delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The kind an HTTP status means for a send. */
export function kindForStatus(status: number): SendFailureKind {
  if (status === 429) return 'rate-limited';
  if (status >= 500 || status === 408) return 'unavailable';
  return 'permanent';
}

const NETWORK_CODES =
  /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EPIPE|ENETUNREACH|EHOSTUNREACH|UND_ERR_\w+|ECONNABORTED)$/;

/** The failure an error means, or undefined when it is not recognised (the outbox counts attempts). */
export function classifySendError(error: unknown): SendFailure | undefined {
  if (error instanceof ChannelSendError) return { kind: error.kind, retryAfterMs: error.retryAfterMs };
  if (!error || typeof error !== 'object') return undefined;
  const e = error as {
    status?: unknown;
    statusCode?: unknown;
    code?: unknown;
    retryAfter?: unknown;
    headers?: Record<string, unknown>;
    data?: { error?: unknown };
    cause?: unknown;
  };
  // @discordjs/rest: DiscordAPIError / HTTPError carry `status`; Slack: an http error carries `statusCode`.
  const status =
    typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (status !== undefined && status >= 400) {
    const header = e.headers?.['retry-after'];
    const retryAfterMs =
      typeof e.retryAfter === 'number'
        ? e.retryAfter * 1000
        : parseRetryAfter(typeof header === 'string' ? header : undefined);
    return { kind: kindForStatus(status), retryAfterMs };
  }
  // Slack: the platform answered ok=false (channel_not_found, not_in_channel…).
  if (e.code === 'slack_webapi_platform_error') return { kind: 'permanent' };
  if (e.code === 'slack_webapi_request_error') return { kind: 'unavailable' };
  if (typeof e.code === 'string' && NETWORK_CODES.test(e.code)) return { kind: 'unavailable' };
  if (e.cause && e.cause !== error) return classifySendError(e.cause);
  return undefined;
}
