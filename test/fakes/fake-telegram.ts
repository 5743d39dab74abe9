/**
 * A fake Telegram Bot API on 127.0.0.1, spoken to by the real grammY client.
 *
 *   const tg = await startFakeTelegram();          // tg.apiRoot, tg.token, tg.bot
 *   tg.userSends({ chat: privateChat(42), text: 'hi' });   // queues an update
 *   await tg.waitForCall('sendMessage');           // what the bot sent
 *   tg.failNext('sendMessage', { code: 429, retryAfter: 1 }); // or { code: 500 } or 'drop'
 *   tg.setDown(true);                              // every request's socket is destroyed
 *   await tg.close();
 *
 * Methods: getMe, deleteWebhook, getUpdates (long-polled: held until an update is queued
 * or the timeout passes; updates stay queued until a later call confirms them with a
 * higher offset, as Telegram does), sendMessage (HTML entities validated like Telegram,
 * 4096-character limit on the parsed text), sendChatAction, setMessageReaction,
 * editMessageText, getFile and downloads under /file/bot<token>/<path>, sendDocument
 * (multipart). Every call is recorded in `calls`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeChat {
  id: number;
  type: 'private' | 'group' | 'supergroup';
  title?: string;
  first_name?: string;
}
export interface FakeUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  username?: string;
}
export interface Call {
  method: string;
  payload: Record<string, unknown>;
  /** When the request arrived (epoch ms). */
  at: number;
}
export type Failure = { code: number; description?: string; retryAfter?: number } | 'drop';

export const privateChat = (id: number): FakeChat => ({ id, type: 'private', first_name: `User${id}` });
export const groupChat = (id: number, title = 'The Group'): FakeChat => ({ id, type: 'supergroup', title });
export const user = (id: number, first_name = `User${id}`): FakeUser => ({ id, is_bot: false, first_name });

export interface UserMessage {
  chat: FakeChat;
  from?: FakeUser;
  text?: string;
  caption?: string;
  entities?: { type: string; offset: number; length: number }[];
  replyTo?: Record<string, unknown>;
  document?: { file_id: string; file_name?: string; file_size?: number; mime_type?: string };
  photo?: { file_id: string; file_size?: number; width: number; height: number }[];
  /** Raw fields merged last, for hostile payloads. */
  raw?: Record<string, unknown>;
}

const ALLOWED_TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'a',
  'code',
  'pre',
  'blockquote',
  'tg-spoiler',
  'span',
]);

