/**
 * A small client for an OpenAI-compatible Chat Completions endpoint (OpenAI, Ollama,
 * llama.cpp, vLLM, OpenRouter, LM Studio). Plain fetch rather than an SDK so that the two
 * things that matter here are ours: a bounded number of retries with short backoff, and a
 * hard per-request timeout, so a dead or hung endpoint becomes a clear error within seconds.
 */
import { backoffDelay, sleep } from '../../../src/protocol/backoff.js';

export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: ChatToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: {
    type: 'function';
    function: { name: string; description: string; parameters: Record<string, unknown> };
  }[];
}

export interface ChatResponse {
  message: { content: string | null; tool_calls?: ChatToolCall[] };
  finishReason: string | undefined;
  usage: { inputTokens: number; outputTokens: number; cacheReadTokens: number };
}

export interface ChatClientOptions {
  /** API root, e.g. http://127.0.0.1:3128/openai/v1 (the same convention as OPENAI_BASE_URL). */
  baseUrl: string;
  /** The per-run gateway token (never a real key). */
  token: string;
  /** Wall-clock limit of one request. */
  timeoutMs: number;
  /** Further attempts after a 429, a 5xx or a connection failure. */
  maxRetries: number;
  /** First backoff; doubles per attempt. A Retry-After header is honoured up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
}

export class ModelApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ModelApiError';
  }
}

const RETRYABLE = new Set([408, 409, 429, 500, 502, 503, 504, 529]);

export function createChatClient(options: ChatClientOptions) {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;

  async function attempt(request: ChatRequest, signal: AbortSignal): Promise<Response> {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    try {
      return await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
        body: JSON.stringify({ ...request, stream: false }),
        signal: AbortSignal.any([signal, timeout]),
      });
    } catch (err) {
      if (signal.aborted) throw new ModelApiError('the request was cancelled because the agent is stopping');
      if (timeout.aborted) {
        throw new ModelApiError(`the model API at ${url} did not answer within ${options.timeoutMs} ms`);
      }
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new ModelApiError(
        `cannot reach the model API at ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
        0,
      );
    }
  }

  return async function complete(request: ChatRequest, signal: AbortSignal): Promise<ChatResponse> {
    for (let attemptNo = 0; ; attemptNo += 1) {
      let response: Response;
      try {
        response = await attempt(request, signal);
      } catch (err) {
        // Connection failures are worth a retry; a timeout already cost its full budget.
        if (err instanceof ModelApiError && err.status === 0 && attemptNo < options.maxRetries) {
          await pause(backoff(options, attemptNo, null), signal);
          continue;
        }
        throw err;
      }
      if (response.ok) {
        try {
          return parseResponse(await readJson(response, url));
        } catch (err) {
          if (err instanceof ModelApiError && err.status === 0 && attemptNo < options.maxRetries) {
            await pause(backoff(options, attemptNo, null), signal);
            continue;
          }
          throw err;
        }
      }
      const body = (await response.text().catch(() => '')).slice(0, 500);
      if (RETRYABLE.has(response.status) && attemptNo < options.maxRetries) {
        await pause(backoff(options, attemptNo, response.headers.get('retry-after')), signal);
        continue;
      }
      throw new ModelApiError(describeStatus(response.status, url, body, attemptNo + 1), response.status);
    }
  };
}

export type ChatComplete = ReturnType<typeof createChatClient>;

function describeStatus(status: number, url: string, body: string, attempts: number): string {
  const detail = errorText(body);
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

function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: string } | string; message?: string };
    const error = typeof parsed.error === 'string' ? parsed.error : parsed.error?.message;
    return error ?? parsed.message ?? body;
  } catch {
    return body || '(no body)';
  }
}

async function readJson(response: Response, url: string): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch (err) {
    // The connection dropped mid-body: worth a retry like a refused connection.
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

interface RawCompletion {
  choices?: { message?: { content?: string | null; tool_calls?: ChatToolCall[] }; finish_reason?: string }[];
  usage?: {
    prompt_tokens?: number;
    completion_tokens?: number;
    prompt_tokens_details?: { cached_tokens?: number };
  };
}

function parseResponse(json: unknown): ChatResponse {
  const raw = json as RawCompletion;
  const choice = raw.choices?.[0];
  if (!choice?.message)
    throw new ModelApiError(
      `the model API answered without a message: ${JSON.stringify(json).slice(0, 200)}`,
    );
  const toolCalls = (choice.message.tool_calls ?? []).filter((call) => call?.function?.name);
  const cached = raw.usage?.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    message: {
      content: choice.message.content ?? null,
      ...(toolCalls.length ? { tool_calls: toolCalls.map((call, i) => normaliseCall(call, i)) } : {}),
    },
    finishReason: choice.finish_reason,
    // prompt_tokens includes cached tokens; like Anthropic's input_tokens, ours does not.
    usage: {
      inputTokens: Math.max(0, (raw.usage?.prompt_tokens ?? 0) - cached),
      outputTokens: raw.usage?.completion_tokens ?? 0,
      cacheReadTokens: cached,
    },
  };
}

/** Some local servers omit ids or send arguments as an object; the next request needs both as OpenAI does. */
function normaliseCall(call: ChatToolCall, index: number): ChatToolCall {
  const args = call.function.arguments as unknown;
  return {
    id: call.id || `call_${Date.now()}_${index}`,
    type: 'function',
    function: {
      name: call.function.name,
      arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}),
    },
  };
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
