/**
 * A model answer from what an OpenAI-compatible server sent: one JSON completion, or the
 * chunks of a stream put together (text deltas, tool-call deltas by index, the usage chunk).
 * Local servers differ: ids may be missing, arguments may arrive as an object; the next
 * request needs both as OpenAI sends them.
 */
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { ChatToolCall } from './openai-messages.js';

/** A model request that failed, with what a person needs to know. */
export class ModelApiError extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 for a connection that failed or broke (worth a retry). */
    readonly status?: number,
    readonly retryAfter?: string | null,
  ) {
    super(message);
    this.name = 'ModelApiError';
  }
}

export interface ChatResponse {
  message: { content: string | null; tool_calls?: ChatToolCall[] };
  finishReason: string | undefined;
  usage: { inputTokens: number; outputTokens: number; cacheReadTokens: number };
}

type RawUsage = ChatCompletion['usage'] | null | undefined;

export function fromCompletion(raw: ChatCompletion): ChatResponse {
  const choice = raw?.choices?.[0];
  if (!choice?.message) {
    throw new ModelApiError(`the model API answered without a message: ${JSON.stringify(raw).slice(0, 200)}`);
  }
  const calls = (choice.message.tool_calls ?? []).filter(
    (call): call is Extract<typeof call, { type: 'function' }> =>
      Boolean((call as { function?: { name?: string } })?.function?.name),
  );
  return {
    message: {
      content: choice.message.content ?? null,
      ...(calls.length
        ? {
            tool_calls: calls.map((call, i) =>
              normaliseCall(call.id, call.function.name, call.function.arguments, i),
            ),
          }
        : {}),
    },
    finishReason: choice.finish_reason ?? undefined,
    usage: usageOf(raw.usage),
  };
}

/**
 * The answer a stream carried, or why it cannot be used: `no-choices` (nothing but maybe
 * usage: the server does not stream), `tool-calls-missing` (it ended for tool calls it never
 * sent: the server does not stream them).
 */
export function assembleChunks(
  chunks: ChatCompletionChunk[],
): ChatResponse | 'no-choices' | 'tool-calls-missing' {
  let content = '';
  let finishReason: string | undefined;
  let usage: RawUsage;
  let sawChoice = false;
  const calls = new Map<number, { id: string; name: string; arguments: string }>();
  for (const chunk of chunks) {
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices?.[0];
    if (!choice) continue;
    sawChoice = true;
    if (choice.finish_reason) finishReason = choice.finish_reason;
    if (choice.delta?.content) content += choice.delta.content;
    for (const delta of choice.delta?.tool_calls ?? []) {
      const call = calls.get(delta.index) ?? { id: '', name: '', arguments: '' };
      if (delta.id) call.id = delta.id;
      if (delta.function?.name) call.name += delta.function.name;
      const args = delta.function?.arguments as unknown;
      if (typeof args === 'string') call.arguments += args;
      else if (args !== undefined && args !== null) call.arguments += JSON.stringify(args);
      calls.set(delta.index, call);
    }
  }
  if (!sawChoice) return 'no-choices';
  const toolCalls = [...calls.entries()]
    .sort(([a], [b]) => a - b)
    .filter(([, call]) => call.name)
    .map(([, call], i) => normaliseCall(call.id, call.name, call.arguments, i));
  if (!toolCalls.length && (finishReason === 'tool_calls' || finishReason === 'function_call')) {
    return 'tool-calls-missing';
  }
  return {
    message: { content: content || null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
    finishReason,
    usage: usageOf(usage),
  };
}

/** prompt_tokens includes cached tokens; like Anthropic's input_tokens, ours does not. */
function usageOf(usage: RawUsage): ChatResponse['usage'] {
  const cached = usage?.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    inputTokens: Math.max(0, (usage?.prompt_tokens ?? 0) - cached),
    outputTokens: usage?.completion_tokens ?? 0,
    cacheReadTokens: cached,
  };
}

function normaliseCall(id: string | undefined, name: string, args: unknown, index: number): ChatToolCall {
  return {
    id: id || `call_${Date.now()}_${index}`,
    type: 'function',
    function: { name, arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}) },
  };
}
