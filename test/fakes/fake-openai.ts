/**
 * A fake OpenAI-compatible Chat Completions server on 127.0.0.1.
 *
 *   const api = await startFakeOpenAI();
 *   api.script(
 *     { kind: 'tool_calls', calls: [{ name: 'bash', arguments: { command: 'echo hi' } }] },
 *     { kind: 'text', text: 'Done.', usage: { input: 10, output: 2 } },
 *   );
 *   // client base URL = `${api.url}/v1`
 *   api.requests;   // every request: method, path, authorization header, parsed JSON body
 *   await api.close();
 *
 * `POST /v1/chat/completions` answers one scripted step per request, as JSON or, when the
 * request has `stream: true`, as SSE `data:` chunks (content deltas, tool_calls deltas split
 * across chunks, a usage chunk) ending with `data: [DONE]`. A step may also be an HTTP error
 * (`{ kind: 'http_error', status, headers? }`), a hang (`{ kind: 'hang' }`: no headers ever) or
 * a dropped connection (`{ kind: 'drop' }`: headers and half a body, then the socket closes)
 * or a stall (`{ kind: 'stall' }`: headers, then nothing while the connection stays open).
 * Tool call arguments may be a value (sent as JSON) or a raw string (e.g. invalid JSON).
 * With the queue empty the fake answers 500 saying so (or calls `fallback`, for benchmarks).
 * `startFakeOpenAI({ streamToolCalls: false })` acts as servers that cannot stream tool
 * calls: a streamed answer carries the text and `finish_reason: "tool_calls"`, but no calls.
 * `GET /v1/models` lists one model (or `startFakeOpenAI({ models })`); anything else is 404.
 */
import type { ServerResponse } from 'node:http';
import { hang, json, startScriptedApi, type RecordedRequest, type ScriptedApi } from './scripted-api.js';

export interface ScriptedToolCall {
  name: string;
  /** A value is JSON-encoded; a string is sent as is (so tests can send broken JSON). */
  arguments: unknown;
  id?: string;
}

export type OpenAIStep =
  | { kind: 'text'; text: string; usage?: { input: number; output: number; cached?: number } }
  | { kind: 'tool_calls'; calls: ScriptedToolCall[]; text?: string }
  | { kind: 'http_error'; status: number; body?: string; headers?: Record<string, string> }
  | { kind: 'hang' }
  /** Headers and half a body, then the connection drops; streamed, `text` goes out whole first. */
  | { kind: 'drop'; text?: string }
  /** Headers (and, streamed, `text` as whole chunks), then silence with the connection open. */
  | { kind: 'stall'; text?: string };

export type RecordedOpenAIRequest = RecordedRequest<ChatBody>;

export interface ChatBody {
  model?: string;
  stream?: boolean;
  messages?: { role: string; content?: string | null; tool_call_id?: string; tool_calls?: unknown[] }[];
  tools?: { type: string; function: { name: string; parameters?: unknown } }[];
  [key: string]: unknown;
}

export interface FakeOpenAI extends ScriptedApi<OpenAIStep, ChatBody> {
  /** Requests to /v1/chat/completions only. */
  completions(): RecordedOpenAIRequest[];
}

export async function startFakeOpenAI(
  options: { streamToolCalls?: boolean; models?: string[] } = {},
): Promise<FakeOpenAI> {
  const streamToolCalls = options.streamToolCalls ?? true;
  const api = await startScriptedApi<OpenAIStep, ChatBody>({
    name: 'fake-openai',
    isModelRequest: (method, path) => method === 'POST' && path === '/v1/chat/completions',
    requireJsonBody: true,
    ...(options.models ? { models: options.models } : {}),
    answer: (res, step, turn, body, hanging) =>
      answer(res, step, `chatcmpl-${turn}`, body.stream === true, hanging, streamToolCalls),
  });
  return { ...api, completions: api.modelRequests };
}

function answer(
  res: ServerResponse,
  step: OpenAIStep,
  id: string,
  stream: boolean,
  hanging: Set<ServerResponse>,
  streamToolCalls: boolean,
): void {
  if (step.kind === 'hang') return hang(res, hanging);
  if (step.kind === 'http_error') {
    res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
    res.end(step.body ?? JSON.stringify({ error: { message: `fake-openai: scripted ${step.status}` } }));
    return;
  }
  if (step.kind === 'drop' || step.kind === 'stall') {
    res.writeHead(200, {
      'content-type': stream ? 'text/event-stream' : 'application/json',
      ...(step.kind === 'drop' ? { 'content-length': '1000' } : {}),
    });
    if (stream && step.text) {
      const data = {
        id,
        object: 'chat.completion.chunk',
        choices: [{ index: 0, delta: { content: step.text } }],
      };
      res.write(`data: ${JSON.stringify(data)}\n\n`);
    }
    if (step.kind === 'stall') return hang(res, hanging);
    res.write(stream ? 'data: {"id":"x","choices":[{"index":0,"delta":{"content":"par' : '{"id": "x", "choi');
    setTimeout(() => res.destroy(), 10);
    return;
  }
  const text = step.text ?? null;
  const calls =
    step.kind === 'tool_calls'
      ? step.calls.map((call, i) => ({
          id: call.id ?? `call_${id}_${i}`,
          type: 'function' as const,
          function: {
            name: call.name,
            arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
          },
        }))
      : [];
  const tokens = step.kind === 'text' && step.usage ? step.usage : { input: 50, output: 10, cached: 0 };
  const usage = {
    prompt_tokens: tokens.input,
    completion_tokens: tokens.output,
    total_tokens: tokens.input + tokens.output,
    prompt_tokens_details: { cached_tokens: tokens.cached ?? 0 },
  };
  const finish = calls.length ? 'tool_calls' : 'stop';
  const base = { id, created: Math.floor(Date.now() / 1000), model: 'fake-model' };
  if (!stream) {
    const message = { role: 'assistant', content: text, ...(calls.length ? { tool_calls: calls } : {}) };
    json(res, 200, {
      ...base,
      object: 'chat.completion',
      choices: [{ index: 0, message, finish_reason: finish }],
      usage,
    });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null): void => {
    const data = {
      ...base,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta, finish_reason: finishReason }],
    };
    res.write(`data: ${JSON.stringify(data)}\n\n`);
  };
  chunk({ role: 'assistant', content: '' });
  if (text) for (const piece of split(text)) chunk({ content: piece });
  (streamToolCalls ? calls : []).forEach((call, index) => {
    chunk({
      tool_calls: [
        { index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } },
      ],
    });
    for (const piece of split(call.function.arguments))
      chunk({ tool_calls: [{ index, function: { arguments: piece } }] });
  });
  chunk({}, finish);
  res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage })}\n\n`);
  res.end('data: [DONE]\n\n');
}

/** Splits text into a few pieces so clients must reassemble deltas. */
function split(text: string): string[] {
  const size = Math.max(1, Math.ceil(text.length / 3));
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}
