/**
 * A fake Slack on 127.0.0.1, speaking the real wire protocol so the real
 * @slack/web-api and @slack/socket-mode clients talk to it unchanged.
 *
 *   const slack = await startFakeSlack({ botToken: 'xoxb-test', appToken: 'xapp-test' });
 *   // point the client at slack.apiUrl (WebClient `slackApiUrl`, ends with '/')
 *   const envelopeId = slack.sendEvent({ type: 'message', channel: 'C1', user: 'U1', text: 'hi', ts: '1.000100' });
 *   await slack.waitForAck(envelopeId);
 *   const post = await slack.waitForCall('chat.postMessage');
 *   slack.dropSocket();            // the client reconnects through apps.connections.open
 *   slack.refuse('app');           // that token is now answered invalid_auth (a token revoked in Slack)
 *   await slack.close();           // disconnect the client first, then close the fake
 *
 * Web API: POST /api/<method> with form or JSON bodies (auth.test, apps.connections.open,
 * chat.postMessage, chat.update, reactions.add/remove, users.info,
 * files.getUploadURLExternal, files.completeUploadExternal); tokens are checked.
 * GET /files/<name> serves a private file only with the bot token as a Bearer header.
 * Socket Mode: the websocket at /socket sends `hello`, then `events_api` envelopes;
 * acks ({envelope_id}) are recorded. Envelopes not acked when a socket drops are
 * delivered again on the next connection, as Slack does (retry_attempt + 1).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface FakeSlackOptions {
  botToken?: string;
  appToken?: string;
  botUserId?: string;
  botId?: string;
  teamId?: string;
  /** Listen on this port (a client configured before the fake came up); default: any free port. */
  port?: number;
  /** How often the fake pings the client (Slack pings; the client times out without them). */
  pingIntervalMs?: number;
  /** User ids of other apps' bots in the workspace: users.info says `is_bot: true` for them. */
  otherBots?: string[];
}

export interface RecordedCall {
  method: string;
  params: Record<string, unknown>;
  authorization: string | undefined;
  /** What the fake answered (set in the same tick as the call is matched, so a waiter sees it). */
  response?: Record<string, unknown>;
}

interface Envelope {
  envelope_id: string;
  type: 'events_api';
  accepts_response_payload: boolean;
  retry_attempt: number;
  retry_reason: string;
  payload: Record<string, unknown>;
}

type Waiter = { match: (call: RecordedCall) => boolean; resolve: (call: RecordedCall) => void };

