/** One row per agent run: status, duration, usage and cost (for status, metrics and budgets). */
import type { Database, Statement } from 'better-sqlite3';
import type { Usage } from '../protocol/runner-protocol.js';

export interface RunRecord {
  id: string;
  agent: string;
  chat?: string;
  kind: string;
  status: 'running' | 'ok' | 'failed';
  startedAt: number;
  endedAt?: number;
  error?: string;
}

export interface UsageTotals {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
  /** Runs that answered or are still running; a failed attempt (retried or not) is not a run. */
  runs: number;
  /** Attempts that failed (each retry of a failing turn is one). */
  failedAttempts: number;
}

export class RunStore {
  /**
   * Prepared once, reused: the gateway asks for the day's usage and adds usage on every
   * model call, and preparing the SQL again each time was most of its added latency.
   */
  private readonly statements = new Map<string, Statement>();

  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  private sql(text: string): Statement {
    let statement = this.statements.get(text);
    if (!statement) this.statements.set(text, (statement = this.db.prepare(text)));
    return statement;
  }

  start(run: { id: string; agent: string; chat?: string; kind?: string }): void {
    this.sql(
      "INSERT INTO runs (id, agent, chat, kind, status, started_at) VALUES (?, ?, ?, ?, 'running', ?)",
    ).run(run.id, run.agent, run.chat ?? null, run.kind ?? 'message', this.now());
  }

  addUsage(id: string, usage: Usage): void {
    this.sql(
      `UPDATE runs SET input_tokens = input_tokens + ?, output_tokens = output_tokens + ?,
        cache_read_tokens = cache_read_tokens + ?, cache_write_tokens = cache_write_tokens + ?,
        cost_usd = cost_usd + ? WHERE id = ?`,
    ).run(
      usage.inputTokens,
      usage.outputTokens,
      usage.cacheReadTokens,
      usage.cacheWriteTokens,
      usage.costUsd ?? 0,
      id,
    );
  }

  /** Input plus output tokens the run has used so far (undefined for an unknown run). */
  tokensOf(id: string): number | undefined {
    const row = this.sql('SELECT input_tokens + output_tokens AS tokens FROM runs WHERE id = ?').get(id) as
      { tokens: number } | undefined;
    return row?.tokens;
  }

  finish(id: string, status: 'ok' | 'failed', error?: string): void {
    this.sql('UPDATE runs SET status = ?, ended_at = ?, error = ? WHERE id = ?').run(
      status,
      this.now(),
      error ?? null,
      id,
    );
  }

  /** Runs left 'running' by a crash are closed as failed at start-up. */
  closeAbandoned(): number {
    return this.sql(
      "UPDATE runs SET status = 'failed', ended_at = ?, error = 'host stopped during the run' WHERE status = 'running'",
    ).run(this.now()).changes;
  }

  usageSince(agent: string | undefined, since: number): UsageTotals {
    const row = this.sql(
      `SELECT COALESCE(SUM(input_tokens),0) AS i, COALESCE(SUM(output_tokens),0) AS o,
        COALESCE(SUM(cache_read_tokens),0) AS cr, COALESCE(SUM(cache_write_tokens),0) AS cw,
        COALESCE(SUM(cost_usd),0) AS c, COALESCE(SUM(status != 'failed'),0) AS n,
        COALESCE(SUM(status = 'failed'),0) AS f FROM runs WHERE started_at >= ? AND (? IS NULL OR agent = ?)`,
    ).get(since, agent ?? null, agent ?? null) as {
      i: number;
      o: number;
      cr: number;
      cw: number;
      c: number;
      n: number;
      f: number;
    };
    return {
      inputTokens: row.i,
      outputTokens: row.o,
      cacheReadTokens: row.cr,
      cacheWriteTokens: row.cw,
      costUsd: row.c,
      runs: row.n,
      failedAttempts: row.f,
    };
  }

  recent(limit = 20): RunRecord[] {
    return (
      this.sql('SELECT * FROM runs ORDER BY started_at DESC LIMIT ?').all(limit) as {
        id: string;
        agent: string;
        chat: string | null;
        kind: string;
        status: RunRecord['status'];
        started_at: number;
        ended_at: number | null;
        error: string | null;
      }[]
    ).map((r) => ({
      id: r.id,
      agent: r.agent,
      chat: r.chat ?? undefined,
      kind: r.kind,
      status: r.status,
      startedAt: r.started_at,
      endedAt: r.ended_at ?? undefined,
      error: r.error ?? undefined,
    }));
  }
}