export async function startFakeTelegram(options: { token?: string; botId?: number; username?: string } = {}) {
  const token = options.token ?? '123456:TEST-token-abcdef';
  const bot = {
    id: options.botId ?? 999,
    is_bot: true,
    first_name: 'Omni',
    username: options.username ?? 'omni_test_bot',
  };
  const calls: Call[] = [];
  /** Calls with a token that is not the bot's (refused, so not in `calls`). */
  let refusedCalls = 0;
  const updates: Record<string, unknown>[] = [];
  const files = new Map<string, { path: string; content: Buffer; size?: number }>();
  const failures = new Map<string, Failure[]>();
  const sent = new Map<number, Record<string, unknown>>();
  const sockets = new Set<Socket>();
  const callListeners = new Set<() => void>();
  let updateWaiters: (() => void)[] = [];
  let nextUpdateId = 1;
  let nextMessageId = 1000;
  let down = false;

  const notifyCall = (): void => {
    for (const listener of [...callListeners]) listener();
  };
  const wakePollers = (): void => {
    const waiters = updateWaiters;
    updateWaiters = [];
    for (const wake of waiters) wake();
  };

  const server = createServer((req, res) => {
    if (down) return void req.socket.destroy();
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) reply(res, 500, { ok: false, error_code: 500, description: String(error) });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const fileMatch = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (fileMatch) {
      const file = [...files.values()].find((f) => f.path === decodeURIComponent(fileMatch[2]!));
      if (fileMatch[1] !== token || !file)
        return reply(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': file.content.length,
      });
      res.end(file.content);
      return;
    }
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(url.pathname);
    if (!match) return reply(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    if (match[1] !== token) {
      // As the Bot API: a well-formed token it does not know is 401, anything else 404.
      refusedCalls++;
      return /^\d+:[\w-]+$/.test(match[1]!)
        ? reply(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' })
        : reply(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    }
    const method = match[2]!;
    const payload = await readPayload(req, url);
    calls.push({ method, payload, at: Date.now() });
    notifyCall();
    const failure = failures.get(method)?.shift();
    if (failure === 'drop') return void req.socket.destroy();
    if (failure) {
      const parameters = failure.retryAfter !== undefined ? { retry_after: failure.retryAfter } : undefined;
      const description =
        failure.description ??
        (failure.code === 429
          ? `Too Many Requests: retry after ${failure.retryAfter}`
          : 'Internal Server Error');
      return reply(res, failure.code, { ok: false, error_code: failure.code, description, parameters });
    }
    switch (method) {
      case 'getMe':
        return ok(res, bot);
      case 'deleteWebhook':
      case 'sendChatAction':
      case 'setMessageReaction':
        return ok(res, true);
      case 'getUpdates':
        return getUpdates(req, res, payload);
      case 'sendMessage':
        return sendMessage(res, payload);
      case 'editMessageText': {
        const message = sent.get(Number(payload.message_id));
        if (!message)
          return reply(res, 400, {
            ok: false,
            error_code: 400,
            description: 'Bad Request: message to edit not found',
          });
        if (message.text === payload.text) {
          return reply(res, 400, {
            ok: false,
            error_code: 400,
            description: 'Bad Request: message is not modified',
          });
        }
        message.text = payload.text;
        return ok(res, message);
      }
      case 'getFile': {
        const file = files.get(String(payload.file_id));
        if (!file)
          return reply(res, 400, { ok: false, error_code: 400, description: 'Bad Request: invalid file_id' });
        return ok(res, {
          file_id: payload.file_id,
          file_unique_id: 'u',
          file_size: file.size ?? file.content.length,
          file_path: file.path,
        });
      }
      case 'sendDocument': {
        const message = botMessage(payload, {});
        message.document = { file_id: `doc-${message.message_id}`, file_name: payload.document_filename };
        return ok(res, message);
      }
      default:
        return reply(res, 404, { ok: false, error_code: 404, description: `Not Found: method ${method}` });
    }
  }

  function getUpdates(req: IncomingMessage, res: ServerResponse, payload: Record<string, unknown>): void {
    const offset = Number(payload.offset ?? 0);
    // Confirmation: everything below the offset is gone for good.
    while (updates.length && Number(updates[0]!.update_id) < offset) updates.shift();
    const hold: { timer?: NodeJS.Timeout } = {};
    const respond = (): void => {
      clearTimeout(hold.timer);
      if (!res.writableEnded && !res.destroyed) ok(res, updates.slice(0, Number(payload.limit ?? 100)));
    };
    if (updates.length) return respond();
    hold.timer = setTimeout(respond, Math.min(Number(payload.timeout ?? 0), 50) * 1000);
    updateWaiters.push(respond);
    res.on('close', () => clearTimeout(hold.timer));
  }

  function sendMessage(res: ServerResponse, payload: Record<string, unknown>): void {
    const text = String(payload.text ?? '');
    let visible = text;
    if (payload.parse_mode === 'HTML') {
      const problem = htmlProblem(text);
      if (problem)
        return reply(res, 400, {
          ok: false,
          error_code: 400,
          description: `Bad Request: can't parse entities: ${problem}`,
        });
      visible = text.replace(/<[^>]*>/g, '').replace(/&(lt|gt|amp|quot);/g, 'x');
    }
    if (!visible.trim())
      return reply(res, 400, {
        ok: false,
        error_code: 400,
        description: 'Bad Request: message text is empty',
      });
    if (visible.length > 4096)
      return reply(res, 400, { ok: false, error_code: 400, description: 'Bad Request: message is too long' });
    ok(res, botMessage(payload, { text }));
  }

  function botMessage(
    payload: Record<string, unknown>,
    fields: Record<string, unknown>,
  ): Record<string, unknown> {
    const message: Record<string, unknown> = {
      message_id: nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat: { id: Number(payload.chat_id), type: Number(payload.chat_id) < 0 ? 'supergroup' : 'private' },
      from: bot,
      ...fields,
    };
    sent.set(Number(message.message_id), message);
    return message;
  }

  function ok(res: ServerResponse, result: unknown): void {
    reply(res, 200, { ok: true, result });
  }

  const fake = {
    apiRoot: '',
    token,
    bot,
    calls,
    refusedCalls: (): number => refusedCalls,
    callsOf: (method: string): Record<string, unknown>[] =>
      calls.filter((c) => c.method === method).map((c) => c.payload),
    /** The messages the bot has sent (and their edits), by message id. */
    sent,
    /** Queues a raw update (an update_id is assigned). */
    pushUpdate(update: Record<string, unknown>): number {
      const update_id = nextUpdateId++;
      updates.push({ update_id, ...update });
      wakePollers();
      return update_id;
    },
    /** Queues a message from a user; returns the Telegram message. */
    userSends(m: UserMessage): Record<string, unknown> {
      const message: Record<string, unknown> = {
        message_id: nextMessageId++,
        date: Math.floor(Date.now() / 1000),
        chat: m.chat,
        from: m.from ?? user(m.chat.type === 'private' ? m.chat.id : 42),
        ...(m.text !== undefined && { text: m.text }),
        ...(m.caption !== undefined && { caption: m.caption }),
        ...(m.entities && { [m.text !== undefined ? 'entities' : 'caption_entities']: m.entities }),
        ...(m.replyTo && { reply_to_message: m.replyTo }),
        ...(m.document && { document: m.document }),
        ...(m.photo && { photo: m.photo }),
        ...m.raw,
      };
      fake.pushUpdate({ message });
      return message;
    },
    /** Updates queued and not yet confirmed by the bot. */
    pendingUpdates: (): number => updates.length,
    addFile(fileId: string, path: string, content: Buffer, announcedSize?: number): void {
      files.set(fileId, { path, content, size: announcedSize });
    },
    /** The platform is back: failures still queued for `method` are dropped. */
    clearFailures(method: string): void {
      failures.delete(method);
    },
    failNext(method: string, failure: Failure, times = 1): void {
      const list = failures.get(method) ?? [];
      for (let i = 0; i < times; i++) list.push(failure);
      failures.set(method, list);
    },
    /** While down, every request's connection is destroyed; open polls are cut too. */
    setDown(value: boolean): void {
      down = value;
      if (value) for (const socket of sockets) socket.destroy();
    },
    async waitForCall(
      method: string,
      predicate: (p: Record<string, unknown>) => boolean = () => true,
      timeoutMs = 10_000,
    ) {
      const find = (): Record<string, unknown> | undefined => fake.callsOf(method).find(predicate);
      const found = find();
      if (found) return found;
      return new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(() => {
          callListeners.delete(listener);
          reject(new Error(`fake Telegram: no ${method} call matched within ${timeoutMs} ms`));
        }, timeoutMs);
        const listener = (): void => {
          const hit = find();
          if (!hit) return;
          clearTimeout(timer);
          callListeners.delete(listener);
          resolve(hit);
        };
        callListeners.add(listener);
      });
    },
    async close(): Promise<void> {
      wakePollers();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.apiRoot = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

export type FakeTelegram = Awaited<ReturnType<typeof startFakeTelegram>>;

function reply(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

async function readPayload(req: IncomingMessage, url: URL): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const type = req.headers['content-type'] ?? '';
  const payload: Record<string, unknown> = Object.fromEntries(url.searchParams);
  if (type.includes('application/json') && body.length)
    Object.assign(payload, JSON.parse(body.toString('utf8')));
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(type);
  if (type.includes('multipart/form-data') && boundary)
    Object.assign(payload, parseMultipart(body, boundary[1] ?? boundary[2]!));
  return payload;
}

/** Enough multipart parsing for grammY's uploads: text fields (JSON-decoded when possible) and files. */
function parseMultipart(body: Buffer, boundary: string): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const parts = body.toString('latin1').split(`--${boundary}`);
  for (const part of parts) {
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd === -1) continue;
    const headers = part.slice(0, headerEnd);
    const content = part.slice(headerEnd + 4).replace(/\r\n$/, '');
    const name = /name="([^"]+)"/.exec(headers)?.[1];
    if (!name) continue;
    // grammY writes filename=<name> without quotes; browsers quote it.
    const filenameMatch = /filename=(?:"([^"]*)"|([^\r\n;]*))/.exec(headers);
    const filename = filenameMatch ? (filenameMatch[1] ?? filenameMatch[2]) : undefined;
    if (filename !== undefined) {
      fields[`${name}_filename`] = Buffer.from(filename, 'latin1').toString('utf8');
      fields[`${name}_content`] = Buffer.from(content, 'latin1');
      continue;
    }
    const text = Buffer.from(content, 'latin1').toString('utf8');
    try {
      fields[name] = JSON.parse(text);
    } catch {
      fields[name] = text;
    }
  }
  // grammY sends the file field as "attach://<id>" plus a part with that id.
  for (const [key, value] of Object.entries(fields)) {
    const ref = typeof value === 'string' ? /^attach:\/\/(.+)$/.exec(value) : null;
    if (ref && fields[`${ref[1]}_filename`] !== undefined) {
      fields[`${key}_filename`] = fields[`${ref[1]}_filename`];
      fields[`${key}_content`] = fields[`${ref[1]}_content`];
    }
  }
  return fields;
}

/** Telegram's HTML check, in small: known tags only, properly nested. */
function htmlProblem(html: string): string | undefined {
  const stack: string[] = [];
  for (const match of html.matchAll(/<(\/?)([a-z-]+)[^>]*>/gi)) {
    const [, closing, tag] = match;
    const name = tag!.toLowerCase();
    if (!ALLOWED_TAGS.has(name)) return `unsupported start tag "${name}"`;
    if (!closing) stack.push(name);
    else if (stack.pop() !== name) return `unexpected end tag "${name}"`;
  }
  if (stack.length) return `unclosed tag "${stack.at(-1)}"`;
  if (/<(?![a-z/])/i.test(html.replace(/<\/?[a-z-]+[^>]*>/gi, ''))) return 'unescaped "<"';
  return undefined;
}
