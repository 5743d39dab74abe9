/**
 * One turn of the openai runtime's tool loop: the user's text goes in, the model is called
 * until it answers without tool calls (or the iteration bound is hit), every tool call is
 * executed and its result fed back. Assistant text between tool calls and one-line tool
 * summaries go out as progress; the final text is the reply. While a model call streams, its
 * text goes out as deltas (a preview: the progress or reply that follows is what counts).
 */
import type { Usage } from '../../../src/protocol/runner-protocol.js';
import type { RuntimeSink } from '../runtime.js';
import { fitHistory } from './openai-history.js';
import type { ChatComplete } from './openai-chat.js';
import type { ChatMessage, ChatRequest, ChatToolCall } from './openai-messages.js';

export interface ToolExecution {
  content: string;
  summary: string;
}

export interface TurnContext {
  complete: ChatComplete;
  model: string;
  tools: NonNullable<ChatRequest['tools']>;
  systemPrompt: () => Promise<string>;
  executeTool: (call: ChatToolCall, turnId: string) => Promise<ToolExecution>;
  /** Saves the conversation after each model step (crash safety). */
  persist: () => Promise<void>;
  sink: RuntimeSink;
  maxIterations: number;
  /** Size budget of the conversation sent to the model (JSON characters). */
  historyMaxChars: number;
  signal: AbortSignal;
}

export class IterationLimitError extends Error {}

/** Runs one turn, appending to `messages` in place; returns the usage of all its model calls. */
export async function runTurn(
  turnId: string,
  text: string,
  messages: ChatMessage[],
  context: TurnContext,
): Promise<Usage> {
  const usage: Usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  messages.push({ role: 'user', content: text });
  for (let iteration = 0; iteration < context.maxIterations; iteration += 1) {
    const trimmed = fitHistory(messages, context.historyMaxChars);
    if (trimmed) context.sink.log('conversation trimmed to fit the context budget', { messages: trimmed });
    const request: ChatRequest = {
      model: context.model,
      messages: [{ role: 'system', content: await context.systemPrompt() }, ...messages],
      ...(context.tools.length ? { tools: context.tools } : {}),
    };
    // The answer streams out as it is written; each model call starts a fresh answer.
    let fresh = true;
    const response = await context.complete(request, context.signal, (text, restart) => {
      context.sink.delta?.(turnId, text, fresh || restart);
      fresh = false;
    });
    usage.inputTokens += response.usage.inputTokens;
    usage.outputTokens += response.usage.outputTokens;
    usage.cacheReadTokens += response.usage.cacheReadTokens;
    const content = response.message.content?.trim() ? response.message.content : null;
    const calls = response.message.tool_calls ?? [];
    messages.push({ role: 'assistant', content, ...(calls.length ? { tool_calls: calls } : {}) });
    if (calls.length === 0) {
      await context.persist();
      if (content) context.sink.reply(turnId, content);
      return usage;
    }
    if (content) context.sink.progress(turnId, 'text', content);
    for (const call of calls) {
      // Calls cut short by a stop still need answers, or the saved conversation cannot be resumed.
      if (context.signal.aborted) {
        messages.push({
          role: 'tool',
          tool_call_id: call.id,
          content: 'Error: not run, the agent was stopped',
        });
        continue;
      }
      const result = await context.executeTool(call, turnId);
      context.sink.progress(turnId, 'tool', result.summary);
      messages.push({ role: 'tool', tool_call_id: call.id, content: result.content });
    }
    await context.persist();
    if (context.signal.aborted) return usage;
  }
  throw new IterationLimitError(
    `stopped after ${context.maxIterations} model calls without a final answer (the tool loop limit); ask again to continue`,
  );
}
