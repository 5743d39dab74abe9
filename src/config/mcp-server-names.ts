/**
 * The names of an agent's own MCP servers (`mcpServers` in omniclaw.yaml): they become part
 * of tool names inside the engines, and the built-in server's name is reserved.
 */
import { AGENT_TOOLS_SERVER } from '../protocol/agent-tools.js';
import type { AgentConfig } from './normalise.js';

/** Claude names a tool `mcp__<server>__<tool>`, so a server name may not contain "__". */
const SERVER_NAME = /^(?!.*__)[A-Za-z0-9_-]{1,64}$/;

export function mcpServerNameProblems(agents: readonly Pick<AgentConfig, 'id' | 'mcpServers'>[]): string[] {
  const problems: string[] = [];
  for (const agent of agents) {
    for (const name of Object.keys(agent.mcpServers)) {
      const where = `agents."${agent.id}".mcpServers."${name}"`;
      if (name.toLowerCase() === AGENT_TOOLS_SERVER) {
        problems.push(
          `${where}: the name "${name}" is reserved for OmniClaw's built-in agent tools; rename this server`,
        );
      } else if (!SERVER_NAME.test(name)) {
        problems.push(`${where}: a server name is 1–64 of A-Z, a-z, 0-9, "-" and "_", without "__"`);
      }
    }
  }
  return problems;
}

/** Throws one error listing every bad server name; the config loader or app calls it at start. */
export function assertAgentMcpServerNames(agents: readonly Pick<AgentConfig, 'id' | 'mcpServers'>[]): void {
  const problems = mcpServerNameProblems(agents);
  if (problems.length) throw new Error(`omniclaw.yaml: ${problems.join('\n')}`);
}
