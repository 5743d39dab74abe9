/**
 * Serves the built-in agent tools to an engine that only speaks MCP over stdio (Codex).
 *
 * The runner listens on a Unix socket in the state folder. The engine starts the tiny
 * `mcp-stdio` entry as its stdio MCP server; that process only pipes its stdin/stdout to
 * the socket. The MCP server itself (createOmniclawMcpServer) lives here, in the runner,
 * where tool calls can travel to the host as `tool_call` and wait for `tool_result`.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

/** Largest MCP message accepted from the engine; a tool call is small. */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** Linux limits a socket path to 107 bytes. */
const MAX_SOCKET_PATH = 100;

export interface StdioBridge {
  socketPath: string;
  /** The command line an engine runs as its stdio MCP server. */
  command: string;
  args: string[];
  close(): Promise<void>;
}

export interface StdioBridgeOptions {
  socketPath: string;
  /** A fresh MCP server per connection (an McpServer serves one transport). */
  createServer: () => McpServer;
  log: (message: string, fields?: Record<string, unknown>) => void;
}

/** A socket in `dir` (the engine's state folder), or in tmp when that path is too long for one. */
export function bridgeSocketPath(dir: string): string {
  const preferred = join(dir, 'omniclaw-mcp.sock');
  return Buffer.byteLength(preferred) <= MAX_SOCKET_PATH
    ? preferred
    : join(tmpdir(), `omniclaw-mcp-${randomUUID().slice(0, 8)}.sock`);
}

export async function startStdioBridge(options: StdioBridgeOptions): Promise<StdioBridge> {
  if (Buffer.byteLength(options.socketPath) > MAX_SOCKET_PATH) {
    throw new Error(
      `the MCP bridge socket path ${options.socketPath} is longer than ${MAX_SOCKET_PATH} bytes; use a shorter state folder`,
    );
  }
  // A socket left by a crashed run would make listen fail with EADDRINUSE.
  await rm(options.socketPath, { force: true });
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const mcp = options.createServer();
    const transport = new StdioServerTransport(socket, socket, { maxBufferSize: MAX_MESSAGE_BYTES });
    socket.on('error', (err) => options.log('MCP bridge connection failed', { error: err.message }));
    socket.once('close', () => {
      sockets.delete(socket);
      void mcp.close().catch(() => undefined);
    });
    mcp.connect(transport).catch((err: unknown) => {
      options.log('MCP bridge could not serve a connection', { error: String(err) });
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    socketPath: options.socketPath,
    command: process.execPath,
    args: [stdioEntryPath(), options.socketPath],
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(options.socketPath, { force: true });
    },
  };
}

/**
 * The compiled entry (runner/dist/runner/src/mcp-stdio.js). Running from TypeScript sources
 * (tests), the entry still has to be JavaScript, so it comes from the runner package's build.
 */
export function stdioEntryPath(): string {
  const here = fileURLToPath(import.meta.url);
  const sibling = join(dirname(here), '..', 'mcp-stdio.js');
  if (here.endsWith('.js') || existsSync(sibling)) return sibling;
  return join(dirname(here), '..', '..', 'dist', 'runner', 'src', 'mcp-stdio.js');
}
