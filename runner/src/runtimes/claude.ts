/**
 * The `claude` runtime: the Claude Agent SDK engine with streaming input. One engine process
 * serves the whole run; follow-ups go into the live query, so a warm agent answers them in
 * the same session without starting anything.
 */
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { query, type HookCallback, type Query, type SDKUserMessage } from '@anthropic-ai/claude-agent-sdk';
import type { StartCommand } from '../../../src/protocol/runner-protocol.js';
import { AGENT_TOOLS_SERVER } from '../../../src/protocol/agent-tools.js';
import { createOmniclawMcpServer } from '../mcp/omniclaw-server.js';
import type { Runtime, RuntimeSink } from '../runtime.js';
import { archiveTranscript } from './claude-archive.js';
import { readCostBaseline, writeCostBaseline } from './claude-cost.js';
import { ClaudeEventTranslator } from './claude-events.js';
import { InputQueue } from './claude-input.js';
import { baseOptions, enginePaths, pluginMcpServers } from './claude-options.js';

/** How long a stopping engine may finish writing its session before it is closed. */
const STOP_GRACE_MS = 1_500;

export function createClaudeRuntime(): Runtime {
  const input = new InputQueue<SDKUserMessage>();
  let translator: ClaudeEventTranslator | undefined;
  let engine: Query | undefined;
  let consumed: Promise<void> | undefined;
  let stopping = false;

  const send = (turnId: string, text: string): void => {
    if (!translator) throw new Error('the claude runtime got a message before start');
    const uuid = randomUUID();
    translator.opened(turnId, uuid);
    input.push({ type: 'user', message: { role: 'user', content: text }, parent_tool_use_id: null, uuid });
  };

  const consume = async (run: Query, sink: RuntimeSink, agent: string): Promise<void> => {
    try {
      for await (const message of run) translator?.handle(message);
      if (!stopping && !translator?.hasFailed) {
        sink.error(`the Claude engine of agent "${agent}" ended unexpectedly; the run is over`, {
          fatal: true,
        });
      }
    } catch (err) {
      if (!stopping && !translator?.hasFailed) {
        sink.error(`the Claude engine of agent "${agent}" failed: ${(err as Error).message}`, {
          fatal: true,
        });
      }
    }
  };

  return {
    async start(init: StartCommand, sink: RuntimeSink): Promise<void> {
      const paths = enginePaths(init);
      await Promise.all([
        mkdir(paths.home, { recursive: true }),
        mkdir(paths.configDir, { recursive: true }),
      ]);
      const stateDir = init.workspace.stateDir;
      translator = new ClaudeEventTranslator(sink, {
        resuming: Boolean(init.sessionId),
        costBaseline: init.sessionId ? await readCostBaseline(stateDir, init.sessionId) : undefined,
        onTotalCost: (sessionId, total) => {
          writeCostBaseline(stateDir, sessionId, total).catch((err: Error) =>
            sink.log('could not keep the session cost total', { error: err.message }),
          );
        },
      });
      const tools = createOmniclawMcpServer(init.tools, (name, args) =>
        sink.callTool(name, args, translator?.currentTurnId),
      );

      const archive: HookCallback = async (hookInput) => {
        if (hookInput.hook_event_name !== 'PreCompact') return {};
        try {
          const file = await archiveTranscript(
            hookInput.transcript_path,
            init.workspace.agentDir,
            hookInput.session_id,
          );
          sink.log('conversation archived before compaction', { file, trigger: hookInput.trigger });
        } catch (err) {
          sink.log('could not archive the conversation before compaction', { error: (err as Error).message });
        }
        return {};
      };

      const options = baseOptions(init, process.env);
      if (stopping) return; // the run ended while we were getting ready
      send(init.turnId, init.prompt);
      engine = query({
        prompt: input,
        options: {
          ...options,
          mcpServers: {
            ...pluginMcpServers(init.mcpServers, sink.log),
            [AGENT_TOOLS_SERVER]: { type: 'sdk', name: AGENT_TOOLS_SERVER, instance: tools },
          },
          hooks: { PreCompact: [{ hooks: [archive] }] },
          stderr: (data) => sink.log('claude engine', { stderr: data.trimEnd() }),
        },
      });
      consumed = consume(engine, sink, init.agent.name);
    },

    push(turnId: string, text: string): void {
      send(turnId, text);
    },

    async stop(): Promise<void> {
      if (stopping) return;
      stopping = true;
      input.end();
      if (!engine || !consumed) return;
      const grace = new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref());
      await Promise.race([consumed, grace]);
      engine.close();
      await consumed;
    },
  };
}
