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
 * a dropped connection (`{ kind: 'drop' }`: headers and half a body, then the socket closes).
 * Tool call arguments may be a value (sent as JSON) or a raw string (e.g. invalid JSON).
 * With the queue empty the fake answers 500 saying so (or calls `fallback`, for benchmarks).
 * `GET /v1/models` lists one model; anything else is 404.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

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
  /** Headers and half a body, then the connection drops. */
  | { kind: 'drop' };

export interface RecordedOpenAIRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: ChatBody | undefined;
}

export interface ChatBody {
  model?: string;
  stream?: boolean;
  messages?: { role: string; content?: string | null; tool_call_id?: string; tool_calls?: unknown[] }[];
  tools?: { type: string; function: { name: string; parameters?: unknown } }[];
  [key: string]: unknown;
}

export interface FakeOpenAI {
  /** Base URL without `/v1`, e.g. http://127.0.0.1:40123 */
  url: string;
  script(...steps: OpenAIStep[]): void;
  fallback(step: ((body: ChatBody) => OpenAIStep) | undefined): void;
  requests: RecordedOpenAIRequest[];
  /** Requests to /v1/chat/completions only. */
  completions(): RecordedOpenAIRequest[];
  close(): Promise<void>;
}

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const queue: OpenAIStep[] = [];
  const requests: RecordedOpenAIRequest[] = [];
  const hanging = new Set<ServerResponse>();
  let fallback: ((body: ChatBody) => OpenAIStep) | undefined;
  let counter = 0;

  const server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const body = parseJson(raw);
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      requests.push({ method: req.method ?? 'GET', path, authorization: req.headers.authorization, body });
      if (req.method === 'GET' && path === '/v1/models') {
        json(res, 200, { object: 'list', data: [{ id: 'fake-model', object: 'model', owned_by: 'fake' }] });
        return;
      }
      if (req.method !== 'POST' || path !== '/v1/chat/completions') {
        json(res, 404, { error: { message: `fake-openai: no route ${req.method} ${path}` } });
        return;
      }
      if (!body) {
        json(res, 400, { error: { message: 'fake-openai: the body is not JSON' } });
        return;
      }
      const step = queue.shift() ?? fallback?.(body);
      if (!step) {
        json(res, 500, {
          error: { message: 'fake-openai: no scripted response left', type: 'server_error' },
        });
        return;
      }
      counter += 1;
      answer(res, step, `chatcmpl-${counter}`, body.stream === true, hanging);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    script: (...steps) => queue.push(...steps),
    fallback: (fn) => {
      fallback = fn;
    },
    requests,
    completions: () => requests.filter((r) => r.path === '/v1/chat/completions'),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function answer(
  res: ServerResponse,
  step: OpenAIStep,
  id: string,
  stream: boolean,
  hanging: Set<ServerResponse>,
): void {
  if (step.kind === 'hang') {
    hanging.add(res);
    res.on('close', () => hanging.delete(res));
    return;
  }
  if (step.kind === 'http_error') {
    res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
    res.end(step.body ?? JSON.stringify({ error: { message: `fake-openai: scripted ${step.status}` } }));
    return;
  }
  if (step.kind === 'drop') {
    res.writeHead(200, {
      'content-type': stream ? 'text/event-stream' : 'application/json',
      'content-length': '1000',
    });
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
  calls.forEach((call, index) => {
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

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}

function parseJson(raw: string): ChatBody | undefined {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as ChatBody;
  } catch {
    return undefined;
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
