/**
 * Whether the next run resumes the agent's engine session or starts a fresh one. Sessions
 * rotate after `sessionMaxAgeMs` (default 4 h), counted from when the session was created,
 * so context stays bounded; memory files (CLAUDE.md) carry what must survive rotation.
 * A session created "in the future" (the clock was set back) is resumed: its age is unknown
 * and dropping the conversation would be the worse mistake.
 */
export const DEFAULT_SESSION_MAX_AGE_MS = 4 * 3600_000;

export interface StoredSession {
  sessionId: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms. */
  lastUsedAt: number;
}

export type SessionDecision = { resume: string } | { fresh: true; reason: string };

export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

export function decideSession(
  record: StoredSession | undefined,
  maxAgeMs: number,
  now: number,
): SessionDecision {
  if (!record) return { fresh: true, reason: 'no earlier session' };
  if (!record.sessionId.trim()) return { fresh: true, reason: 'the stored session id is empty' };
  if (!Number.isFinite(record.createdAt))
    return { fresh: true, reason: 'the stored session has no valid start time' };
  const limit = Number.isFinite(maxAgeMs) && maxAgeMs > 0 ? maxAgeMs : DEFAULT_SESSION_MAX_AGE_MS;
  const age = now - record.createdAt;
  if (age >= limit) {
    return {
      fresh: true,
      reason: `the session is ${formatDuration(age)} old (sessions rotate after ${formatDuration(limit)})`,
    };
  }
  return { resume: record.sessionId };
}
