/**
 * Turns the notifications of one Codex app-server turn into runtime sink calls. Shapes of
 * @openai/codex 0.169 (`codex app-server generate-ts`), all with `threadId` and `turnId`:
 *   item/started, item/completed {item}: item.type agentMessage (text), commandExecution
 *       (command, aggregatedOutput, exitCode), mcpToolCall (server, tool, arguments, result,
 *       error), fileChange (changes[{path,kind}]), webSearch (query), reasoning, userMessage…
 *   thread/tokenUsage/updated {tokenUsage: {total, last}}: `total` is the thread's running
 *       total (inputTokens, cachedInputTokens, cacheWriteInputTokens, outputTokens)
 *   error {error: {message}, willRetry}: a retry notice ("Reconnecting... 1/5") or, with
 *       willRetry false, why the turn is about to fail
 *   turn/completed {turn: {status: completed|failed|interrupted, error}}: the turn is over
 * Agent messages are held back: one followed by a tool becomes progress, the last is the reply.
 */
import type { RuntimeSink } from '../runtime.js';
import type { AppServerNotification } from './codex-app-server.js';

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
  command?: string;
  server?: string;
  tool?: string;
  changes?: { path?: string; kind?: unknown }[];
  query?: string;
}

interface TokenBreakdown {
  inputTokens?: number;
  cachedInputTokens?: number;
  cacheWriteInputTokens?: number;
  outputTokens?: number;
}

/** Items that run for a while: the idle watchdog must not fire while one is in progress. */
const LONG_ITEMS = new Set(['commandExecution', 'mcpToolCall', 'dynamicToolCall', 'fileChange', 'webSearch']);

export type CodexTurnStatus = 'completed' | 'failed' | 'interrupted';

export class CodexTurnTranslator {
  totals: CodexTotals | undefined;
  failure: string | undefined;
  lastNotice: string | undefined;
  /** Set by turn/completed. */
  status: CodexTurnStatus | undefined;
  private pendingText: string[] = [];
  private running = new Set<string>();

  constructor(
    private readonly turnId: string,
    private readonly sink: RuntimeSink,
    private readonly omniclawServer: string,
  ) {}

  /** True while a command or tool call is running (the model is not the one being waited for). */
  busy(): boolean {
    return this.running.size > 0;
  }

  handle(notification: AppServerNotification): void {
    const params = notification.params;
    const item = params.item as CodexItem | undefined;
    switch (notification.method) {
      case 'item/started':
        if (item) this.itemStarted(item);
        return;
      case 'item/completed':
        if (item) this.itemCompleted(item);
        return;
      case 'thread/tokenUsage/updated': {
        const total = (params.tokenUsage as { total?: TokenBreakdown } | undefined)?.total;
        if (total) {
          this.totals = {
            input: total.inputTokens ?? 0,
            cached: total.cachedInputTokens ?? 0,
            cacheWrite: total.cacheWriteInputTokens ?? 0,
            output: total.outputTokens ?? 0,
          };
        }
        return;
      }
      case 'error': {
        const message = (params.error as { message?: string } | undefined)?.message ?? 'no message';
        if (params.willRetry === false) this.failure = message;
        else this.lastNotice = message;
        this.sink.log('codex notice', { message, willRetry: params.willRetry });
        return;
      }
      case 'warning':
        this.sink.log('codex warning', { message: params.message });
        return;
      case 'turn/completed': {
        const turn = params.turn as { status?: string; error?: { message?: string } | null } | undefined;
        const status = turn?.status;
        this.status = status === 'completed' || status === 'interrupted' ? status : 'failed';
        if (this.status === 'failed') {
          this.failure = turn?.error?.message ?? this.failure ?? 'the turn failed without a message';
        }
        return;
      }
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
    if (item.type === 'fileChange') return; // reported when applied
    const summary = this.summarise(item);
    if (summary) {
      this.flushTextAsProgress();
      this.sink.progress(this.turnId, 'tool', summary);
    }
  }

  private itemCompleted(item: CodexItem): void {
    if (item.id) this.running.delete(item.id);
    switch (item.type) {
      case 'agentMessage':
        if (item.text?.trim()) this.pendingText.push(item.text);
        return;
      case 'fileChange': {
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
      case 'commandExecution':
        return `bash: ${shorten(unwrapShell(item.command ?? ''))}`;
      case 'mcpToolCall':
        // The built-in tools read as in the other runtimes (send_message); plugins keep their server.
        return item.server === this.omniclawServer ? (item.tool ?? 'tool') : `${item.server}: ${item.tool}`;
      case 'dynamicToolCall':
        return item.tool ?? 'tool';
      case 'fileChange':
        return `edit: ${(item.changes ?? []).map((c) => c.path).join(', ')}`;
      case 'webSearch':
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
