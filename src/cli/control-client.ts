/** Client side of the daemon's control socket (JSON lines). */
import { connect, type Socket } from 'node:net';
import { readLines } from '../protocol/line-reader.js';

export type ServerMessage = { type: string } & Record<string, unknown>;

export class DaemonNotRunning extends Error {
  constructor(socketPath: string) {
    super(`OmniClaw is not running (no daemon at ${socketPath}). Start it with \`omniclaw start\`.`);
    this.name = 'DaemonNotRunning';
  }
}

export interface ControlConnection {
  send(message: ServerMessage): void;
  onMessage(listener: (message: ServerMessage) => void): void;
  closed: Promise<void>;
  close(): void;
}

export function connectControl(socketPath: string): Promise<ControlConnection> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(socketPath);
    const listeners: ((m: ServerMessage) => void)[] = [];
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? new DaemonNotRunning(socketPath) : err);
    });
    socket.once('connect', () => {
      socket.on('error', () => undefined);
      readLines(socket, {
        line: (text) => {
          let message: ServerMessage;
          try {
            message = JSON.parse(text) as ServerMessage;
          } catch {
            return;
          }
          for (const l of listeners) l(message);
        },
        error: () => socket.destroy(),
      });
      resolve({
        send: (message) => socket.write(JSON.stringify(message) + '\n'),
        onMessage: (listener) => listeners.push(listener),
        closed,
        close: () => socket.end(),
      });
    });
  });
}

/** One request, one answer of the expected type (or an error). */
export async function request(
  socketPath: string,
  message: ServerMessage,
  answerType: string,
  timeoutMs = 10_000,
): Promise<ServerMessage> {
  const conn = await connectControl(socketPath);
  try {
    return await new Promise<ServerMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the daemon did not answer in time')), timeoutMs);
      conn.onMessage((m) => {
        if (m.type === answerType) {
          clearTimeout(timer);
          resolve(m);
        } else if (m.type === 'error') {
          clearTimeout(timer);
          reject(new Error(String(m.message)));
        }
      });
      void conn.closed.then(() => reject(new Error('the daemon closed the connection')));
      conn.send(message);
    });
  } finally {
    conn.close();
  }
}
