/**
 * Tool dispatch of the openai runtime: which functions the model is offered (workspace
 * tools, the built-in agent tools from the host, the agent's plugin MCP tools) and where a
 * call goes. Every outcome, including the model's own mistakes, becomes text for the model.
 */
import type { ToolDefinition } from '../../../src/protocol/runner-protocol.js';
import type { RuntimeSink } from '../runtime.js';
import { truncateMiddle } from '../tools/bounded-text.js';
import {
  parseArguments,
  runWorkspaceTool,
  workspaceFunctionDefinitions,
  workspaceTools,
} from '../tools/index.js';
import type { WorkspaceRoots } from '../tools/paths.js';
import type { ChatRequest, ChatToolCall } from './openai-messages.js';
import type { PluginTools } from './openai-plugins.js';
import type { ToolExecution } from './openai-turn.js';

/** A host or plugin tool result can be large (read_context); the model gets a bounded copy. */
const TOOL_RESULT_MAX_BYTES = 100_000;

export function toolDefinitions(
  agentTools: ToolDefinition[],
  plugins: PluginTools,
): NonNullable<ChatRequest['tools']> {
  return [
    ...workspaceFunctionDefinitions(),
    // A host tool may not shadow a workspace tool (the host's set is fixed; this only guards).
    ...agentTools
      .filter((tool) => !workspaceTools.has(tool.name))
      // Function parameters must be an object schema; host schemas may leave `type` implicit.
      .map((tool) => ({
        name: tool.name,
        description: tool.description,
        parameters: { type: 'object', ...tool.inputSchema },
      })),
    ...plugins.definitions,
  ].map((fn) => ({ type: 'function' as const, function: fn }));
}

export interface ToolExecutorContext {
  roots: WorkspaceRoots;
  env: NodeJS.ProcessEnv;
  bashTimeoutMs: number;
  signal: AbortSignal;
  sink: RuntimeSink;
  agentTools: ToolDefinition[];
  plugins: PluginTools;
}

export function createToolExecutor(context: ToolExecutorContext) {
  const agentTools = new Set(context.agentTools.map((tool) => tool.name));
  const toolContext = {
    roots: context.roots,
    bashTimeoutMs: context.bashTimeoutMs,
    env: context.env,
    signal: context.signal,
  };

  return async function executeTool(call: ChatToolCall, turnId: string): Promise<ToolExecution> {
    const name = call.function.name;
    const workspaceTool = workspaceTools.get(name);
    if (workspaceTool) {
      const run = await runWorkspaceTool(workspaceTool, call.function.arguments, toolContext);
      return { content: run.content, summary: run.summary };
    }
    const isAgentTool = agentTools.has(name);
    if (!isAgentTool && !context.plugins.has(name)) {
      const known = [
        ...workspaceTools.keys(),
        ...agentTools,
        ...context.plugins.definitions.map((d) => d.name),
      ];
      return {
        content: `Error: there is no tool named ${name}. Available tools: ${known.join(', ')}`,
        summary: `${name}: unknown tool`,
      };
    }
    const args = parseArguments(call.function.arguments);
    if (!args.ok) return { content: `Error: ${args.error}`, summary: `${name}: invalid arguments` };
    try {
      const outcome = isAgentTool
        ? await context.sink.callTool(name, args.value, turnId)
        : await context.plugins.call(name, args.value);
      const content = truncateMiddle(outcome.content, TOOL_RESULT_MAX_BYTES);
      return { content: outcome.ok ? content : `Error: ${content}`, summary: name };
    } catch (err) {
      return {
        content: `Error: ${name} could not be delivered to the host: ${(err as Error).message}`,
        summary: name,
      };
    }
  };
}
