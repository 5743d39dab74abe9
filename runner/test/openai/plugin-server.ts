/**
 * A tiny stdio MCP server standing in for an agent's plugin (started through tsx):
 * `lookup(term)` answers "found <term>", `fail()` answers with an MCP error result.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const server = new Server({ name: 'notes', version: '1.0.0' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, () => ({
  tools: [
    {
      name: 'lookup',
      description: 'Look a term up in the notes.',
      inputSchema: { type: 'object', properties: { term: { type: 'string' } }, required: ['term'] },
    },
    { name: 'fail', description: 'Always fails.', inputSchema: { type: 'object', properties: {} } },
  ],
}));
server.setRequestHandler(CallToolRequestSchema, (request) => {
  if (request.params.name === 'lookup') {
    const term = (request.params.arguments as { term?: string } | undefined)?.term;
    return { content: [{ type: 'text', text: `found ${term}` }] };
  }
  return { content: [{ type: 'text', text: 'the notes are locked' }], isError: true };
});
await server.connect(new StdioServerTransport());
