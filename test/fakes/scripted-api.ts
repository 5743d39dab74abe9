/**
 * The skeleton the OpenAI-style fakes share: a server on 127.0.0.1:0 that records every
 * request, lists one model, and answers each model request with the next scripted step
 * (or `fallback`, or a loud 500 when the script ran out). Each fake supplies which path is
 * a model request and how a step is written on the wire; hangs and drops are theirs too.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest<Body> {
  method: string;
  path: string;
  authorization: string | undefined;
  body: Body | undefined;
}

/**
 * A step that answers as long as `next` returns one, then gives way to the following step:
 * a model that keeps polling a command until it ended, as a real one does.
 */
export interface RepeatStep<Step, Body> {
  repeat: (body: Body) => Step | undefined;
}

export interface ScriptedApi<Step, Body> {
  /** Base URL without `/v1`, e.g. http://127.0.0.1:40123 */
  url: string;
  script(...steps: (Step | RepeatStep<Step, Body>)[]): void;
  /** Answers every model request once the queue is empty (e.g. for benchmarks). */
  fallback(step: ((body: Body) => Step) | undefined): void;
  requests: RecordedRequest<Body>[];
  /** Model requests only. */
  modelRequests(): RecordedRequest<Body>[];
  close(): Promise<void>;
}

export interface ScriptedApiOptions<Step, Body> {
  /** Used in error messages: `fake-openai`, `fake-responses`. */
  name: string;
  isModelRequest(method: string, path: string): boolean;
  /** A model request whose body is not JSON: 400 when true, else an empty object is passed on. */
  requireJsonBody: boolean;
  /** Writes one step; `hanging` collects responses left open so close() can end them. */
  answer(res: ServerResponse, step: Step, turn: number, body: Body, hanging: Set<ServerResponse>): void;
  /** What GET …/models lists; default one model, `fake-model`. */
  models?: string[];
}

export async function startScriptedApi<Step, Body>(
  options: ScriptedApiOptions<Step, Body>,
): Promise<ScriptedApi<Step, Body>> {
  const queue: (Step | RepeatStep<Step, Body>)[] = [];
  const requests: RecordedRequest<Body>[] = [];
  const hanging = new Set<ServerResponse>();
  let fallback: ((body: Body) => Step) | undefined;
  let turn = 0;

  const server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const body = parseJson<Body>(raw);
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const method = req.method ?? 'GET';
      requests.push({ method, path, authorization: req.headers.authorization, body });
      if (method === 'GET' && path.endsWith('/models')) {
        const ids = options.models ?? ['fake-model'];
        json(res, 200, {
          object: 'list',
          data: ids.map((id) => ({ id, object: 'model', owned_by: 'fake' })),
        });
        return;
      }
      if (!options.isModelRequest(method, path)) {
        json(res, 404, { error: { message: `${options.name}: no route ${method} ${path}` } });
        return;
      }
      if (!body && options.requireJsonBody) {
        json(res, 400, { error: { message: `${options.name}: the body is not JSON` } });
        return;
      }
      const given = body ?? ({} as Body);
      const step = nextStep(queue, given) ?? fallback?.(given);
      if (!step) {
        json(res, 500, {
          error: { message: `${options.name}: no scripted response left`, type: 'server_error' },
        });
        return;
      }
      options.answer(res, step, ++turn, given, hanging);
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
    modelRequests: () => requests.filter((r) => options.isModelRequest(r.method, r.path)),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function nextStep<Step, Body>(queue: (Step | RepeatStep<Step, Body>)[], body: Body): Step | undefined {
  for (;;) {
    const head = queue[0];
    if (head === undefined) return undefined;
    if (!isRepeat(head)) return queue.shift() as Step;
    const step = head.repeat(body);
    if (step !== undefined) return step;
    queue.shift();
  }
}

function isRepeat<Step, Body>(entry: Step | RepeatStep<Step, Body>): entry is RepeatStep<Step, Body> {
  return typeof entry === 'object' && entry !== null && 'repeat' in entry;
}

/** Leaves the response open for good (a hung API); close() ends it. */
export function hang(res: ServerResponse, hanging: Set<ServerResponse>): void {
  hanging.add(res);
  res.on('close', () => hanging.delete(res));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}

function parseJson<T>(raw: string): T | undefined {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
