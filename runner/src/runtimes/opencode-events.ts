/**
 * Turns what OpenCode reports about one turn into the runtime sink's terms: its event
 * stream (tool parts starting, text parts finished, retries, session errors, idle) into
 * progress, and the turn's assistant messages into the reply, the usage and, when the model
 * failed, a failure to report. Pure apart from the sink it writes progress to.
 */
import type { Event, Message, Part } from '@opencode-ai/sdk/v2/client';
import type { Usage } from '../../../src/protocol/runner-protocol.js';
import { AGENT_TOOLS_SERVER } from '../../../src/protocol/agent-tools.js';
import type { RuntimeSink } from '../runtime.js';

type AssistantError = NonNullable<Extract<Message, { role: 'assistant' }>['error']>;

/** What the runtime does after an event: keep waiting, the turn is over, or give up on it. */
export type TurnSignal = { kind: 'wait' } | { kind: 'idle' } | { kind: 'give_up'; why: string };

export class OpencodeTurnTranslator {
  private readonly toolsSeen = new Set<string>();
  private readonly running = new Set<string>();
  private pendingText: string | undefined;
  /** The engine took up this turn: an idle before that is the previous turn's. */
  private started = false;
  /** The engine said why the turn failed (session.error), for the report. */
  failure: string | undefined;
  /** The last text part finished so far: the reply when the turn ends. */
  lastText: string | undefined;
  /** Tokens of the turn's steps (step-finish parts), summed as they finish. */
  usage: Usage | undefined;
  private readonly stepsCounted = new Set<string>();

  constructor(
    private readonly turnId: string,
    private readonly sessionId: string,
    private readonly sink: RuntimeSink,
    private readonly maxRetries: number,
  ) {}

  /** A model step began: before that the engine prepares (tools, MCP servers), not waits. */
  stepStarted = false;

  /** True while a tool runs: a quiet engine is then not a hung model. */
  busy(): boolean {
    return this.running.size > 0;
  }

  handle(event: Event): TurnSignal {
    switch (event.type) {
      case 'message.part.updated':
        if (event.properties.sessionID === this.sessionId) this.onPart(event.properties.part);
        return { kind: 'wait' };
      case 'session.status': {
        if (event.properties.sessionID !== this.sessionId) return { kind: 'wait' };
        const status = event.properties.status;
        if (status.type !== 'idle') this.started = true;
        if (status.type === 'idle') return this.started ? { kind: 'idle' } : { kind: 'wait' };
        // OpenCode retries a failed model request on its own, with no limit: ours applies.
        if (status.type === 'retry' && status.attempt > this.maxRetries) {
          return { kind: 'give_up', why: `gave up after ${status.attempt} attempts: ${status.message}` };
        }
        return { kind: 'wait' };
      }
      case 'session.idle':
        return event.properties.sessionID === this.sessionId && this.started
          ? { kind: 'idle' }
          : { kind: 'wait' };
      case 'session.error':
        if (event.properties.sessionID === this.sessionId && event.properties.error) {
          this.started = true;
          this.failure = describeError(event.properties.error);
        }
        return { kind: 'wait' };
      default:
        return { kind: 'wait' };
    }
  }

  private onPart(part: Part): void {
    if (part.type === 'text' && !part.synthetic && part.time?.end !== undefined && part.text.trim()) {
      this.pendingText = part.text;
      this.lastText = part.text.trim();
      return;
    }
    if (part.type === 'step-start') this.stepStarted = true;
    if (part.type === 'step-finish' && !this.stepsCounted.has(part.id)) {
      this.stepsCounted.add(part.id);
      this.usage = addTokens(this.usage, part.tokens, part.cost);
      return;
    }
    if (part.type !== 'tool') return;
    if (part.state.status === 'running' || part.state.status === 'pending') this.running.add(part.callID);
    else this.running.delete(part.callID);
    if (part.state.status !== 'running' || this.toolsSeen.has(part.callID)) return;
    this.toolsSeen.add(part.callID);
    // Text written before a tool is progress; only the last text of the turn is the reply.
    if (this.pendingText) this.sink.progress(this.turnId, 'text', this.pendingText);
    this.pendingText = undefined;
    this.lastText = undefined;
    this.sink.progress(this.turnId, 'tool', toolSummary(part.tool, part.state.input));
  }
}

const MCP_PREFIX = `${AGENT_TOOLS_SERVER}_`;

export function toolSummary(tool: string, input: Record<string, unknown>): string {
  if (tool.startsWith(MCP_PREFIX)) return tool.slice(MCP_PREFIX.length);
  const detail = input.command ?? input.filePath ?? input.pattern ?? input.url;
  return typeof detail === 'string' ? `${tool}: ${detail.slice(0, 200)}` : tool;
}

/** The outcome of a finished turn, from the messages after the turn's prompt. */
export interface TurnOutcome {
  reply: string | undefined;
  usage: Usage | undefined;
  /** Why the model failed, when it did (an aborted turn is not a failure). */
  failure: string | undefined;
  aborted: boolean;
}

/** `messages` is the session's history; the turn is everything after its last user message. */
export function turnOutcome(messages: { info: Message; parts: Part[] }[]): TurnOutcome {
  const lastUser = messages.map((m) => m.info.role).lastIndexOf('user');
  const answers = messages.slice(lastUser + 1).filter((m) => m.info.role === 'assistant');
  let usage: Usage | undefined;
  let failure: string | undefined;
  let aborted = false;
  let reply: string | undefined;
  for (const { info, parts } of answers) {
    if (info.role !== 'assistant') continue;
    usage = addTokens(usage, info.tokens, info.cost);
    if (info.error?.name === 'MessageAbortedError') aborted = true;
    else if (info.error) failure = describeError(info.error);
    const text = parts
      .filter((p): p is Extract<Part, { type: 'text' }> => p.type === 'text' && !p.synthetic)
      .map((p) => p.text)
      .join('')
      .trim();
    if (text) reply = text;
  }
  return { reply, usage, failure, aborted };
}

type Tokens = Extract<Message, { role: 'assistant' }>['tokens'];

function addTokens(usage: Usage | undefined, t: Tokens, cost: number): Usage {
  return {
    inputTokens: (usage?.inputTokens ?? 0) + t.input,
    outputTokens: (usage?.outputTokens ?? 0) + t.output + t.reasoning,
    cacheReadTokens: (usage?.cacheReadTokens ?? 0) + t.cache.read,
    cacheWriteTokens: (usage?.cacheWriteTokens ?? 0) + t.cache.write,
    ...(cost > 0 || usage?.costUsd !== undefined ? { costUsd: (usage?.costUsd ?? 0) + cost } : {}),
  };
}

export function describeError(error: AssistantError): string {
  const data = error.data as { message?: unknown; statusCode?: unknown; responseBody?: unknown };
  const status = typeof data.statusCode === 'number' ? ` (HTTP ${data.statusCode})` : '';
  const message = typeof data.message === 'string' ? data.message : JSON.stringify(data).slice(0, 300);
  return `${error.name}${status}: ${message.slice(0, 600)}`;
}
