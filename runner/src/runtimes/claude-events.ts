/**
 * Turns the Claude engine's message stream into runtime events: which turn a message
 * belongs to, what is intermediate output (`progress`) and what is the answer (`reply`),
 * what a turn cost, and which failures end the run.
 *
 * Turns: every input we send carries our own uuid; the engine echoes it on the turn's first
 * assistant message (`user_message_uuid`) and lists every input a result consumed
 * (`user_message_uuids`: queued follow-ups may be merged into one turn). Without an echo the
 * oldest open turn is the one answered, since the engine answers inputs in order.
 */
import type { SDKMessage, SDKResultMessage } from '@anthropic-ai/claude-agent-sdk';
import type { Usage } from '../../../src/protocol/runner-protocol.js';
import type { RuntimeSink } from '../runtime.js';

type PartialEvent = Extract<SDKMessage, { type: 'stream_event' }>['event'];

interface OpenTurn {
  turnId: string;
  uuid: string;
  /** Assistant text seen so far in this turn; becomes progress once a tool use follows it. */
  pendingText: string[];
}

/** Engine messages that say a resume target does not exist (checked on the result's errors). */
const SESSION_MISSING = /no conversation found|session .*not found|invalid session/i;

export class ClaudeEventTranslator {
  private readonly open: OpenTurn[] = [];
  private current: OpenTurn | undefined;
  private sessionId: string | undefined;
  /** Cumulative cost the engine reported last; costs per turn are the differences. */
  private lastTotalCost: number | undefined;
  private failed = false;

  private readonly resuming: boolean;
  private readonly onTotalCost: ((sessionId: string, total: number) => void) | undefined;

  constructor(
    private readonly sink: RuntimeSink,
    options: {
      /** A stored session is being resumed. */
      resuming: boolean;
      /** The session's running cost total at the end of the previous run, when known. */
      costBaseline?: number;
      /** Called with each new running total, to be kept for the next run. */
      onTotalCost?: (sessionId: string, total: number) => void;
    },
  ) {
    this.resuming = options.resuming;
    this.lastTotalCost = options.costBaseline;
    this.onTotalCost = options.onTotalCost;
  }

  /** Registers an input before it is handed to the engine. */
  opened(turnId: string, uuid: string): void {
    this.open.push({ turnId, uuid, pendingText: [] });
  }

  /** The turn the engine is working on now (for tool calls), if any. */
  get currentTurnId(): string | undefined {
    return (this.current && this.open.includes(this.current) ? this.current : this.open[0])?.turnId;
  }

  get openTurns(): number {
    return this.open.length;
  }

  /** True once a fatal error has been reported (the run is over). */
  get hasFailed(): boolean {
    return this.failed;
  }

  handle(message: SDKMessage): void {
    switch (message.type) {
      case 'system':
        if (message.subtype === 'init') this.noteSession(message.session_id);
        return;
      case 'assistant':
        if (message.parent_tool_use_id) return; // a subagent's inner work, not this agent's output
        this.onAssistant(message.message.content as ContentBlock[], message.user_message_uuid);
        return;
      case 'result':
        this.onResult(message);
        return;
      case 'stream_event':
        if (!message.parent_tool_use_id) this.onStreamEvent(message.event);
        return;
      default:
        return;
    }
  }

  /**
   * Partial messages (includePartialMessages): each model call starts a fresh preview
   * (`reset`), and its text deltas are appended. A preview only: the `assistant` and
   * `result` messages that follow stay what counts.
   */
  private onStreamEvent(event: PartialEvent): void {
    const turn = this.turnFor(undefined);
    if (!turn || !this.sink.delta) return;
    if (event.type === 'message_start') this.sink.delta(turn.turnId, '', true);
    else if (event.type === 'content_block_delta' && event.delta.type === 'text_delta' && event.delta.text)
      this.sink.delta(turn.turnId, event.delta.text, false);
  }

  private noteSession(sessionId: string | undefined): void {
    if (!sessionId || sessionId === this.sessionId) return;
    this.sessionId = sessionId;
    this.sink.session(sessionId);
  }

  private turnFor(uuid: string | undefined): OpenTurn | undefined {
    if (uuid) {
      const echoed = this.open.find((t) => t.uuid === uuid);
      if (echoed) this.current = echoed;
    }
    if (!this.current || !this.open.includes(this.current)) this.current = this.open[0];
    return this.current;
  }

  private onAssistant(blocks: ContentBlock[], echoedUuid: string | undefined): void {
    const turn = this.turnFor(echoedUuid);
    if (!turn) return;
    for (const block of blocks) {
      if (block.type === 'text' && block.text?.trim()) {
        turn.pendingText.push(block.text);
      } else if (block.type === 'tool_use' && block.name) {
        for (const text of turn.pendingText.splice(0)) this.sink.progress(turn.turnId, 'text', text);
        this.sink.progress(turn.turnId, 'tool', summariseToolUse(block.name, block.input));
      }
    }
  }

