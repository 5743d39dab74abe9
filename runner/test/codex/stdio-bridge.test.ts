/**
 * The stdio MCP bridge: a real MCP client runs the compiled entry (runner/dist/runner/src/mcp-stdio.js)
 * as its stdio server, as Codex does; the entry pipes to the runner's Unix socket, where
 * A's omniclaw MCP server forwards calls to the host.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { createOmniclawMcpServer } from '../../src/mcp/omniclaw-server.js';
import { startStdioBridge, stdioEntryPath, type StdioBridge } from '../../src/mcp/stdio-bridge.js';
import { makeWorkspace, sendMessageTool, type TestWorkspace } from '../openai/fixtures.js';

let ws: TestWorkspace;
let bridge: StdioBridge | undefined;
const calls: { name: string; args: unknown }[] = [];

async function start(): Promise<StdioBridge> {
  bridge = await startStdioBridge({
    socketPath: join(ws.stateDir, 'mcp.sock'),
    createServer: () =>
      createOmniclawMcpServer([sendMessageTool], async (name, args) => {
        calls.push({ name, args });
        const text = (args as { text?: string }).text;
        return text === 'forbidden'
          ? { ok: false, content: 'not allowed here' }
          : { ok: true, content: `sent: ${text}` };
      }),
    log: () => undefined,
  });
  return bridge;
}

async function client(b: StdioBridge): Promise<Client> {
  const mcp = new Client({ name: 'test-engine', version: '1.0.0' });
  await mcp.connect(new StdioClientTransport({ command: b.command, args: b.args, stderr: 'pipe' }));
  return mcp;
}

beforeEach(() => {
  ws = makeWorkspace('omniclaw-br-');
  calls.length = 0;
});
afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
  ws.cleanup();
});

describe('stdio MCP bridge', () => {
  it('serves tools/list and tools/call through the stdio entry, with the host result or error', async () => {
    const mcp = await client(await start());
    const { tools } = await mcp.listTools();
    expect(tools.map((t) => t.name)).toEqual(['send_message']);
    const ok = await mcp.callTool({ name: 'send_message', arguments: { text: 'hello' } });
    expect(ok).toMatchObject({ content: [{ type: 'text', text: 'sent: hello' }] });
    const refused = await mcp.callTool({ name: 'send_message', arguments: { text: 'forbidden' } });
    expect(refused).toMatchObject({ isError: true, content: [{ type: 'text', text: 'not allowed here' }] });
    expect(calls).toEqual([
      { name: 'send_message', args: { text: 'hello' } },
      { name: 'send_message', args: { text: 'forbidden' } },
    ]);
    await mcp.close();
  });

  it('survives garbage and an oversized message on the socket, and keeps serving', async () => {
    const b = await start();
    const junk = connect(b.socketPath);
    await new Promise((resolve) => junk.once('connect', resolve));
    junk.write('this is not json\n{"jsonrpc": "2.0", "method": 42}\n');
    junk.write('x'.repeat(5 * 1024 * 1024)); // no newline: more than the 4 MB bound
    await new Promise((resolve) => setTimeout(resolve, 200));
    junk.destroy();
    const mcp = await client(b);
    expect((await mcp.listTools()).tools).toHaveLength(1);
    await mcp.close();
  });

  it('replaces a socket left behind by a crashed run', async () => {
    writeFileSync(join(ws.stateDir, 'mcp.sock'), 'stale');
    const mcp = await client(await start());
    expect((await mcp.listTools()).tools).toHaveLength(1);
    await mcp.close();
  });

  it('refuses a socket path too long for a Unix socket with a clear error', async () => {
    const long = join(ws.stateDir, 'x'.repeat(120), 'mcp.sock');
    await expect(
      startStdioBridge({
        socketPath: long,
        createServer: () => createOmniclawMcpServer([], async () => ({ ok: true, content: '' })),
        log: () => undefined,
      }),
    ).rejects.toThrow(/longer than 100 bytes/);
  });

  it('the entry exits with a clear message when the runner socket is missing', () => {
    const result = spawnSync(process.execPath, [stdioEntryPath(), join(ws.stateDir, 'nothing.sock')], {
      input: '',
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('cannot reach the runner at');
  });
});
