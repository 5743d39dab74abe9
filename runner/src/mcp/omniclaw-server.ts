/**
 * The built-in agent tools as an MCP server named `omniclaw`. It only knows the tool
 * definitions the host sent in `start` and a `call` function that forwards each call to the
 * host (tool_call → tool_result), so the agent sees the host's real success or real error.
 *
 * The Claude runtime mounts it in-process (SDK `mcpServers: { omniclaw: { type: 'sdk', … } }`);
 * other runtimes can serve it over stdio with `server.connect(new StdioServerTransport())`.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { AGENT_TOOLS_SERVER } from '../../../src/protocol/agent-tools.js';
import type { ToolDefinition } from '../../../src/protocol/runner-protocol.js';

export type ToolCaller = (name: string, args: unknown) => Promise<{ ok: boolean; content: string }>;

/**
 * Returns an McpServer whose low-level `server` carries our own ListTools/CallTool handlers,
 * so the host's JSON Schemas are offered exactly as given (McpServer.registerTool wants zod).
 * McpServer is the type the Claude Agent SDK expects for an in-process server.
 */
export function createOmniclawMcpServer(tools: ToolDefinition[], call: ToolCaller): McpServer {
  const mcp = new McpServer({ name: AGENT_TOOLS_SERVER, version: '1.0.0' }, { capabilities: { tools: {} } });
  const known = new Map(tools.map((tool) => [tool.name, tool]));

  mcp.server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: tools.map((tool) => ({
      name: tool.name,
      description: tool.description,
      inputSchema: { type: 'object' as const, ...tool.inputSchema },
      // Claude: always offer these tools instead of hiding them behind tool search.
      _meta: { 'anthropic/alwaysLoad': true },
    })),
  }));

  mcp.server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
    const { name, arguments: args } = request.params;
    if (!known.has(name)) {
      return errorResult(
        `Unknown tool "${name}". Available omniclaw tools: ${[...known.keys()].join(', ') || 'none'}.`,
      );
    }
    try {
      const outcome = await call(name, args ?? {});
      return outcome.ok
        ? { content: [{ type: 'text', text: outcome.content }] }
        : errorResult(outcome.content);
    } catch (err) {
      return errorResult(`The ${name} tool could not reach the host: ${(err as Error).message}`);
    }
  });
  return mcp;
}

function errorResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}
