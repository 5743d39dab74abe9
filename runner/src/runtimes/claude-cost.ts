/**
 * The engine reports cost as a running total for the whole session, and a resumed session
 * starts from what earlier runs spent. To bill each turn only its own cost, the last total
 * is kept in the agent's state dir, next to the engine's sessions.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const FILE = 'claude-session-cost.json';

interface Saved {
  sessionId: string;
  totalCostUsd: number;
}

/** The total the session had reached at the end of the last run, if known. */
export async function readCostBaseline(stateDir: string, sessionId: string): Promise<number | undefined> {
  try {
    const saved = JSON.parse(await readFile(join(stateDir, FILE), 'utf8')) as Partial<Saved>;
    return saved.sessionId === sessionId && typeof saved.totalCostUsd === 'number'
      ? saved.totalCostUsd
      : undefined;
  } catch {
    return undefined; // no file yet, or unreadable: the first turn's cost is then unknown
  }
}

export async function writeCostBaseline(
  stateDir: string,
  sessionId: string,
  totalCostUsd: number,
): Promise<void> {
  const saved: Saved = { sessionId, totalCostUsd };
  await writeFile(join(stateDir, FILE), JSON.stringify(saved));
}
