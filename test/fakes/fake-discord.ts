/**
 * A fake Discord on 127.0.0.1 (REST API v10 + Gateway websocket), driven by the real
 * @discordjs/ws and @discordjs/rest.
 *
 *   const dc = await startFakeDiscord();      // dc.api → Client({ rest: { api: dc.api } })
 *   dc.userSends({ channelId: dc.channels.general, content: 'hi' });  // MESSAGE_CREATE
 *   await dc.waitForRequest('POST', /\/channels\/\d+\/messages$/);
 *   dc.dropSocket();                          // abnormal close: the client resumes
 *   dc.setDown(true);                         // also hold new connections until setDown(false)
 *   dc.failNext('POST', /messages$/, 429);    // rate limit (retry_after 0.2 s)
 *   dc.invalidateSession();                   // next RESUME refused: a fresh session, gap not replayed
 *   dc.closeGateway(4004);                    // Discord closes the session with a close code
 *
 * REST: GET /gateway/bot (the gateway URL is this server), GET /users/@me,
 * POST /channels/:id/messages (JSON or multipart with files), PATCH .../messages/:id,
 * POST /channels/:id/typing (204), PUT/DELETE .../reactions/:emoji/@me (204, no JSON
 * content type), POST /channels/:id/messages/:id/threads (the thread takes the message's id;
 * a second one on that message is refused with code 160004, as Discord does), GET /channels/:id,
 * GET /channels/:id/messages?after= (history, newest first; like Discord's REST API it leaves
 * out the gateway-only guild_id and member).
 * Gateway: HELLO, IDENTIFY (kept in `identifyPayloads`) → READY (user, application, session_id, resume_gateway_url) and
 * GUILD_CREATE, heartbeat ACK, RESUME (replays what the client missed, then RESUMED),
 * dispatch of MESSAGE_CREATE and MESSAGE_REACTION_ADD (only with the reaction intents). Events dispatched while no socket is open are kept for the
 * resume, as Discord does.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface DiscordUser {
  id: string;
  username: string;
  global_name?: string | null;
  bot?: boolean;
  discriminator?: string;
}
export interface RestRequest {
  method: string;
  path: string;
  body: Record<string, unknown>;
  files: { name: string; content: Buffer }[];
}
export interface UserMessage {
  channelId: string;
  author?: DiscordUser;
  content?: string;
  mentions?: DiscordUser[];
  replyTo?: Record<string, unknown>;
  attachments?: { id: string; filename: string; size: number; url: string; content_type?: string }[];
  /** Raw fields merged last, for hostile payloads. */
  raw?: Record<string, unknown>;
}

export const discordUser = (id: string, username = `user${id}`): DiscordUser => ({
  id,
  username,
  discriminator: '0',
  global_name: null,
});

