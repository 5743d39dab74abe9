/**
 * A runner's tool call, carried to the host's dispatcher and its result back. A run that
 * has ended (or is stopping) executes nothing: its turns are retried, so a side effect now
 * would happen twice. Chat runs and scheduled task runs relay the same way.
 */
import type { ToolContext, ToolDispatcher } from '../tools/types.js';
import type { RunnerEventOf, ToolResultCommand } from '../protocol/runner-protocol.js';

export const TOOL_REFUSED_AFTER_END = 'this run has ended; the tool was not executed';

export async function relayToolCall(
  call: Pick<RunnerEventOf<'tool_call'>, 'callId' | 'name' | 'args'>,
  run: { live: boolean; context: ToolContext; send(command: ToolResultCommand): void },
  tools: Pick<ToolDispatcher, 'call'>,
): Promise<void> {
  if (!run.live) {
    run.send({ type: 'tool_result', callId: call.callId, ok: false, content: TOOL_REFUSED_AFTER_END });
    return;
  }
  const result = await tools.call(call.name, call.args, run.context);
  run.send({ type: 'tool_result', callId: call.callId, ok: result.ok, content: result.content });
}