export interface FakeSlack {
  /** Web API base URL, with the trailing slash WebClient expects. */
  apiUrl: string;
  origin: string;
  calls: RecordedCall[];
  acks: string[];
  /** Bytes received by the upload URL, by file id. */
  uploads: Map<string, Buffer>;
  /** Files served at GET /files/<name> (url_private). */
  privateFiles: Map<string, Buffer>;
  /** Authorization headers seen on private file downloads. */
  fileAuthHeaders: (string | undefined)[];
  connections: number;
  sendEvent(event: Record<string, unknown>, options?: { envelopeId?: string }): string;
  /** Sends raw text on the socket (hostile frames). */
  sendRaw(text: string): void;
  waitForAck(envelopeId: string, timeoutMs?: number): Promise<void>;
  waitForCall(
    method: string,
    match?: (call: RecordedCall) => boolean,
    timeoutMs?: number,
  ): Promise<RecordedCall>;
  waitForConnections(count: number, timeoutMs?: number): Promise<void>;
  callsTo(method: string): RecordedCall[];
  /** The next call to `method` answers 429 with Retry-After. */
  rateLimitNext(method: string, retryAfterSeconds: number): void;
  /** Every call to `method` answers HTTP 503 (Slack having an outage) until `restore()`. */
  failWith503(method: string): void;
  /** Calls with the bot or app token answer ok:false with `error` (default invalid_auth: revoked) until `restore()`. */
  refuse(token: 'bot' | 'app', error?: string): void;
  /** Ends every refusal and outage set by `refuse` and `failWith503`. */
  restore(): void;
  dropSocket(): void;
  close(): Promise<void>;
}

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const botToken = options.botToken ?? 'xoxb-fake-bot-token';
  const appToken = options.appToken ?? 'xapp-fake-app-token';
  const botUserId = options.botUserId ?? 'UBOT';
  const botId = options.botId ?? 'BBOT';
  const teamId = options.teamId ?? 'T1';
  const calls: RecordedCall[] = [];
  const acks: string[] = [];
  const uploads = new Map<string, Buffer>();
  const privateFiles = new Map<string, Buffer>();
  const fileAuthHeaders: (string | undefined)[] = [];
  const pending = new Map<string, Envelope>();
  const rateLimits = new Map<string, number>();
  const outages = new Set<string>();
  const refusals = new Map<'bot' | 'app', string>();
  let waiters: Waiter[] = [];
  let ackWaiters: { id: string; resolve: () => void }[] = [];
  let socket: WebSocket | undefined;
  let connections = 0;
  let connectionWaiters: { count: number; resolve: () => void }[] = [];
  let seq = 0;
  let tsCounter = 0;

  const server: Server = createServer((req, res) => {
    void handleHttp(req, res).catch((err: unknown) => {
      res.writeHead(500).end(String(err));
    });
  });
  const wss = new WebSocketServer({ server, path: '/socket' });

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = await readBody(req);
    if (req.method === 'GET' && url.pathname.startsWith('/files/')) {
      fileAuthHeaders.push(req.headers.authorization);
      const file = privateFiles.get(decodeURIComponent(url.pathname.slice('/files/'.length)));
      if (req.headers.authorization !== `Bearer ${botToken}`) return void res.writeHead(403).end('forbidden');
      if (!file) return void res.writeHead(404).end('not found');
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(file);
      return;
    }
    if (req.method === 'POST' && url.pathname.startsWith('/upload/')) {
      uploads.set(url.pathname.slice('/upload/'.length), await uploadedBytes(req, body));
      res.writeHead(200, { 'content-type': 'text/plain' }).end('OK - ' + body.length);
      return;
    }
    if (!url.pathname.startsWith('/api/')) return void res.writeHead(404).end();
    const method = url.pathname.slice('/api/'.length);
    const call: RecordedCall = {
      method,
      params: parseParams(req, body),
      authorization: req.headers.authorization,
    };
    const limited = rateLimits.get(method);
    if (limited !== undefined) {
      rateLimits.delete(method);
      calls.push({ ...call, method: `${method}#429` });
      res.writeHead(429, { 'retry-after': String(limited), 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    if (outages.has(method)) {
      calls.push({ ...call, method: `${method}#503` });
      res.writeHead(503, { 'content-type': 'text/plain' }).end('service unavailable');
      return;
    }
    calls.push(call);
    const reply = (payload: Record<string, unknown>): void => {
      call.response = payload;
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(payload));
    };
    const kind = method === 'apps.connections.open' ? 'app' : 'bot';
    const expected = kind === 'app' ? appToken : botToken;
    if (call.authorization !== `Bearer ${expected}`) return reply({ ok: false, error: 'invalid_auth' });
    const refusal = refusals.get(kind);
    if (refusal) return reply({ ok: false, error: refusal });
    waiters = waiters.filter((w) => (w.match(call) ? (w.resolve(call), false) : true));
    switch (method) {
      case 'auth.test':
        return reply({
          ok: true,
          url: 'https://fake.slack/',
          team: 'Fake',
          user: 'omni',
          team_id: teamId,
          user_id: botUserId,
          bot_id: botId,
        });
      case 'apps.connections.open': {
        const { port } = server.address() as AddressInfo;
        return reply({ ok: true, url: `ws://127.0.0.1:${port}/socket` });
      }
      case 'chat.postMessage':
      case 'chat.update':
        return reply({
          ok: true,
          channel: call.params.channel,
          ts: (call.params.ts as string) ?? nextTs(),
          message: { text: call.params.text },
        });
      case 'reactions.add':
      case 'reactions.remove':
        return reply({ ok: true });
      case 'users.info':
        return reply({
          ok: true,
          user: {
            id: call.params.user,
            name: 'user',
            real_name: `Real ${String(call.params.user)}`,
            profile: { display_name: '' },
            is_bot: options.otherBots?.includes(String(call.params.user)) ?? false,
          },
        });
      case 'files.getUploadURLExternal': {
        const { port } = server.address() as AddressInfo;
        const id = `F${++seq}`;
        return reply({ ok: true, upload_url: `http://127.0.0.1:${port}/upload/${id}`, file_id: id });
      }
      case 'files.completeUploadExternal':
        return reply({ ok: true, files: JSON.parse(String(call.params.files ?? '[]')) as unknown[] });
      default:
        return reply({ ok: false, error: 'unknown_method' });
    }
  }

  const nextTs = (): string => `${Math.floor(Date.now() / 1000)}.${String(++tsCounter).padStart(6, '0')}`;

  wss.on('connection', (ws) => {
    socket = ws;
    connections++;
    connectionWaiters = connectionWaiters.filter((w) =>
      connections >= w.count ? (w.resolve(), false) : true,
    );
    ws.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A1' } }));
    for (const envelope of pending.values()) {
      envelope.retry_attempt++;
      envelope.retry_reason = 'timeout';
      ws.send(JSON.stringify(envelope));
    }
    const pinger = setInterval(() => ws.ping(), options.pingIntervalMs ?? 2_000);
    ws.on('close', () => clearInterval(pinger));
    ws.on('message', (data) => {
      let parsed: { envelope_id?: unknown };
      try {
        parsed = JSON.parse(String(data)) as { envelope_id?: unknown };
      } catch {
        return;
      }
      if (typeof parsed.envelope_id !== 'string') return;
      acks.push(parsed.envelope_id);
      pending.delete(parsed.envelope_id);
      ackWaiters = ackWaiters.filter((w) => (w.id === parsed.envelope_id ? (w.resolve(), false) : true));
    });
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  const withTimeout = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fake Slack: timed out waiting for ${what}`)), ms);
      void promise.then((v) => (clearTimeout(timer), resolve(v)));
    });

  return {
    apiUrl: `${origin}/api/`,
    origin,
    calls,
    acks,
    uploads,
    privateFiles,
    fileAuthHeaders,
    get connections() {
      return connections;
    },
    sendEvent(event, opts = {}) {
      const id = opts.envelopeId ?? `env-${++seq}`;
      const envelope: Envelope = {
        envelope_id: id,
        type: 'events_api',
        accepts_response_payload: false,
        retry_attempt: 0,
        retry_reason: '',
        payload: {
          token: 'verification',
          team_id: teamId,
          api_app_id: 'A1',
          type: 'event_callback',
          event_id: `Ev${seq}`,
          event_time: Math.floor(Date.now() / 1000),
          authorizations: [{ team_id: teamId, user_id: botUserId, is_bot: true }],
          event,
        },
      };
      pending.set(id, envelope);
      socket?.send(JSON.stringify(envelope));
      return id;
    },
    sendRaw(text) {
      socket?.send(text);
    },
    waitForAck(id, timeoutMs = 5_000) {
      if (acks.includes(id)) return Promise.resolve();
      return withTimeout(
        new Promise<void>((resolve) => ackWaiters.push({ id, resolve })),
        timeoutMs,
        `ack ${id}`,
      );
    },
    waitForCall(method, match = () => true, timeoutMs = 5_000) {
      const done = calls.find((c) => c.method === method && match(c));
      if (done) return Promise.resolve(done);
      return withTimeout(
        new Promise<RecordedCall>((resolve) =>
          waiters.push({ match: (c) => c.method === method && match(c), resolve }),
        ),
        timeoutMs,
        method,
      );
    },
    waitForConnections(count, timeoutMs = 10_000) {
      if (connections >= count) return Promise.resolve();
      return withTimeout(
        new Promise<void>((resolve) => connectionWaiters.push({ count, resolve })),
        timeoutMs,
        `${count} connections`,
      );
    },
    callsTo(method) {
      return calls.filter((c) => c.method === method);
    },
    rateLimitNext(method, seconds) {
      rateLimits.set(method, seconds);
    },
    failWith503(method) {
      outages.add(method);
    },
    refuse(token, error = 'invalid_auth') {
      refusals.set(token, error);
    },
    restore() {
      outages.clear();
      refusals.clear();
    },
    dropSocket() {
      socket?.terminate();
      socket = undefined;
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The upload URL takes raw bytes or a multipart form (what WebClient sends). */
async function uploadedBytes(req: IncomingMessage, body: Buffer): Promise<Buffer> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('multipart/form-data')) return body;
  const form = await new Response(body, { headers: { 'content-type': type } }).formData();
  for (const value of form.values()) {
    if (typeof value !== 'string') return Buffer.from(await value.arrayBuffer());
  }
  return Buffer.alloc(0);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** WebClient sends form-encoded bodies (objects JSON-encoded inside); some callers send JSON. */
function parseParams(req: IncomingMessage, body: Buffer): Record<string, unknown> {
  const type = req.headers['content-type'] ?? '';
  const text = body.toString('utf8');
  if (type.includes('application/json')) {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(text));
}
