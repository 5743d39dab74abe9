/**
 * The `start` command that opens a run: who the agent is, its model, the first prompt, the
 * session to resume, and what the launched sandbox gives it (workspace, model endpoints,
 * web proxy). Chat runs and scheduled task runs start the same way.
 */
import type { AgentConfig } from '../config/normalise.js';
import type { ToolDispatcher } from '../tools/types.js';
import { PROTOCOL_VERSION, type StartCommand } from '../protocol/runner-protocol.js';
import type { LaunchedRun } from './run-launcher.js';

export interface StartRequest {
  runId: string;
  turnId: string;
  agent: AgentConfig;
  prompt: string;
  /** The engine session to resume; none starts a fresh one. */
  sessionId?: string;
  launched: Pick<LaunchedRun, 'workspace' | 'endpoints' | 'httpProxy'>;
  tools: Pick<ToolDispatcher, 'definitions'>;
  /** The runtime's model when the agent names none (config/default-models.ts). */
  defaultModel: (agent: AgentConfig) => string;
}

export function startCommand(request: StartRequest): StartCommand {
  const { agent, launched } = request;
  return {
    type: 'start',
    v: PROTOCOL_VERSION,
    runId: request.runId,
    turnId: request.turnId,
    agent: { id: agent.id, name: agent.name, main: agent.main },
    runtime: agent.runtime,
    model: agent.model ?? request.defaultModel(agent),
    prompt: request.prompt,
    sessionId: request.sessionId,
    workspace: launched.workspace,
    endpoints: launched.endpoints,
    tools: request.tools.definitions(agent),
    mcpServers: agent.mcpServers,
    systemPrompt: agent.systemPrompt,
    httpProxy: launched.httpProxy,
  };
}
