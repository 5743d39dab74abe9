/**
 * A fake Anthropic Messages API on 127.0.0.1, for driving the real Claude Agent SDK engine
 * (and anything else that speaks the Messages API) in tests and benchmarks.
 *
 * Usage:
 *   const fake = await startFakeAnthropic();
 *   fake.script(toolUse('Bash', { command: 'ls' }), text('done'));   // answers, in order
 *   // point the engine at it: ANTHROPIC_BASE_URL = fake.url
 *   fake.modelRequests()      // recorded POST /v1/messages bodies of the main loop
 *   fake.requests             // every request, including ones the engine makes on the side
 *   credentialOf(fake.requests[0])  // the token it carried (x-api-key or Authorization: Bearer)
 *   await fake.waitForRequest((r) => lastUserText(r) === 'hi')
 *   await fake.close();
 *
 * Replies: `text(s)`, `toolUse(name, input)` (optionally with leading text), `apiError(500|529)`,
 * `hang()` (accepts the request and never answers), `drop()` (the stream is cut). When the script is empty the fake answers
 * `fallback` (default: text "ok"), so benchmarks get an instantly answering model.
 *
 * `POST /v1/messages` (with or without `?beta=true`) answers SSE with real `event:` lines
 * when the body has `stream: true`, else one JSON message (the engine falls back to that when
 * it cannot parse a stream). `count_tokens` gets a token estimate; anything else gets a
 * harmless 404 JSON error. Only requests that carry `tools` or are not side calls count as
 * main-loop turns: side calls the engine makes on its own (e.g. title or topic generation
 * with no tools and a tiny max_tokens) consume no script entry and get a short text.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeReply =
  | { kind: 'text'; text: string }
  | { kind: 'tool_use'; name: string; input: unknown; id?: string; text?: string }
  | { kind: 'error'; status: number; message?: string }
  | { kind: 'hang' }
  /** A stream that starts (headers, message_start, half a text delta), then the connection drops. */
  | { kind: 'drop' };

export const text = (value: string): FakeReply => ({ kind: 'text', text: value });
export const toolUse = (name: string, input: unknown, leadingText?: string): FakeReply => ({
  kind: 'tool_use',
  name,
  input,
  text: leadingText,
});
export const apiError = (status: number, message?: string): FakeReply => ({ kind: 'error', status, message });
export const hang = (): FakeReply => ({ kind: 'hang' });
export const drop = (): FakeReply => ({ kind: 'drop' });

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  /** performance.now() when the request body was complete. */
  receivedAt: number;
  /** True for a main-loop Messages call (it took a script entry). */
  mainLoop: boolean;
}

export interface MessagesBody {
  model?: string;
  stream?: boolean;
  max_tokens?: number;
  system?: unknown;
  tools?: { name: string }[];
  messages?: { role: string; content: unknown }[];
}

export interface FakeAnthropic {
  url: string;
  readonly requests: RecordedRequest[];
  /** Appends replies to the script. */
  script(...replies: FakeReply[]): void;
  /** The reply used when the script is empty. */
  fallback: FakeReply;
  /** Recorded main-loop Messages bodies. */
  modelRequests(): MessagesBody[];
  waitForRequest(match: (r: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>;
  close(): Promise<void>;
}

/** The text of every block of every message of a request, joined: handy for assertions. */
export function conversationText(body: MessagesBody): string {
  return JSON.stringify(body.messages ?? []);
}

/** The credential a request carried: `x-api-key` (the engine) or a bearer token (the JS SDK). */
export function credentialOf(request: RecordedRequest): string | undefined {
  const key = request.headers['x-api-key'];
  if (typeof key === 'string') return key;
  const auth = request.headers.authorization;
  return typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : undefined;
}

/** The last user message's text content (tool results excluded). */
export function lastUserText(body: MessagesBody): string {
  const last = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user');
  if (!last) return '';
  if (typeof last.content === 'string') return last.content;
  return (last.content as { type: string; text?: string }[])
    .filter((b) => b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text)
    .join('\n');
}

/** Main-loop calls offer tools; the engine's own side calls (titles, topics) do not. */
function isMainLoop(path: string, body: MessagesBody): boolean {
  return (
    path.startsWith('/v1/messages') &&
    !path.includes('count_tokens') &&
    Array.isArray(body.tools) &&
    body.tools.length > 0
  );
}

let ids = 0;
const nextId = (prefix: string): string => `${prefix}_fake${Date.now().toString(36)}${(++ids).toString(36)}`;

function contentBlocks(reply: Extract<FakeReply, { kind: 'text' | 'tool_use' }>): Record<string, unknown>[] {
  if (reply.kind === 'text') return [{ type: 'text', text: reply.text }];
  const blocks: Record<string, unknown>[] = [];
  if (reply.text) blocks.push({ type: 'text', text: reply.text });
  blocks.push({ type: 'tool_use', id: reply.id ?? nextId('toolu'), name: reply.name, input: reply.input });
  return blocks;
}

const usage = {
  input_tokens: 12,
  output_tokens: 7,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
};

function writeJsonMessage(
  res: ServerResponse,
  model: string,
  reply: Extract<FakeReply, { kind: 'text' | 'tool_use' }>,
): void {
  res.writeHead(200, { 'content-type': 'application/json', 'request-id': nextId('req') });
  res.end(
    JSON.stringify({
      id: nextId('msg'),
      type: 'message',
      role: 'assistant',
      model,
      content: contentBlocks(reply),
      stop_reason: reply.kind === 'tool_use' ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage,
    }),
  );
}

function writeStream(
  res: ServerResponse,
  model: string,
  reply: Extract<FakeReply, { kind: 'text' | 'tool_use' }>,
): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'request-id': nextId('req'),
  });
  const events: string[] = [];
  const send = (event: string, data: Record<string, unknown>): void => {
    events.push(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
  };
  send('message_start', {
    message: {
      id: nextId('msg'),
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...usage, output_tokens: 1 },
    },
  });
  contentBlocks(reply).forEach((block, index) => {
    if (block.type === 'text') {
      send('content_block_start', { index, content_block: { type: 'text', text: '' } });
      send('content_block_delta', { index, delta: { type: 'text_delta', text: block.text } });
    } else {
      send('content_block_start', {
        index,
        content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
      });
      send('content_block_delta', {
        index,
        delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) },
      });
    }
    send('content_block_stop', { index });
  });
  send('message_delta', {
    delta: { stop_reason: reply.kind === 'tool_use' ? 'tool_use' : 'end_turn', stop_sequence: null },
    usage: { output_tokens: usage.output_tokens },
  });
  send('message_stop', {});
  res.end(events.join(''));
}

