/**
 * What the runner remembers per Codex thread, in CODEX_HOME so it survives restarts:
 *   - the thread's token totals, since Codex reports running totals and a turn's usage is
 *     the difference from the previous ones (omniclaw-usage.json);
 *   - a hash of the memory files the thread has seen, since Codex keeps a thread's developer
 *     instructions from its first turn (a resume does not replace them, observed on 0.169):
 *     memory edited later goes in as a note on the next turn (omniclaw-memory.json).
 * A missing or broken record file counts as empty: at worst one usage figure is too high,
 * or the memory is sent once more.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Usage } from '../../../src/protocol/runner-protocol.js';
import type { CodexTotals } from './codex-events.js';

async function readRecords<T>(file: string): Promise<Record<string, T>> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, T>) : {};
  } catch {
    return {};
  }
}

async function updateRecord<T>(file: string, threadId: string, value: T): Promise<T | undefined> {
  const all = await readRecords<T>(file);
  const before = all[threadId];
  all[threadId] = value;
  await writeFile(file, JSON.stringify(all)).catch(() => undefined);
  return before;
}

/** The usage of the turn that brought the thread to `totals`. */
export async function usageOfTurn(
  codexHome: string,
  threadId: string | undefined,
  totals: CodexTotals | undefined,
): Promise<Usage | undefined> {
  if (!totals || !threadId) return undefined;
  const before = (await updateRecord(join(codexHome, 'omniclaw-usage.json'), threadId, totals)) ?? {
    input: 0,
    cached: 0,
    cacheWrite: 0,
    output: 0,
  };
  // A total below the previous one means Codex started counting afresh (e.g. after compaction).
  const delta = (now: number, then: number): number => (now >= then ? now - then : now);
  const cached = delta(totals.cached, before.cached);
  return {
    // Codex's input_tokens include the cached ones; ours do not (as Anthropic's).
    inputTokens: Math.max(0, delta(totals.input, before.input) - cached),
    outputTokens: delta(totals.output, before.output),
    cacheReadTokens: cached,
    cacheWriteTokens: delta(totals.cacheWrite, before.cacheWrite),
  };
}

const hashOf = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Records that the thread has seen this memory (in its instructions or a note). */
export async function rememberMemorySeen(codexHome: string, threadId: string, memory: string): Promise<void> {
  await updateRecord(join(codexHome, 'omniclaw-memory.json'), threadId, hashOf(memory));
}

/** True when the memory differs from what the thread has seen (or nothing is recorded). */
export async function memoryChanged(codexHome: string, threadId: string, memory: string): Promise<boolean> {
  const seen = (await readRecords<string>(join(codexHome, 'omniclaw-memory.json')))[threadId];
  return seen !== hashOf(memory);
}
