/**
 * The names of an agent's own MCP servers (`mcpServers` in omniclaw.yaml): they become part
 * of tool names inside the engines, and the built-in server's name is reserved.
 */
import { AGENT_TOOLS_SERVER } from '../protocol/agent-tools.js';
import { idProblem } from '../protocol/ids.js';
import type { AgentConfig } from './normalise.js';

export function mcpServerNameProblems(agents: readonly Pick<AgentConfig, 'id' | 'mcpServers'>[]): string[] {
  const problems: string[] = [];
  for (const agent of agents) {
    for (const name of Object.keys(agent.mcpServers)) {
      const where = `agents."${agent.id}".mcpServers."${name}"`;
      if (name.toLowerCase() === AGENT_TOOLS_SERVER) {
        problems.push(
          `${where}: the name "${name}" is reserved for OmniClaw's built-in agent tools; rename this server`,
        );
      } else {
        const problem = idProblem('mcpServer', name);
        if (problem) problems.push(`${where}: ${problem}`);
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
