/**
 * Chat Completions for the openai runtime through the official `openai` SDK, streamed, against
 * any OpenAI-compatible server (OpenAI, Ollama, llama.cpp, vLLM, OpenRouter, LM Studio).
 *
 * The SDK does the transport, SSE parsing and error typing. Two rules stay ours, because the
 * SDK's cannot express them: a time-out is never retried (the SDK retries it, spending the
 * budget again on a hung endpoint), and a stream that goes silent for the time-out fails (the
 * SDK's time-out ends when the headers arrive). So the SDK makes one attempt (`maxRetries: 0`)
 * and the loop here retries 408, 409, 429, 5xx, 529 and lost connections with backoff,
 * honouring Retry-After.
 *
 * Servers that cannot stream tool calls (they stream the text, then end with
 * `finish_reason: "tool_calls"` and no calls, answer plain JSON, or refuse `stream` with 400)
 * get the same request again without streaming, and no streamed request after that.
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import { Stream } from 'openai/streaming';
import { backoffDelay, sleep } from '../../../src/protocol/backoff.js';
import { assembleChunks, fromCompletion, ModelApiError, type ChatResponse } from './openai-chat-parse.js';
import type { ChatRequest } from './openai-messages.js';

export { ModelApiError, type ChatResponse } from './openai-chat-parse.js';

export interface ChatClientOptions {
  /** API root, e.g. http://127.0.0.1:3128/openai/v1 (the same convention as OPENAI_BASE_URL). */
  baseUrl: string;
  /** The per-run gateway token (never a real key). */
  token: string;
  /** Limit for the answer to start, and for any silence while it streams. */
  timeoutMs: number;
  /** Further attempts after a 429, a 5xx or a connection failure. */
  maxRetries: number;
  /** First backoff; doubles per attempt. A Retry-After header is honoured up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
  log: (message: string, fields?: Record<string, unknown>) => void;
}

/** Text of the answer as it streams; `restart` when an earlier partial answer is void (a retry). */
export type OnText = (text: string, restart: boolean) => void;

export type ChatComplete = (
  request: ChatRequest,
  signal: AbortSignal,
  onText?: OnText,
) => Promise<ChatResponse>;

/** The server cannot stream this answer: send it again without streaming. */
class NotStreamable extends Error {}

const RETRYABLE = new Set([0, 408, 409, 429, 500, 502, 503, 504, 529]);

export function createChatClient(options: ChatClientOptions): ChatComplete {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  // The SDK refuses an empty key; a run without an endpoint fails before any request anyway.
  const client = new OpenAI({ baseURL: options.baseUrl, apiKey: options.token || 'none', maxRetries: 0 });
  let streaming = true;

  const attempt = async (request: ChatRequest, signal: AbortSignal, onText: OnText, restart: boolean) => {
    if (!streaming) return plainAttempt(client, request, signal, options.timeoutMs, url);
    try {
      return await streamedAttempt(client, request, signal, options.timeoutMs, url, onText, restart);
    } catch (err) {
      const refusedStream =
        err instanceof APIError && (err.status === 400 || err.status === 422) && /stream/i.test(err.message);
      if (!(err instanceof NotStreamable) && !refusedStream) throw err;
      streaming = false;
      options.log('the model server does not stream tool calls; not streaming from now on', {
        why: (err as Error).message.slice(0, 200),
      });
      return plainAttempt(client, request, signal, options.timeoutMs, url);
    }
  };

  return async function complete(request, signal, onText = () => undefined) {
    for (let attemptNo = 0; ; attemptNo += 1) {
      try {
        return await attempt(request, signal, onText, attemptNo > 0);
      } catch (raw) {
        const err = asModelApiError(raw, signal, url, options.timeoutMs);
        if (err.status !== undefined && RETRYABLE.has(err.status) && attemptNo < options.maxRetries) {
          await pause(backoff(options, attemptNo, err.retryAfter ?? null), signal);
          continue;
        }
        throw err.status !== undefined && err.status > 0
          ? new ModelApiError(describeStatus(err.status, url, err.message, attemptNo + 1), err.status)
          : err;
      }
    }
  };
}

