/**
 * How the gateway says no. Model routes answer in a JSON shape both the Anthropic and the
 * OpenAI SDKs parse (`error.type`, `error.message`), so an agent sees a readable reason;
 * proxy refusals are plain text, written straight to the socket for CONNECT.
 */
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';

/** Every gateway-made message starts with this, so nobody mistakes it for the vendor's. */
const SOURCE = 'omniclaw gateway';

export function sendJsonError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ type: 'error', error: { type, message: `${SOURCE}: ${message}` } });
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

export function sendTextError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = `${SOURCE}: ${message}\n`;
  res.writeHead(status, {
    ...headers,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** A complete HTTP/1.1 response on a raw socket (CONNECT, parse errors), then close. */
export function writeRawError(
  socket: Duplex,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = `${SOURCE}: ${message}\n`;
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ];
  socket.end(lines.join('\r\n'));
}

/** The challenge that makes proxy clients retry with credentials. */
export const PROXY_CHALLENGE = { 'Proxy-Authenticate': 'Basic realm="omniclaw"' };
