/**
 * The agent's own MCP servers (plugins, `start.mcpServers`) for the openai runtime, which has
 * no MCP client of its own: each server is connected at start (stdio inside the sandbox, or
 * HTTP through the gateway), its tools are offered to the model as `mcp__<server>__<tool>`
 * (the names Claude and Codex use), and calls go to the server. A server that fails to start
 * is logged and left out; the agent keeps working without it. `omniclaw` is reserved.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { AGENT_TOOLS_SERVER } from '../../../src/protocol/agent-tools.js';
import type { McpServerSpec } from '../../../src/protocol/runner-protocol.js';
import type { FunctionDefinition } from '../tools/index.js';

/** OpenAI function names: [a-zA-Z0-9_-], at most 64 characters. */
const MAX_NAME = 64;

export interface PluginOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  connectTimeoutMs: number;
  callTimeoutMs: number;
  log: (message: string, fields?: Record<string, unknown>) => void;
}

export interface PluginTools {
  definitions: FunctionDefinition[];
  has(name: string): boolean;
  call(name: string, args: unknown): Promise<{ ok: boolean; content: string }>;
  close(): Promise<void>;
}

export function pluginFunctionName(server: string, tool: string): string {
  return `mcp__${server}__${tool}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, MAX_NAME);
}

export async function connectPlugins(
  specs: Record<string, McpServerSpec>,
  options: PluginOptions,
): Promise<PluginTools> {
  const clients: Client[] = [];
  const routes = new Map<string, { client: Client; tool: string }>();
  const definitions: FunctionDefinition[] = [];
  await Promise.all(
    Object.entries(specs)
      .filter(([server]) => server !== AGENT_TOOLS_SERVER)
      .map(async ([server, spec]) => {
        const client = new Client({ name: 'omniclaw-openai-runtime', version: '1.0.0' });
        try {
          await client.connect(transportFor(spec, options), { timeout: options.connectTimeoutMs });
          clients.push(client);
          const { tools } = await client.listTools(undefined, { timeout: options.connectTimeoutMs });
          for (const tool of tools) {
            const name = pluginFunctionName(server, tool.name);
            if (routes.has(name)) continue;
            routes.set(name, { client, tool: tool.name });
            definitions.push({
              name,
              description: tool.description ?? `${tool.name} from the ${server} MCP server`,
              parameters: tool.inputSchema as Record<string, unknown>,
            });
          }
        } catch (err) {
          options.log('plugin MCP server unavailable; continuing without it', {
            server,
            error: (err as Error).message,
          });
          await client.close().catch(() => undefined);
        }
      }),
  );
  return {
    definitions,
    has: (name) => routes.has(name),
    async call(name, args) {
      const route = routes.get(name);
      if (!route) return { ok: false, content: `there is no plugin tool named ${name}` };
      try {
        const result = await route.client.callTool(
          { name: route.tool, arguments: (args ?? {}) as Record<string, unknown> },
          undefined,
          { timeout: options.callTimeoutMs },
        );
        const parts = (result.content ?? []) as { type: string; text?: string }[];
        const text = parts
          .map((part) => (part.type === 'text' ? (part.text ?? '') : `[${part.type} omitted]`))
          .join('\n');
        return { ok: result.isError !== true, content: text || '(no output)' };
      } catch (err) {
        return { ok: false, content: `${name} failed: ${(err as Error).message}` };
      }
    },
    async close() {
      await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
    },
  };
}

function transportFor(spec: McpServerSpec, options: PluginOptions) {
  if (spec.type === 'http') {
    return new StreamableHTTPClientTransport(new URL(spec.url), { requestInit: { headers: spec.headers } });
  }
  const env = Object.fromEntries(
    Object.entries({ ...options.env, ...spec.env }).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
  return new StdioClientTransport({
    command: spec.command,
    args: spec.args,
    env,
    cwd: options.cwd,
    stderr: 'ignore',
  });
}
