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
 *
 * Codex's `exec_command` hands a command back after `yield_time_ms` (10 s by default, at most
 * 30 s) while it still runs ("Process running with session ID N"); the model is expected to
 * poll it with `write_stdin`. `pollUntilExited()` is that model: put it after an exec_command
 * step and it polls until the command ended, then the script goes on.
 */
import type { ServerResponse } from 'node:http';
import {
  hang,
  startScriptedApi,
  type RecordedRequest,
  type RepeatStep,
  type ScriptedApi,
} from './scripted-api.js';

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

export type RecordedResponsesRequest = RecordedRequest<Record<string, unknown>>;

export interface FakeResponses extends ScriptedApi<ResponsesStep, Record<string, unknown>> {
  /** Requests to `/v1/responses` only. */
  turns(): RecordedResponsesRequest[];
}

export async function startFakeResponses(): Promise<FakeResponses> {
  const api = await startScriptedApi<ResponsesStep, Record<string, unknown>>({
    name: 'fake-responses',
    isModelRequest: (method, path) => method === 'POST' && path.endsWith('/responses'),
    requireJsonBody: false,
    answer: (res, step, turn, _body, hanging) => answer(res, step, `resp_${turn}`, hanging),
  });
  return { ...api, turns: api.modelRequests };
}

/** Polls the command the last tool output says is still running; none running: gives way. */
export function pollUntilExited(): RepeatStep<ResponsesStep, Record<string, unknown>> {
  return {
    repeat: (body) => {
      const running = /Process running with session ID (\d+)/.exec(lastToolOutput(body) ?? '');
      if (!running) return undefined;
      return {
        kind: 'function_call',
        name: 'write_stdin',
        // An empty write is a poll; it returns once the command ended or the wait is over.
        arguments: { session_id: Number(running[1]), chars: '', yield_time_ms: 30_000 },
      };
    },
  };
}

/** The text of the newest function_call_output in a request's input. */
export function lastToolOutput(body: Record<string, unknown> | undefined): string | undefined {
  const input = (body?.input ?? []) as { type: string; output?: unknown }[];
  const item = input.findLast((i) => i.type === 'function_call_output');
  if (!item) return undefined;
  return typeof item.output === 'string'
    ? item.output
    : (item.output as { text?: string }[]).map((p) => p.text ?? '').join('');
}

function answer(res: ServerResponse, step: ResponsesStep, id: string, hanging: Set<ServerResponse>): void {
  if (step.kind === 'hang') return hang(res, hanging);
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
