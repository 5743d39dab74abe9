/**
 * Keeps the openai runtime's conversation inside a size budget, so a long-lived session does
 * not grow until every request fails for exceeding the model's context. Whole turns go first
 * (oldest first: a user message up to the next one, so tool calls stay paired with their
 * results); if the current turn alone is too big, its older tool outputs are blanked.
 * Size is counted in JSON characters (roughly four per token), a cheap and stable measure.
 */
import type { ChatMessage } from './openai-messages.js';

export const DROPPED_OUTPUT = '[older tool output dropped to fit the context]';
/** The most recent tool outputs of a turn are never blanked. */
const KEEP_RECENT_TOOL_OUTPUTS = 4;

const sizeOf = (message: ChatMessage): number => JSON.stringify(message).length;

/** Trims `messages` in place; returns how many messages were dropped or blanked. */
export function fitHistory(messages: ChatMessage[], maxChars: number): number {
  let total = messages.reduce((sum, m) => sum + sizeOf(m), 0);
  if (total <= maxChars) return 0;
  let changed = 0;
  const turnStarts = messages.flatMap((m, i) => (m.role === 'user' ? [i] : []));
  // Drop whole turns, never the last one.
  let cut = 0;
  for (let t = 1; t < turnStarts.length && total > maxChars; t += 1) {
    const next = turnStarts[t]!;
    for (let i = cut; i < next; i += 1) total -= sizeOf(messages[i]!);
    changed += next - cut;
    cut = next;
  }
  messages.splice(0, cut);
  if (total <= maxChars) return changed;
  // Still too big: blank the older tool outputs of the remaining turn.
  const toolIndexes = messages.flatMap((m, i) => (m.role === 'tool' ? [i] : []));
  for (const i of toolIndexes.slice(0, Math.max(0, toolIndexes.length - KEEP_RECENT_TOOL_OUTPUTS))) {
    if (total <= maxChars) break;
    const message = messages[i] as Extract<ChatMessage, { role: 'tool' }>;
    if (message.content === DROPPED_OUTPUT) continue;
    total -= sizeOf(message);
    messages[i] = { ...message, content: DROPPED_OUTPUT };
    total += sizeOf(messages[i]!);
    changed += 1;
  }
  return changed;
}