function writeDroppedStream(res: ServerResponse, model: string): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const message = { id: nextId('msg'), type: 'message', role: 'assistant', model, content: [], usage };
  res.write(`event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message })}\n\n`);
  res.write(
    'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
  );
  res.write(
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_del',
  );
  setTimeout(() => res.destroy(), 10);
}

function writeError(res: ServerResponse, status: number, message?: string): void {
  const type = status === 529 ? 'overloaded_error' : status === 429 ? 'rate_limit_error' : 'api_error';
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': nextId('req') });
  res.end(JSON.stringify({ type: 'error', error: { type, message: message ?? `fake ${type} (${status})` } }));
}

export async function startFakeAnthropic(options: { fallback?: FakeReply } = {}): Promise<FakeAnthropic> {
  const queue: FakeReply[] = [];
  const requests: RecordedRequest[] = [];
  const waiters: { match: (r: RecordedRequest) => boolean; resolve: (r: RecordedRequest) => void }[] = [];
  const hanging = new Set<ServerResponse>();

  const record = (r: RecordedRequest): void => {
    requests.push(r);
    for (const w of [...waiters]) {
      if (w.match(r)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(r);
      }
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string): void => {
    const path = req.url ?? '/';
    let body: unknown = raw;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      // kept as text; recorded for the test to see
    }
    const messages = (body ?? {}) as MessagesBody;
    const isMessages = req.method === 'POST' && /^\/v1\/messages(\?|$)/.test(path);
    const mainLoop = isMessages && isMainLoop(path, messages);
    record({
      method: req.method ?? '',
      path,
      headers: req.headers,
      body,
      receivedAt: performance.now(),
      mainLoop,
    });

    if (req.method === 'POST' && path.startsWith('/v1/messages/count_tokens')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ input_tokens: Math.ceil(raw.length / 4) }));
      return;
    }
    if (!isMessages) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: `fake: no ${path}` } }),
      );
      return;
    }
    const reply = mainLoop ? (queue.shift() ?? fake.fallback) : text('Side answer');
    const model = messages.model ?? 'claude-fake';
    if (reply.kind === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    if (reply.kind === 'error') return writeError(res, reply.status, reply.message);
    if (reply.kind === 'drop') return writeDroppedStream(res, model);
    if (messages.stream) writeStream(res, model, reply);
    else writeJsonMessage(res, model, reply);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const fake: FakeAnthropic = {
    url: `http://127.0.0.1:${port}`,
    requests,
    fallback: options.fallback ?? text('ok'),
    script: (...replies) => void queue.push(...replies),
    modelRequests: () => requests.filter((r) => r.mainLoop).map((r) => r.body as MessagesBody),
    waitForRequest: (match, timeoutMs = 30_000) => {
      const seen = requests.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(
            new Error(`fake-anthropic: no matching request within ${timeoutMs} ms (${requests.length} seen)`),
          );
        }, timeoutMs);
        const waiter = {
          match,
          resolve: (r: RecordedRequest) => {
            clearTimeout(timer);
            resolve(r);
          },
        };
        waiters.push(waiter);
      });
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
