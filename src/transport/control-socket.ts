/**
 * The daemon's control socket: JSON lines over a Unix socket in the instance directory,
 * mode 0600, so only the owner can talk to the daemon. The terminal chat and `omniclaw
 * status` use it. Each request type has one handler; unknown types get an error line.
 */
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { readLines } from '../protocol/line-reader.js';

export type ControlMessage = { type: string } & Record<string, unknown>;

export interface ControlClient {
  readonly id: number;
  send(message: ControlMessage): void;
  onClose(listener: () => void): void;
}

export type ControlHandler = (message: ControlMessage, client: ControlClient) => void | Promise<void>;

const MAX_REQUEST_BYTES = 256 * 1024;

export class ControlSocket {
  private server: Server | undefined;
  private readonly handlers = new Map<string, ControlHandler>();
  private readonly sockets = new Set<Socket>();
  private nextId = 1;

  constructor(
    private readonly path: string,
    private readonly logger: Logger,
  ) {}

  handle(type: string, handler: ControlHandler): void {
    this.handlers.set(type, handler);
  }

  async listen(): Promise<void> {
    if (existsSync(this.path)) {
      if (await isAlive(this.path)) {
        throw new Error(`another OmniClaw daemon is already running on ${this.path}; stop it first`);
      }
      unlinkSync(this.path); // left behind by a crash
    }
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // Created owner-only from the start: no window where others could connect.
      const oldMask = process.umask(0o177);
      server.listen(this.path, () => {
        process.umask(oldMask);
        resolve();
      });
    });
    chmodSync(this.path, 0o600);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    if (existsSync(this.path)) unlinkSync(this.path);
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    const closeListeners: (() => void)[] = [];
    const client: ControlClient = {
      id: this.nextId++,
      send: (message) => {
        if (!socket.destroyed) socket.write(JSON.stringify(message) + '\n');
      },
      onClose: (listener) => closeListeners.push(listener),
    };
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.sockets.delete(socket);
      for (const l of closeListeners) l();
    });
    readLines(
      socket,
      {
        line: (text) => void this.dispatch(text, client),
        error: (err) => {
          client.send({ type: 'error', message: err.message });
          socket.end();
        },
      },
      MAX_REQUEST_BYTES,
    );
  }

  private async dispatch(text: string, client: ControlClient): Promise<void> {
    let message: ControlMessage;
    try {
      const parsed: unknown = JSON.parse(text);
      if (!parsed || typeof parsed !== 'object' || typeof (parsed as { type?: unknown }).type !== 'string') {
        throw new Error('a request is a JSON object with a "type"');
      }
      message = parsed as ControlMessage;
    } catch (err) {
      client.send({ type: 'error', message: `invalid request: ${(err as Error).message}` });
      return;
    }
    const handler = this.handlers.get(message.type);
    if (!handler) {
      client.send({ type: 'error', message: `unknown request type "${message.type}"` });
      return;
    }
    try {
      await handler(message, client);
    } catch (err) {
      this.logger.error({ err: (err as Error).message, request: message.type }, 'control request failed');
      client.send({ type: 'error', message: (err as Error).message });
    }
  }
}

/** True when something answers on the socket (a live daemon), false for a stale file. */
export function isAlive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    import('node:net').then(
      ({ connect }) => {
        const socket = connect(path);
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      },
      () => resolve(false),
    );
  });
}
