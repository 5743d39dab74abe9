import { describe, expect, it } from 'vitest';
import { assertAgentMcpServerNames, mcpServerNameProblems } from '../../src/config/mcp-server-names.js';
import { testConfig } from '../tools/fixtures.js';

const config = testConfig();

describe('agent MCP server names', () => {
  const agents = (servers: string[]) => [
    {
      id: 'research',
      mcpServers: Object.fromEntries(
        servers.map((s) => [s, { type: 'http' as const, url: 'http://127.0.0.1:1/mcp', headers: {} }]),
      ),
    },
  ];

  it.each([
    [['github', 'my-db', 'notes_2'], 0],
    [[], 0],
    [['omniclaw'], 1],
    [['OmniClaw'], 1],
    [['a__b'], 1],
    [['has space'], 1],
    [['x'.repeat(65)], 1],
    [['omniclaw', 'fine', 'bad/name'], 2],
  ])('%j → %i problem(s)', (names, problems) => {
    expect(mcpServerNameProblems(agents(names))).toHaveLength(problems);
  });

  it('explains the reserved name and where it is, so the operator can fix omniclaw.yaml', () => {
    expect(() => assertAgentMcpServerNames(agents(['github', 'omniclaw']))).toThrow(
      'omniclaw.yaml: agents."research".mcpServers."omniclaw": the name "omniclaw" is reserved for OmniClaw\'s built-in agent tools; rename this server',
    );
    expect(() => assertAgentMcpServerNames(config.agents)).not.toThrow();
  });
});
