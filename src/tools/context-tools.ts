/**
 * list_context_topics, read_context and request_context over ContextTopics. A request for
 * topics that do not exist (or for context in general) reaches the main agent as a message
 * in its chat, which it answers by writing the topic; requests are rate-limited per agent.
 */
import { SANDBOX_CONTEXT_DIR, type ContextTopics } from './context-topics.js';
import { defineAgentTool } from './define-tool.js';
import { FolderFileError } from './folder-files.js';
import { RateWindow } from './rate-window.js';
import { ToolError, type ToolContext, type ToolHandler } from './types.js';

export interface ContextToolDeps {
  topics: ContextTopics;
  /** Puts a request into the main agent's chat and wakes it; resolves with where it went. */
  askMain(request: { from: string; text: string; runId: string }): Promise<{ chat: string }>;
  /** Context requests one agent may make per hour (default 10). */
  requestsPerHour?: number;
  now?: () => number;
}

const HOUR_MS = 3600_000;

export function contextTools(deps: ContextToolDeps): ToolHandler[] {
  const requests = new RateWindow(deps.requestsPerHour ?? 10, HOUR_MS, deps.now);

  const listTopics = defineAgentTool('list_context_topics', async () => {
    const { topics, more } = deps.topics.list();
    if (!topics.length)
      return 'No context topics yet. request_context asks the main agent for the context you need.';
    return JSON.stringify({ topics, ...(more ? { more } : {}) }, null, 2);
  });

  const readContext = defineAgentTool('read_context', async (args) => {
    try {
      const { text, owner } = deps.topics.read(args.topic);
      return `# ${args.topic} (owner: ${owner})\n\n${text}`;
    } catch (error) {
      if (!(error instanceof FolderFileError)) throw error;
      if (error.code === 'missing')
        throw new ToolError(
          `read_context: there is no topic "${args.topic}"; list_context_topics shows the topics, request_context asks the main agent for it`,
        );
      throw new ToolError(`read_context: topic "${args.topic}" was refused: ${error.message}`);
    }
  });

  const requestContext = defineAgentTool('request_context', async (args, context: ToolContext) => {
    const named = args.requested_topics ?? [];
    const present = named.filter((t) => deps.topics.exists(t));
    const missing = named.filter((t) => !present.includes(t));
    const ready = present.length ? `Already there (read_context): ${present.join(', ')}. ` : '';
    if (named.length && !missing.length) return `${ready}Nothing to ask for.`;
    if (context.agent.main)
      return (
        `${ready}You are the main agent: write shared topics yourself as ` +
        `${SANDBOX_CONTEXT_DIR}/<topic>.md (${missing.join(', ') || 'any topic'}).`
      );
    if (!requests.take(context.agent.id))
      throw new ToolError(
        'request_context: too many context requests from you in the last hour; wait for the answers to the earlier ones',
      );
    const topics = missing.length ? `\nTopics asked for: ${missing.join(', ')}` : '';
    const text =
      `Context request from agent "${context.agent.id}":\n${args.description}${topics}\n\n` +
      `(To answer, write the topic as ${SANDBOX_CONTEXT_DIR}/<topic>.md; the agent reads it with read_context.)`;
    const sent = await deps.askMain({ from: context.agent.id, text, runId: context.runId });
    return `${ready}Asked the main agent (in ${sent.chat}); read_context will show the topic once it is written.`;
  });

  return [listTopics, readContext, requestContext];
}