export async function startFakeDiscord(options: { token?: string } = {}) {
  const token = options.token ?? 'fake-discord-token.abc.def';
  const botUser: DiscordUser = {
    id: '900000000000000001',
    username: 'omni',
    bot: true,
    discriminator: '0',
    global_name: null,
  };
  const guildId = '800000000000000001';
  const channels = { general: '700000000000000001', random: '700000000000000002', dm: '700000000000000099' };
  const requests: RestRequest[] = [];
  const messages = new Map<string, Record<string, unknown>>();
  const failures: { method: string; path: RegExp; status: number }[] = [];
  const files = new Map<string, Buffer>();
  const sockets = new Set<Socket>();
  const listeners = new Set<() => void>();
  const heldUpgrades: (() => void)[] = [];
  const log: { s: number; t: string; d: unknown }[] = [];
  let live: WebSocket | undefined;
  let identified = false;
  let seq = 0;
  let counter = 0n;
  let down = false;
  let sessionCounter = 0;
  let sessionId = '';
  let identifies = 0;
  const identifyPayloads: Record<string, unknown>[] = [];
  let resumes = 0;
  /** Messages a thread was started on (the thread's id is the message's). */
  const threaded = new Set<string>();
  // Real snowflakes: clients may derive a message's time from its id.
  const nextId = (): string =>
    String(((BigInt(Date.now()) - 1_420_070_400_000n) << 22n) + (counter++ % 4096n));
  const changed = (): void => {
    for (const l of [...listeners]) l();
  };

  const server = createServer((req, res) => {
    void handleRest(req, res).catch((error: unknown) => json(res, 500, { message: String(error), code: 0 }));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const accept = (): void => wss.handleUpgrade(req, socket, head, (ws) => onGateway(ws));
    if (down) heldUpgrades.push(accept);
    else accept();
  });

  function onGateway(ws: WebSocket): void {
    live?.terminate();
    live = ws;
    identified = false;
    send(ws, { op: 10, d: { heartbeat_interval: 40_000 }, s: null, t: null });
    ws.on('message', (raw) => {
      let packet: { op: number; d: Record<string, unknown> | number | null };
      try {
        packet = JSON.parse(String(raw));
      } catch {
        return ws.close(4002, 'Decode error');
      }
      if (packet.op === 1) return send(ws, { op: 11, d: null, s: null, t: null });
      if (packet.op === 2) return identify(ws, packet.d as Record<string, unknown>);
      if (packet.op === 6) return resume(ws, packet.d as Record<string, unknown>);
    });
    ws.on('close', () => {
      if (live === ws) live = undefined;
    });
  }

  function identify(ws: WebSocket, d: Record<string, unknown>): void {
    identifyPayloads.push({ ...d, token: d.token === token ? '[token]' : '[wrong]' });
    if (d.token !== token) return ws.close(4004, 'Authentication failed');
    identifies++;
    sessionId = `session-${++sessionCounter}`;
    log.length = 0;
    identified = true;
    dispatch('READY', {
      v: 10,
      user: botUser,
      guilds: [{ id: guildId, unavailable: true }],
      session_id: sessionId,
      resume_gateway_url: fake.gatewayUrl,
      application: { id: botUser.id, flags: 0 },
    });
    dispatch('GUILD_CREATE', {
      id: guildId,
      name: 'Fake Guild',
      owner_id: '1',
      unavailable: false,
      member_count: 2,
      roles: [
        {
          id: guildId,
          name: '@everyone',
          permissions: '0',
          position: 0,
          color: 0,
          hoist: false,
          managed: false,
          mentionable: false,
          flags: 0,
        },
      ],
      channels: [
        {
          id: channels.general,
          type: 0,
          name: 'general',
          guild_id: guildId,
          position: 0,
          permission_overwrites: [],
        },
        {
          id: channels.random,
          type: 0,
          name: 'random',
          guild_id: guildId,
          position: 1,
          permission_overwrites: [],
        },
      ],
      threads: [],
      members: [],
      emojis: [],
      stickers: [],
      features: [],
      joined_at: new Date().toISOString(),
    });
  }

  function resume(ws: WebSocket, d: Record<string, unknown>): void {
    if (d.token !== token || d.session_id !== sessionId)
      return send(ws, { op: 9, d: false, s: null, t: null });
    resumes++;
    identified = true;
    const after = Number(d.seq ?? 0);
    for (const event of log.filter((e) => e.s > after)) send(ws, { op: 0, ...event });
    dispatch('RESUMED', {});
  }

  /** Sends an event now if a session is live, and keeps it for a resume either way. */
  function dispatch(t: string, d: unknown): void {
    const event = { s: ++seq, t, d };
    log.push(event);
    if (log.length > 1000) log.shift();
    if (live && identified) send(live, { op: 0, ...event });
  }

  function send(ws: WebSocket, packet: unknown): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(packet));
  }

  async function handleRest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const fileMatch = /^\/attachments\/(.+)$/.exec(url.pathname);
    if (fileMatch) {
      const content = files.get(fileMatch[1]!);
      if (!content) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': content.length });
      res.end(content);
      return;
    }
    const path = url.pathname.replace(/^\/api\/v\d+/, '');
    const { body, files: uploaded } = await readBody(req);
    const method = req.method ?? 'GET';
    requests.push({ method, path, body, files: uploaded });
    changed();
    if (req.headers.authorization !== `Bot ${token}`)
      return json(res, 401, { message: '401: Unauthorized', code: 0 });
    const failure = failures.findIndex((f) => f.method === method && f.path.test(path));
    if (failure !== -1) {
      const { status } = failures.splice(failure, 1)[0]!;
      if (status === 429) {
        res.setHeader('retry-after', '1');
        return json(res, 429, { message: 'You are being rate limited.', retry_after: 0.2, global: false });
      }
      return json(res, status, { message: 'Internal Server Error', code: 0 });
    }
    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/gateway/bot') {
      return json(res, 200, {
        url: fake.gatewayUrl,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 },
      });
    }
    if (method === 'GET' && path === '/users/@me') return json(res, 200, botUser);
    if (method === 'POST' && (m = /^\/channels\/(\d+)\/typing$/.exec(path))) return noContent(res);
    if ((m = /^\/channels\/(\d+)\/messages\/(\d+)\/reactions\/([^/]+)\/@me$/.exec(path))) {
      if (!messages.has(m[2]!) && m[2] !== '1')
        return json(res, 404, { message: 'Unknown Message', code: 10008 });
      return noContent(res);
    }
    if (method === 'POST' && (m = /^\/channels\/(\d+)\/messages\/(\d+)\/threads$/.exec(path))) {
      if (threaded.has(m[2]!))
        return json(res, 400, {
          message: 'A thread has already been created for this message',
          code: 160004,
        });
      threaded.add(m[2]!);
      const thread = {
        id: m[2],
        type: 11,
        guild_id: guildId,
        parent_id: m[1],
        name: body.name,
        owner_id: botUser.id,
      };
      return json(res, 201, thread);
    }
    if (method === 'POST' && (m = /^\/channels\/(\d+)\/messages$/.exec(path))) {
      const payload = (body.payload_json as Record<string, unknown> | undefined) ?? body;
      const content = String(payload.content ?? '');
      if (!content && !uploaded.length)
        return json(res, 400, { message: 'Cannot send an empty message', code: 50006 });
      if (content.length > 2000)
        return json(res, 400, { message: 'Invalid Form Body: content too long', code: 50035 });
      const message = {
        ...baseMessage(m[1]!, botUser, content),
        message_reference: payload.message_reference,
        attachments: uploaded.map((f, i) => ({
          id: nextId(),
          filename: f.name,
          size: f.content.length,
          url: `${fake.base}/attachments/up-${i}`,
        })),
      };
      messages.set(message.id, message);
      return json(res, 200, message);
    }
    if (method === 'PATCH' && (m = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(path))) {
      const message = messages.get(m[2]!);
      if (!message) return json(res, 404, { message: 'Unknown Message', code: 10008 });
      message.content = body.content;
      return json(res, 200, message);
    }
    if (method === 'GET' && (m = /^\/channels\/(\d+)\/messages$/.exec(path))) {
      const channelId = m[1]!;
      const after = BigInt(url.searchParams.get('after') ?? '0');
      const limit = Number(url.searchParams.get('limit') ?? 50);
      const found = [...messages.values()]
        .filter((msg) => msg.channel_id === channelId && BigInt(String(msg.id)) > after)
        .sort((a, b) => (BigInt(String(a.id)) < BigInt(String(b.id)) ? 1 : -1))
        .slice(0, limit)
        .map(({ guild_id: _guild, member: _member, ...rest }) => rest);
      return json(res, 200, found);
    }
    if (method === 'GET' && (m = /^\/channels\/(\d+)$/.exec(path))) {
      if (m[1] === channels.dm) return json(res, 200, { id: m[1], type: 1, recipients: [discordUser('42')] });
      return json(res, 200, { id: m[1], type: 0, guild_id: guildId, name: 'general' });
    }
    json(res, 404, { message: `404: Not Found (${method} ${path})`, code: 0 });
  }

  function baseMessage(
    channelId: string,
    author: DiscordUser,
    content: string,
  ): Record<string, unknown> & { id: string } {
    return {
      id: nextId(),
      type: 0,
      channel_id: channelId,
      author,
      content,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: [],
      embeds: [],
      pinned: false,
    };
  }

  const fake = {
    base: '',
    /** For Client({ rest: { api } }). */
    api: '',
    gatewayUrl: '',
    token,
    botUser,
    guildId,
    channels,
    requests,
    messages,
    get identifies() {
      return identifies;
    },
    get resumes() {
      return resumes;
    },
    /** Every IDENTIFY's `d` (intents, properties, shard), the token replaced by [token] or [wrong]. */
    identifyPayloads,
    requestsTo: (method: string, path: RegExp): RestRequest[] =>
      requests.filter((r) => r.method === method && path.test(r.path)),
    /** Dispatches MESSAGE_CREATE from a user (a DM when channelId is channels.dm). */
    userSends(m: UserMessage): Record<string, unknown> {
      const author = m.author ?? discordUser('42', 'ada');
      const message: Record<string, unknown> = {
        ...baseMessage(m.channelId, author, m.content ?? ''),
        mentions: m.mentions ?? [],
        attachments: m.attachments ?? [],
        // Discord sends channel_type (discord.js needed it to build a partial DM channel).
        channel_type: m.channelId === channels.dm ? 1 : 0,
        ...(m.channelId !== channels.dm && {
          guild_id: guildId,
          member: { nick: null, roles: [], joined_at: new Date().toISOString() },
        }),
        ...(m.replyTo && {
          type: 19,
          message_reference: { message_id: m.replyTo.id, channel_id: m.channelId, guild_id: guildId },
          referenced_message: m.replyTo,
        }),
        ...m.raw,
      };
      messages.set(String(message.id), message);
      dispatch('MESSAGE_CREATE', message);
      return message;
    },
    /**
     * Dispatches MESSAGE_REACTION_ADD (a Unicode emoji, or a custom one with an id), as Discord
     * does only to a session that identified with the guild (1 << 10) or direct-message
     * (1 << 13) reaction intent: returns whether it was dispatched.
     */
    userReacts(r: {
      channelId: string;
      messageId: string;
      emoji: string | { id: string; name: string };
      user?: DiscordUser;
    }): boolean {
      const dm = r.channelId === channels.dm;
      const intents = Number(identifyPayloads.at(-1)?.intents ?? 0);
      if (!(intents & (dm ? 1 << 13 : 1 << 10))) return false;
      const user = r.user ?? discordUser('42', 'ada');
      dispatch('MESSAGE_REACTION_ADD', {
        user_id: user.id,
        channel_id: r.channelId,
        message_id: r.messageId,
        emoji: typeof r.emoji === 'string' ? { id: null, name: r.emoji } : r.emoji,
        burst: false,
        type: 0,
        message_author_id: (messages.get(r.messageId)?.author as DiscordUser | undefined)?.id ?? botUser.id,
        ...(!dm && {
          guild_id: guildId,
          member: {
            user,
            nick: null,
            roles: [],
            joined_at: new Date().toISOString(),
            deaf: false,
            mute: false,
          },
        }),
      });
      return true;
    },
    dispatchRaw: (t: string, d: unknown): void => dispatch(t, d),
    addFile(name: string, content: Buffer): string {
      files.set(name, content);
      return `${fake.base}/attachments/${name}`;
    },
    failNext(method: string, path: RegExp, status: number): void {
      failures.push({ method, path, status });
    },
    /** Cuts the gateway connection abnormally (1006): the client reconnects and resumes. */
    dropSocket(): void {
      live?.terminate();
      live = undefined;
    },
    /** While down, the gateway is cut and new connections wait (as a network outage would). */
    setDown(value: boolean): void {
      down = value;
      if (value) return fake.dropSocket();
      for (const accept of heldUpgrades.splice(0)) accept();
    },
    connected: (): boolean => live !== undefined && identified,
    /** Discord closes the socket with `code` (4004: the token was reset; 4000: unknown error). */
    closeGateway(code: number, reason = 'closed by the fake'): void {
      live?.close(code, reason);
    },
    /** The next RESUME is refused (op 9): the client must identify afresh and misses the gap. */
    invalidateSession(): void {
      sessionId = 'expired';
    },
    async waitForRequest(
      method: string,
      path: RegExp,
      count = 1,
      timeoutMs = 10_000,
    ): Promise<RestRequest[]> {
      const found = (): RestRequest[] => fake.requestsTo(method, path);
      if (found().length >= count) return found();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(new Error(`fake Discord: fewer than ${count} ${method} ${path} within ${timeoutMs} ms`));
        }, timeoutMs);
        const listener = (): void => {
          if (found().length < count) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(found());
        };
        listeners.add(listener);
      });
    },
    async close(): Promise<void> {
      for (const accept of heldUpgrades.splice(0)) accept();
      for (const client of wss.clients) client.terminate();
      wss.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  fake.base = `http://127.0.0.1:${port}`;
  fake.api = `${fake.base}/api`;
  fake.gatewayUrl = `ws://127.0.0.1:${port}`;
  return fake;
}

