/**
 * Reads token usage out of a model response as it streams past the gateway, so every call
 * a run makes is counted, whoever makes it (the runner, or an agent calling the route with
 * its run token). No I/O: the route feeds the bytes it forwards and asks at the end.
 *
 * Shapes (see model-calls.ts for which call has which):
 *   anthropic-messages  JSON `usage`, or SSE `message_start.message.usage` then cumulative
 *                       `message_delta.usage`
 *   openai-chat         JSON `usage`, or the SSE chunk with `usage` (stream_options.include_usage)
 *   openai-responses    JSON `usage`, or SSE `response.completed|incomplete|failed` `response.usage`
 * A response that reports nothing (a stream without include_usage, a cut stream, a body too
 * large to hold) is counted by size instead (estimateUsage), so leaving usage out saves
 * nothing. Token kinds follow the runners': input excludes cache reads and cache writes.
 */
import { createParser, type EventSourceParser } from 'eventsource-parser';
import type { UsageShape } from './model-calls.js';

export interface MeteredUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/** Non-streamed bodies larger than this are counted by size rather than held in memory. */
const MAX_JSON_BYTES = 8 * 1024 * 1024;
/** A generous bytes-per-token ratio for the size estimate; smaller counts more. */
const BYTES_PER_TOKEN = 4;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;

/** Anthropic usage fields; later reports (cumulative message_delta) overwrite earlier ones. */
function mergeAnthropic(into: Partial<MeteredUsage>, usage: unknown): void {
  if (!isObject(usage)) return;
  const set = (key: keyof MeteredUsage, value: unknown): void => {
    const n = num(value);
    if (n !== undefined) into[key] = n;
  };
  set('inputTokens', usage.input_tokens);
  set('outputTokens', usage.output_tokens);
  set('cacheReadTokens', usage.cache_read_input_tokens);
  set('cacheWriteTokens', usage.cache_creation_input_tokens);
}

/** OpenAI reports cached tokens inside the input count; split them out like the runners do. */
function fromOpenAi(
  usage: unknown,
  input: string,
  output: string,
  details: string,
): MeteredUsage | undefined {
  if (!isObject(usage)) return undefined;
  const inputTokens = num(usage[input]) ?? 0;
  const cached = isObject(usage[details]) ? (num(usage[details].cached_tokens) ?? 0) : 0;
  return {
    inputTokens: Math.max(0, inputTokens - cached),
    outputTokens: num(usage[output]) ?? 0,
    cacheReadTokens: cached,
    cacheWriteTokens: 0,
  };
}

const fromChat = (usage: unknown) =>
  fromOpenAi(usage, 'prompt_tokens', 'completion_tokens', 'prompt_tokens_details');
const fromResponses = (usage: unknown) =>
  fromOpenAi(usage, 'input_tokens', 'output_tokens', 'input_tokens_details');

function complete(partial: Partial<MeteredUsage>): MeteredUsage | undefined {
  if (Object.keys(partial).length === 0) return undefined;
  return {
    inputTokens: partial.inputTokens ?? 0,
    outputTokens: partial.outputTokens ?? 0,
    cacheReadTokens: partial.cacheReadTokens ?? 0,
    cacheWriteTokens: partial.cacheWriteTokens ?? 0,
  };
}

export class UsageMeter {
  readonly #shape: UsageShape;
  readonly #parser?: EventSourceParser;
  readonly #decoder = new TextDecoder();
  #json: Buffer[] | undefined = [];
  #jsonBytes = 0;
  #anthropic: Partial<MeteredUsage> = {};
  #openai: MeteredUsage | undefined;

  constructor(shape: UsageShape, contentType: string | undefined) {
    this.#shape = shape;
    if (/^text\/event-stream/i.test(contentType ?? '')) {
      this.#json = undefined;
      this.#parser = createParser({ onEvent: (event) => this.#onData(event.data) });
    }
  }

  /** Bytes of the response body as they pass. */
  write(chunk: Buffer): void {
    if (this.#shape === 'none') return;
    if (this.#parser) {
      this.#parser.feed(this.#decoder.decode(chunk, { stream: true }));
      return;
    }
    if (!this.#json) return;
    this.#jsonBytes += chunk.length;
    if (this.#jsonBytes > MAX_JSON_BYTES) this.#json = undefined;
    else this.#json.push(chunk);
  }

  /** The usage the response reported, or undefined when it reported none. */
  end(): MeteredUsage | undefined {
    if (this.#shape === 'none') return undefined;
    if (this.#json) {
      this.#onData(Buffer.concat(this.#json).toString('utf8'));
      this.#json = undefined;
    }
    return this.#shape === 'anthropic-messages' ? complete(this.#anthropic) : this.#openai;
  }

  #onData(data: string): void {
    // Most stream events are text deltas; only parse the few that can carry usage.
    if (!data.includes('"usage"')) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return; // not JSON: nothing reported (the size estimate counts it)
    }
    if (!isObject(parsed)) return;
    if (this.#shape === 'anthropic-messages') {
      mergeAnthropic(this.#anthropic, isObject(parsed.message) ? parsed.message.usage : parsed.usage);
    } else if (this.#shape === 'openai-chat') {
      this.#openai = fromChat(parsed.usage) ?? this.#openai;
    } else {
      const usage = isObject(parsed.response) ? parsed.response.usage : parsed.usage;
      this.#openai = fromResponses(usage) ?? this.#openai;
    }
  }
}

/** What a call that reported no usage counts: its request as input, its reply as output. */
export function estimateUsage(requestBytes: number, responseBytes: number): MeteredUsage {
  return {
    inputTokens: Math.ceil(requestBytes / BYTES_PER_TOKEN),
    outputTokens: Math.ceil(responseBytes / BYTES_PER_TOKEN),
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
  };
}
