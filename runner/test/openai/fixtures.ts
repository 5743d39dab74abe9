/** Temporary workspaces and start commands for runtime tests. */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RuntimeKind, StartCommand, ToolDefinition } from '../../../src/protocol/runner-protocol.js';

export interface TestWorkspace {
  root: string;
  agentDir: string;
  globalDir: string;
  stateDir: string;
  cleanup(): void;
}

export function makeWorkspace(prefix = 'omniclaw-rt-'): TestWorkspace {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const agentDir = join(root, 'agent');
  const globalDir = join(root, 'global');
  const stateDir = join(root, 'state');
  for (const dir of [agentDir, globalDir, stateDir]) mkdirSync(dir, { recursive: true });
  return {
    root,
    agentDir,
    globalDir,
    stateDir,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

export const sendMessageTool: ToolDefinition = {
  name: 'send_message',
  description: 'Send a message to the chat.',
  inputSchema: {
    type: 'object',
    properties: { text: { type: 'string' }, sender: { type: 'string' } },
    required: ['text'],
  },
};

export function startCommand(
  runtime: RuntimeKind,
  workspace: TestWorkspace,
  baseUrl: string,
  overrides: Partial<StartCommand> = {},
): StartCommand {
  return {
    type: 'start',
    v: 1,
    runId: 'run-1',
    turnId: 'turn-1',
    agent: { id: 'agent-1', name: 'tester', main: false },
    runtime,
    model: 'fake-model',
    prompt: 'hello',
    workspace: {
      agentDir: workspace.agentDir,
      globalDir: workspace.globalDir,
      extraDirs: [],
      stateDir: workspace.stateDir,
    },
    endpoints: { openai: { baseUrl, token: 'run-token-123' } },
    tools: [sendMessageTool],
    mcpServers: {},
    ...overrides,
  };
}
