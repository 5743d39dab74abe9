/**
 * A fake OpenAI Responses API on 127.0.0.1, as the Codex CLI uses it.
 *
 *   const api = await startFakeResponses();
 *   api.script(
 *     { kind: 'function_call', name: 'exec_command', arguments: { cmd: 'echo hi' } },
 *     { kind: 'function_call', namespace: 'mcp__omniclaw', name: 'send_message', arguments: { text: 'hey' } },
 *     { kind: 'text', text: 'All done.' },
 *   );
 *   // model provider base_url = `${api.url}/v1`, wire_api = "responses"
 *   api.requests;   // every request: method, path, authorization header, parsed JSON body
 *   await api.close();
 *
 * `POST /v1/responses` answers with the SSE events Codex reads: `response.created`,
 * `response.output_item.added`, `response.output_text.delta`, `response.output_item.done`,
 * `response.completed` (with usage). One scripted step answers one request. Steps may also be
 * an HTTP error (`{ kind: 'http_error', status }`), a hang (`{ kind: 'hang' }`: headers never
 * come) or a drop (`{ kind: 'drop' }`: the stream starts, then the connection closes). With
 * the queue empty the fake answers 500 with a message saying so, so a test that forgot a step
 * fails loudly (or calls `fallback`). `GET /v1/models` lists one model; other paths are 404.
 * Codex offers MCP tools as `namespace` tools (`mcp__<server>`); a function_call step names
 * the tool and its namespace, as the real API does.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ResponsesStep =
  | { kind: 'text'; text: string; usage?: { input: number; output: number; cached?: number } }
  | {
      kind: 'function_call';
      name: string;
      /** Codex groups MCP tools in a namespace tool (`mcp__<server>`); calls name it here. */
      namespace?: string;
      /** A value is JSON-encoded; a string is sent as is (e.g. broken JSON). */
      arguments: unknown;
      callId?: string;
      text?: string;
    }
  | { kind: 'http_error'; status: number; body?: string; headers?: Record<string, string> }
  | { kind: 'hang' }
  /** The stream starts (response.created), then the connection drops. */
  | { kind: 'drop' };

export interface RecordedResponsesRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown> | undefined;
}

export interface FakeResponses {
  /** Base URL without the `/v1` suffix, e.g. http://127.0.0.1:40123 */
  url: string;
  script(...steps: ResponsesStep[]): void;
  /** Answers every request once the queue is empty (e.g. for benchmarks). */
  fallback(step: ((body: Record<string, unknown>) => ResponsesStep) | undefined): void;
  requests: RecordedResponsesRequest[];
  /** Requests to `/v1/responses` only. */
  turns(): RecordedResponsesRequest[];
  close(): Promise<void>;
}

export async function startFakeResponses(): Promise<FakeResponses> {
  const queue: ResponsesStep[] = [];
  const requests: RecordedResponsesRequest[] = [];
  const hanging = new Set<ServerResponse>();
  let fallback: ((body: Record<string, unknown>) => ResponsesStep) | undefined;
  let counter = 0;

  const server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const body = parseJson(raw);
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      requests.push({ method: req.method ?? 'GET', path, authorization: req.headers.authorization, body });
      if (req.method === 'GET' && path.endsWith('/models')) {
        json(res, 200, { object: 'list', data: [{ id: 'fake-model', object: 'model', owned_by: 'fake' }] });
        return;
      }
      if (req.method !== 'POST' || !path.endsWith('/responses')) {
        json(res, 404, { error: { message: `fake-responses: no route ${req.method} ${path}` } });
        return;
      }
      const step = queue.shift() ?? fallback?.(body ?? {});
      if (!step) {
        json(res, 500, {
          error: { message: 'fake-responses: no scripted response left', type: 'server_error' },
        });
        return;
      }
      counter += 1;
      answer(res, step, `resp_${counter}`, hanging);
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
    turns: () => requests.filter((r) => r.path.endsWith('/responses')),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function answer(res: ServerResponse, step: ResponsesStep, id: string, hanging: Set<ServerResponse>): void {
  if (step.kind === 'hang') {
    hanging.add(res);
    res.on('close', () => hanging.delete(res));
    return;
  }
  if (step.kind === 'http_error') {
    res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
    res.end(step.body ?? JSON.stringify({ error: { message: `fake-responses: scripted ${step.status}` } }));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  if (step.kind === 'drop') {
    res.write(
      `event: response.created\ndata: ${JSON.stringify({ type: 'response.created', response: { id } })}\n\n`,
    );
    setTimeout(() => res.destroy(), 10);
    return;
  }
  const send = (type: string, data: Record<string, unknown>): void => {
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  };
  const base = { id, object: 'response', created_at: Math.floor(Date.now() / 1000), model: 'fake-model' };
  send('response.created', { response: { ...base, status: 'in_progress', output: [] } });
  const output: Record<string, unknown>[] = [];
  let index = 0;
  const text = step.kind === 'text' ? step.text : step.text;
  if (text) {
    const item = { id: `msg_${id}_${index}`, type: 'message', role: 'assistant', status: 'completed' };
    const content = [{ type: 'output_text', text, annotations: [] }];
    send('response.output_item.added', {
      output_index: index,
      item: { ...item, status: 'in_progress', content: [] },
    });
    send('response.output_text.delta', {
      item_id: item.id,
      output_index: index,
      content_index: 0,
      delta: text,
    });
    send('response.output_item.done', { output_index: index, item: { ...item, content } });
    output.push({ ...item, content });
    index += 1;
  }
  if (step.kind === 'function_call') {
    const args = typeof step.arguments === 'string' ? step.arguments : JSON.stringify(step.arguments);
    const item = {
      id: `fc_${id}_${index}`,
      type: 'function_call',
      status: 'completed',
      name: step.name,
      ...(step.namespace ? { namespace: step.namespace } : {}),
      arguments: args,
      call_id: step.callId ?? `call_${id}_${index}`,
    };
    send('response.output_item.added', { output_index: index, item: { ...item, arguments: '' } });
    send('response.output_item.done', { output_index: index, item });
    output.push(item);
  }
  const usage = step.kind === 'text' && step.usage ? step.usage : { input: 100, output: 20, cached: 0 };
  send('response.completed', {
    response: {
      ...base,
      status: 'completed',
      output,
      usage: {
        input_tokens: usage.input,
        input_tokens_details: { cached_tokens: usage.cached ?? 0 },
        output_tokens: usage.output,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: usage.input + usage.output,
      },
    },
  });
  res.end();
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}

function parseJson(raw: string): Record<string, unknown> | undefined {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