  private onResult(result: SDKResultMessage): void {
    this.noteSession(result.session_id);
    const covered = this.coveredTurns(result);
    const last = covered[covered.length - 1];
    const turnId = last?.turnId;
    const costUsd = this.turnCost(result.total_cost_usd, result.session_id);

    if (result.subtype === 'success' && !result.is_error) {
      for (const turn of covered.slice(0, -1)) this.sink.done(turn.turnId);
      if (!last) {
        // A turn nobody asked for (the engine acting on its own): there is no chat turn to answer.
        this.sink.log('claude engine finished a turn with no open input; its answer is dropped', {
          chars: result.result.length,
        });
        return;
      }
      if (result.result.trim()) this.sink.reply(last.turnId, result.result);
      this.sink.done(last.turnId, usageOf(result, costUsd));
      return;
    }
    if (result.subtype === 'success') {
      // The engine turns API failures (500, 529, timeouts) into an error result with the text.
      const status = result.api_error_status ? ` (HTTP ${result.api_error_status})` : '';
      return this.fail(`the Claude API request failed${status}: ${result.result}`, turnId);
    }
    const detail = result.errors.join('; ') || result.subtype;
    if (this.resuming && result.num_turns === 0 && SESSION_MISSING.test(detail)) {
      return this.fail(
        `the stored Claude session cannot be resumed (${detail}); start a fresh session`,
        turnId,
        true,
      );
    }
    if (result.subtype === 'error_during_execution')
      return this.fail(`the Claude engine failed: ${detail}`, turnId);
    // Limits (max turns, budget): this turn ends without an answer, the session stays usable.
    this.sink.error(`the Claude turn stopped early: ${limitText(result.subtype)}`, { fatal: false, turnId });
    for (const turn of covered)
      this.sink.done(turn.turnId, turn === last ? usageOf(result, costUsd) : undefined);
  }

  private fail(message: string, turnId: string | undefined, sessionInvalid?: boolean): void {
    this.failed = true;
    this.sink.error(message, { fatal: true, turnId, ...(sessionInvalid ? { sessionInvalid } : {}) });
  }

  /** Removes and returns the open turns a result answers, oldest first. */
  private coveredTurns(result: SDKResultMessage): OpenTurn[] {
    const uuids = result.user_message_uuids ?? (result.user_message_uuid ? [result.user_message_uuid] : []);
    let covered = this.open.filter((t) => uuids.includes(t.uuid));
    if (!covered.length && this.open[0]) covered = [this.open[0]];
    // Inputs older than the last answered one were answered too (merged or skipped).
    const lastIndex = covered.length ? this.open.indexOf(covered[covered.length - 1]!) : -1;
    const answered = this.open.splice(0, lastIndex + 1);
    if (this.current && answered.includes(this.current)) this.current = undefined;
    return answered;
  }

  private turnCost(total: number | undefined, sessionId: string): number | undefined {
    if (typeof total !== 'number') return undefined;
    const previous = this.lastTotalCost;
    this.lastTotalCost = total;
    this.onTotalCost?.(sessionId, total);
    // A resumed session's total includes what earlier runs spent; without their total the
    // first turn's own cost is unknown (better none than a double count).
    if (previous === undefined) return this.resuming ? undefined : total;
    return Math.max(0, total - previous);
  }
}

interface ContentBlock {
  type: string;
  text?: string;
  name?: string;
  input?: unknown;
}

function usageOf(result: SDKResultMessage, costUsd: number | undefined): Usage {
  const u = result.usage;
  return {
    inputTokens: u.input_tokens ?? 0,
    outputTokens: u.output_tokens ?? 0,
    cacheReadTokens: u.cache_read_input_tokens ?? 0,
    cacheWriteTokens: u.cache_creation_input_tokens ?? 0,
    ...(costUsd !== undefined ? { costUsd } : {}),
  };
}

function limitText(subtype: string): string {
  if (subtype === 'error_max_turns') return 'it reached the maximum number of turns for a run';
  if (subtype === 'error_max_budget_usd') return 'it reached the cost budget for a run';
  return subtype;
}

/** Which argument best says what a tool is doing, per built-in tool. */
const SUMMARY_FIELDS: Record<string, string[]> = {
  Bash: ['command'],
  Read: ['file_path'],
  Write: ['file_path'],
  Edit: ['file_path'],
  MultiEdit: ['file_path'],
  NotebookEdit: ['notebook_path'],
  Glob: ['pattern'],
  Grep: ['pattern'],
  WebFetch: ['url'],
  WebSearch: ['query'],
  Task: ['description'],
  Agent: ['description'],
};

/** "Bash: ls -la", "Read: /workspace/agent/notes.md", "omniclaw.send_message". */
export function summariseToolUse(name: string, input: unknown): string {
  const label = name.startsWith('mcp__') ? name.slice(5).replace('__', '.') : name;
  const args = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  const field = (SUMMARY_FIELDS[name] ?? []).find((f) => typeof args[f] === 'string');
  const detail = field ? (args[field] as string) : undefined;
  if (!detail) return label;
  const oneLine = detail.replace(/\s+/g, ' ').trim();
  return `${label}: ${oneLine.length > 120 ? `${oneLine.slice(0, 117)}...` : oneLine}`;
}
