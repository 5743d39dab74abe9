/**
 * The info-level story of the work, one line per step, so `omniclaw logs` shows a
 * conversation's path at a glance: message accepted (intake.ts) → run started (sandbox
 * kind, cold or warm) → reply sent (how long the chat waited, tokens so far) → run ended,
 * or what failed. Ids and numbers only: never message text, tool arguments or secrets.
 */
import type { Logger } from 'pino';
import type { OutboxEntry } from '../store/outbox-store.js';
import type { ObservedRun, RunObserver } from './run-types.js';

export interface WorkLogDeps {
  logger: Logger;
  /** Input + output tokens a run has used so far. */
  tokensOf: (runId: string) => number | undefined;
  now?: () => number;
}

export interface WorkLog {
  observer: RunObserver;
  /** The outbox delivered a row. */
  sent(entry: OutboxEntry, platformId: string): void;
}

export function createWorkLog(deps: WorkLogDeps): WorkLog {
  const now = deps.now ?? Date.now;
  /** When each live run's latest prompt was handed over: "the chat waited this long". */
  const promptedAt = new Map<string, number>();
  const ids = (run: ObservedRun) => ({ agent: run.agent.id, chat: run.chat, run: run.id });
  return {
    observer: {
      promptSent(run, messageIds, warm) {
        promptedAt.set(run.id, now());
        deps.logger.info(
          { ...ids(run), sandbox: run.sandbox, start: warm ? 'warm' : 'cold', messages: messageIds.length },
          'run started',
        );
      },
      runEnded(run, outcome, durationMs) {
        promptedAt.delete(run.id);
        if (outcome.ok) deps.logger.info({ ...ids(run), durationMs }, 'run ended');
        else
          deps.logger.warn(
            { ...ids(run), durationMs, reason: outcome.reason, err: outcome.error },
            'run failed',
          );
      },
    },
    sent(entry, platformId) {
      const at = entry.runId ? promptedAt.get(entry.runId) : undefined;
      deps.logger.info(
        {
          agent: entry.agent,
          chat: entry.chat,
          run: entry.runId,
          channel: entry.channel,
          outbox: entry.id,
          platformId,
          durationMs: at === undefined ? undefined : now() - at,
          tokens: entry.runId ? deps.tokensOf(entry.runId) : undefined,
          files: entry.files?.length || undefined,
        },
        'reply sent',
      );
    },
  };
}

/** Both observers see every event. */
export function bothObservers(a: RunObserver, b: RunObserver): RunObserver {
  const keys = ['runStarted', 'runEnded', 'promptSent', 'replied', 'usage'] as const;
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const fa = a[key] as ((...args: unknown[]) => void) | undefined;
    const fb = b[key] as ((...args: unknown[]) => void) | undefined;
    if (fa || fb)
      out[key] = (...args: unknown[]) => {
        fa?.(...args);
        fb?.(...args);
      };
  }
  return out as RunObserver;
}