async function streamedAttempt(
  client: OpenAI,
  request: ChatRequest,
  signal: AbortSignal,
  timeoutMs: number,
  url: string,
  onText: OnText,
  restart: boolean,
): Promise<ChatResponse> {
  const controller = new AbortController();
  const stopOnAbort = (): void => controller.abort();
  signal.addEventListener('abort', stopOnAbort, { once: true });
  let silent = false;
  let timer: NodeJS.Timeout | undefined;
  const armSilence = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      silent = true;
      controller.abort();
    }, timeoutMs);
  };
  try {
    const response = await client.chat.completions
      .create(
        { ...request, stream: true, stream_options: { include_usage: true } },
        { signal: controller.signal, timeout: timeoutMs },
      )
      .asResponse();
    if (!(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
      // The server ignored `stream` and answered in one piece.
      return fromCompletion((await readJson(response, url)) as ChatCompletion);
    }
    armSilence();
    const chunks: ChatCompletionChunk[] = [];
    let first = true;
    for await (const chunk of Stream.fromSSEResponse<ChatCompletionChunk>(response, controller, client)) {
      armSilence();
      chunks.push(chunk);
      const text = chunk.choices?.[0]?.delta?.content;
      if (text) {
        onText(text, first && restart);
        first = false;
      }
    }
    // An abort ends the SDK's stream quietly: the reason is ours to tell.
    if (silent) throw new APIConnectionTimeoutError({ message: 'the stream went silent' });
    if (signal.aborted) throw new APIUserAbortError();
    const assembled = assembleChunks(chunks);
    if (assembled === 'no-choices') throw new NotStreamable('the stream carried no answer');
    if (assembled === 'tool-calls-missing')
      throw new NotStreamable('the stream ended for tool calls it did not send');
    return assembled;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', stopOnAbort);
  }
}

async function plainAttempt(
  client: OpenAI,
  request: ChatRequest,
  signal: AbortSignal,
  timeoutMs: number,
  url: string,
): Promise<ChatResponse> {
  // The body is read here, under the same time-out as the headers.
  const timeout = AbortSignal.timeout(timeoutMs);
  let timedOut = false;
  timeout.addEventListener('abort', () => (timedOut = true), { once: true });
  const response = await client.chat.completions
    .create({ ...request, stream: false }, { signal: AbortSignal.any([signal, timeout]), timeout: timeoutMs })
    .asResponse();
  try {
    return fromCompletion((await readJson(response, url)) as ChatCompletion);
  } catch (err) {
    if (timedOut) throw new APIConnectionTimeoutError();
    throw err;
  }
}

async function readJson(response: Response, url: string): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ModelApiError(
      `the connection to the model API at ${url} broke while reading the answer: ${(err as Error).message}`,
      0,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ModelApiError(
      `the model API at ${url} answered with something that is not JSON: ${text.slice(0, 200)}`,
    );
  }
}

/** One error type for the turn loop, whatever the SDK or the stream threw. */
function asModelApiError(err: unknown, signal: AbortSignal, url: string, timeoutMs: number): ModelApiError {
  if (signal.aborted) return new ModelApiError('the request was cancelled because the agent is stopping');
  if (err instanceof ModelApiError) return err;
  if (err instanceof APIConnectionTimeoutError || (err as Error)?.name === 'TimeoutError') {
    return new ModelApiError(`the model API at ${url} did not answer within ${timeoutMs} ms`);
  }
  if (err instanceof APIError && err.status !== undefined) {
    return new ModelApiError(errorText(err), err.status, err.headers?.get('retry-after'));
  }
  if (err instanceof APIConnectionError) {
    const cause = err.cause as { code?: string; cause?: { code?: string }; message?: string } | undefined;
    const code = cause?.code ?? cause?.cause?.code ?? cause?.message ?? err.message;
    return new ModelApiError(`cannot reach the model API at ${url}: ${code}`, 0);
  }
  // The stream broke mid-answer (undici "terminated", a cut SSE line): worth a retry.
  return new ModelApiError(
    `the connection to the model API at ${url} broke while reading the answer: ${(err as Error)?.message ?? String(err)}`,
    0,
  );
}

function errorText(err: APIError): string {
  const body = err.error as { message?: string } | string | undefined;
  const message = typeof body === 'string' ? body : body?.message;
  return message ?? err.message.replace(/^\d{3} /, '');
}

function describeStatus(status: number, url: string, detail: string, attempts: number): string {
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  if (status === 401 || status === 403) {
    return `the model API at ${url} refused the run's credentials (${status}): ${detail}. Check the API key configured on the host.`;
  }
  if (status === 429)
    return `the model API at ${url} is rate limiting (429)${tries}: ${detail}. Try again later.`;
  if (status === 404)
    return `the model API at ${url} answered 404: ${detail}. Check the base URL and model name.`;
  return `the model API at ${url} failed with ${status}${tries}: ${detail}`;
}

function backoff(options: ChatClientOptions, attemptNo: number, retryAfter: string | null): number {
  const seconds = retryAfter === null ? NaN : Number(retryAfter);
  const wanted = Number.isFinite(seconds)
    ? seconds * 1000
    : backoffDelay(attemptNo + 1, { baseMs: options.backoffMs, maxMs: options.maxBackoffMs });
  return Math.min(Math.max(wanted, 0), options.maxBackoffMs);
}

/** Waits, or fails at once when the agent is stopping (the retry loop must not go on). */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  await sleep(ms, signal);
  if (signal.aborted) throw new ModelApiError('the request was cancelled because the agent is stopping');
}