export type FakeDiscord = Awaited<ReturnType<typeof startFakeDiscord>>;

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Discord answers 204 with no body and no JSON content type; clients must cope. */
function noContent(res: ServerResponse): void {
  res.writeHead(204);
  res.end();
}

async function readBody(
  req: IncomingMessage,
): Promise<{ body: Record<string, unknown>; files: { name: string; content: Buffer }[] }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const type = req.headers['content-type'] ?? '';
  if (!raw.length) return { body: {}, files: [] };
  if (type.includes('application/json')) return { body: JSON.parse(raw.toString('utf8')), files: [] };
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(type);
  if (!boundary) return { body: {}, files: [] };
  const body: Record<string, unknown> = {};
  const files: { name: string; content: Buffer }[] = [];
  for (const part of raw.toString('latin1').split(`--${boundary[1] ?? boundary[2]}`)) {
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd === -1) continue;
    const headers = part.slice(0, headerEnd);
    const content = Buffer.from(part.slice(headerEnd + 4).replace(/\r\n$/, ''), 'latin1');
    const name = /name="([^"]+)"/.exec(headers)?.[1];
    const filename = /filename="([^"]*)"/.exec(headers)?.[1];
    if (filename !== undefined)
      files.push({ name: Buffer.from(filename, 'latin1').toString('utf8'), content });
    else if (name === 'payload_json') body.payload_json = JSON.parse(content.toString('utf8'));
    else if (name) body[name] = content.toString('utf8');
  }
  return { body, files };
}
