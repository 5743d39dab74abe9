/**
 * Turns the Codex CLI's `exec --json` events (one JSON object per line) into runtime sink
 * calls for one turn. Shapes observed with @openai/codex 0.169:
 *   {"type":"thread.started","thread_id":"…"}            the session id (a UUID)
 *   {"type":"item.started"|"item.completed","item":{…}}   item.type: agent_message (text),
 *       command_execution (command, aggregated_output, exit_code), mcp_tool_call (server,
 *       tool, arguments, result, error), file_change (changes[{path,kind}]), reasoning,
 *       error (a warning, e.g. unknown model metadata)
 *   {"type":"turn.completed","usage":{input_tokens, cached_input_tokens,
 *       cache_write_input_tokens, output_tokens}}  — totals of the whole thread so far
 *   {"type":"turn.failed","error":{"message":…}} and {"type":"error","message":…} (notices
 *       such as "Reconnecting... 1/5" come as `error` too; only turn.failed ends the turn)
 * Agent messages are held back: one followed by a tool becomes progress, the last is the reply.
 */
import type { RuntimeSink } from '../runtime.js';

export interface CodexTotals {
  input: number;
  cached: number;
  cacheWrite: number;
  output: number;
}

interface CodexItem {
  id?: string;
  type?: string;
  text?: string;
  message?: string;
  command?: string;
  server?: string;
  tool?: string;
  changes?: { path?: string; kind?: string }[];
  query?: string;
}

interface CodexEvent {
  type?: string;
  thread_id?: string;
  item?: CodexItem;
  usage?: {
    input_tokens?: number;
    cached_input_tokens?: number;
    cache_write_input_tokens?: number;
    output_tokens?: number;
  };
  error?: { message?: string };
  message?: string;
}

/** Items that run for a while: the idle watchdog must not fire while one is in progress. */
const LONG_ITEMS = new Set(['command_execution', 'mcp_tool_call', 'file_change', 'web_search']);

export class CodexTurnTranslator {
  threadId: string | undefined;
  totals: CodexTotals | undefined;
  failure: string | undefined;
  lastNotice: string | undefined;
  completed = false;
  private pendingText: string[] = [];
  private running = new Set<string>();

  constructor(
    private readonly turnId: string,
    private readonly sink: RuntimeSink,
    private readonly omniclawServer: string,
    /** Called as soon as Codex names the session, so a turn cut short still reports it. */
    private readonly onThread: (threadId: string) => void = () => undefined,
  ) {}

  /** True while a command or tool call is running (the model is not the one being waited for). */
  busy(): boolean {
    return this.running.size > 0;
  }

  handle(line: string): void {
    let event: CodexEvent;
    try {
      event = JSON.parse(line) as CodexEvent;
    } catch {
      this.sink.log('codex printed a line that is not JSON', { line: line.slice(0, 200) });
      return;
    }
    switch (event.type) {
      case 'thread.started':
        this.threadId = event.thread_id;
        if (event.thread_id) this.onThread(event.thread_id);
        return;
      case 'item.started':
        if (event.item) this.itemStarted(event.item);
        return;
      case 'item.completed':
        if (event.item) this.itemCompleted(event.item);
        return;
      case 'turn.completed':
        this.completed = true;
        this.totals = {
          input: event.usage?.input_tokens ?? 0,
          cached: event.usage?.cached_input_tokens ?? 0,
          cacheWrite: event.usage?.cache_write_input_tokens ?? 0,
          output: event.usage?.output_tokens ?? 0,
        };
        return;
      case 'turn.failed':
        this.failure = event.error?.message ?? 'the turn failed without a message';
        return;
      case 'error':
        this.lastNotice = event.message;
        this.sink.log('codex notice', { message: event.message });
        return;
      default:
        return;
    }
  }

  /** The text held back for the reply (the agent messages after the last tool use). */
  replyText(): string {
    return this.pendingText.join('\n\n').trim();
  }

  private itemStarted(item: CodexItem): void {
    if (!item.type || !LONG_ITEMS.has(item.type)) return;
    if (item.id) this.running.add(item.id);
    if (item.type === 'file_change') return; // reported when applied
    const summary = this.summarise(item);
    if (summary) {
      this.flushTextAsProgress();
      this.sink.progress(this.turnId, 'tool', summary);
    }
  }

  private itemCompleted(item: CodexItem): void {
    if (item.id) this.running.delete(item.id);
    switch (item.type) {
      case 'agent_message':
        if (item.text?.trim()) this.pendingText.push(item.text);
        return;
      case 'error':
        this.sink.log('codex warning', { message: item.message });
        return;
      case 'file_change': {
        // File changes are reported once, when applied.
        this.flushTextAsProgress();
        this.sink.progress(this.turnId, 'tool', this.summarise(item) ?? 'edit');
        return;
      }
      default:
        return;
    }
  }

  private flushTextAsProgress(): void {
    for (const text of this.pendingText.splice(0)) this.sink.progress(this.turnId, 'text', text);
  }

  private summarise(item: CodexItem): string | undefined {
    switch (item.type) {
      case 'command_execution':
        return `bash: ${shorten(unwrapShell(item.command ?? ''))}`;
      case 'mcp_tool_call':
        // The built-in tools read as in the other runtimes (send_message); plugins keep their server.
        return item.server === this.omniclawServer ? (item.tool ?? 'tool') : `${item.server}: ${item.tool}`;
      case 'file_change':
        return `edit: ${(item.changes ?? []).map((c) => c.path).join(', ')}`;
      case 'web_search':
        return `web search: ${shorten(item.query ?? '')}`;
      default:
        return undefined;
    }
  }
}

/** Codex shows commands as `/bin/bash -lc '…'`; the inner command reads better. */
function unwrapShell(command: string): string {
  const match = /^\S*\/(?:ba|z)?sh -lc '(.*)'$/s.exec(command);
  return match ? match[1]!.replace(/'\\''/g, "'") : command;
}

const shorten = (text: string): string => (text.length > 200 ? `${text.slice(0, 200)}…` : text);
