/**
 * The `omniclaw` MCP server, driven by the real MCP client over an in-memory transport:
 * the host's schemas are offered as given, and a call reaches the host and returns its real
 * outcome (success, error, or the host being unreachable).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { ToolDefinition } from '../../../src/protocol/runner-protocol.js';
import { createOmniclawMcpServer, type ToolCaller } from '../../src/mcp/omniclaw-server.js';

const tools: ToolDefinition[] = [
  {
    name: 'send_message',
    description: 'Send a message now.',
    inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  },
  { name: 'list_agents', description: 'List agents.', inputSchema: { type: 'object', properties: {} } },
];

let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

async function connect(call: ToolCaller): Promise<Client> {
  const server = createOmniclawMcpServer(tools, call);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(clientSide);
  return client;
}

describe('omniclaw MCP server', () => {
  it('is named omniclaw and lists the host tools with their schemas as given', async () => {
    const c = await connect(async () => ({ ok: true, content: '' }));
    expect(c.getServerVersion()?.name).toBe('omniclaw');
    const listed = await c.listTools();
    expect(listed.tools.map((t) => [t.name, t.description, t.inputSchema])).toEqual(
      tools.map((t) => [t.name, t.description, t.inputSchema]),
    );
  });

  it('forwards a call to the host and returns its answer', async () => {
    const seen: [string, unknown][] = [];
    const c = await connect(async (name, args) => {
      seen.push([name, args]);
      return { ok: true, content: 'sent as message 42' };
    });
    const result = await c.callTool({ name: 'send_message', arguments: { text: 'hi' } });
    expect(seen).toEqual([['send_message', { text: 'hi' }]]);
    expect(result).toEqual({ content: [{ type: 'text', text: 'sent as message 42' }] });
  });

  const failures: { name: string; call: ToolCaller; tool: string; expected: RegExp }[] = [
    {
      name: 'a host refusal',
      tool: 'send_message',
      call: async () => ({ ok: false, content: 'chat 9 belongs to another agent' }),
      expected: /^chat 9 belongs to another agent$/,
    },
    {
      name: 'a host that cannot be reached',
      tool: 'send_message',
      call: async () => {
        throw new Error('runner is stopping');
      },
      expected: /send_message tool could not reach the host: runner is stopping/,
    },
    {
      name: 'an unknown tool',
      tool: 'format_disk',
      call: async () => ({ ok: true, content: 'must not be called' }),
      expected: /Unknown tool "format_disk".*send_message, list_agents/,
    },
  ];
  for (const { name, call, tool, expected } of failures) {
    it(`returns an MCP error result for ${name}`, async () => {
      const c = await connect(call);
      const result = (await c.callTool({ name: tool, arguments: { text: 'x' } })) as {
        isError?: boolean;
        content: { text: string }[];
      };
      expect(result.isError).toBe(true);
      expect(result.content[0]?.text).toMatch(expected);
    });
  }
});
