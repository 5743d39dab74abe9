/**
 * Telegram's rate limits, handled the way @grammyjs/auto-retry does, without the extra
 * package: a 429 carries `retry_after` seconds; the call is repeated after that wait (it was
 * not executed). Network errors and 5xx are retried only for methods that are safe to
 * repeat: a sendMessage that timed out may have been delivered, and the outbox, not this
 * layer, decides whether to send again.
 */
import { HttpError, type Transformer } from 'grammy/web';
import { backoffDelay, sleep } from '../../protocol/backoff.js';

export interface RetryPolicy {
  /** Attempts in all, first call included. */
  maxAttempts: number;
  /** A retry_after longer than this is not waited for: the error goes to the caller. */
  maxRetryAfterSeconds: number;
  /** Backoff base for network errors and 5xx on idempotent methods. */
  baseDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  maxRetryAfterSeconds: 60,
  baseDelayMs: 500,
};

const IDEMPOTENT = new Set([
  'getMe',
  'deleteWebhook',
  'getFile',
  'sendChatAction',
  'setMessageReaction',
  'editMessageText',
  'getChat',
]);

export function telegramRetry(policy: RetryPolicy = DEFAULT_RETRY_POLICY): Transformer {
  return async (prev, method, payload, grammySignal) => {
    // grammY types its signal with the abort-controller polyfill; at run time it is Node's.
    const signal = grammySignal as unknown as AbortSignal | undefined;
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= policy.maxAttempts;
      try {
        const response = await prev(method, payload, grammySignal);
        if (response.ok || last) return response;
        const retryAfter = response.parameters?.retry_after;
        if (response.error_code === 429 && typeof retryAfter === 'number') {
          if (retryAfter > policy.maxRetryAfterSeconds) return response;
          await sleep(retryAfter * 1000, signal);
          continue;
        }
        if (response.error_code >= 500 && IDEMPOTENT.has(method)) {
          await sleep(backoffDelay(attempt, { baseMs: policy.baseDelayMs, maxMs: Infinity }), signal);
          continue;
        }
        return response;
      } catch (error) {
        if (last || !(error instanceof HttpError) || !IDEMPOTENT.has(method) || signal?.aborted) throw error;
        await sleep(backoffDelay(attempt, { baseMs: policy.baseDelayMs, maxMs: Infinity }), signal);
      }
    }
  };
}
