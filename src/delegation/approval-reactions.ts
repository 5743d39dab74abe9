/**
 * 👍 / 👎 on an approval request (issue 11): a reaction in the main chat on the message the
 * host sent to ask for approval reads as `approve <id>` / `deny <id>`. Which request it is
 * comes from the host's own record of that message (its outbox row, found by the platform
 * id the reaction names): only a row the host wrote itself (no agent), whose text ends with
 * the host's own `Reply "approve <id>" or "deny <id>" (expires in … min).` line. The end,
 * not anywhere: the request quotes the requesting agent's description above that line, and
 * an agent could put another request's id there to have a reaction approve that one.
 */
import type { OutboxEntry } from '../store/outbox-store.js';

const APPROVE = new Set(['👍', '👌', '✅']);
const DENY = new Set(['👎', '❌']);
/** Skin tones (Discord and Slack allow 👍🏽) and the emoji presentation selector are not part of the verb. */
const MODIFIERS = /\p{Emoji_Modifier}|\uFE0F/gu;
const REQUEST_END = /Reply "approve ([ds]-[0-9a-f]{6})" or "deny \1" \(expires in \d+ min\)\.$/;

/** The request line the host puts last in every approval request. */
export const approvalRequestLine = (id: string, minutes: number): string =>
  `Reply "approve ${id}" or "deny ${id}" (expires in ${minutes} min).`;

/**
 * Longest approval request, so that it is always one platform message: the outbox keeps the
 * id of a reply's first message only, and a reaction on that one must be on the text that
 * ends with the request line (a request split in two would show the operator a part that
 * ends with whatever id the agent wrote above it). 900 leaves room under Discord's 2,000
 * even if rendering escaped every character.
 */
export const MAX_APPROVAL_REQUEST_CHARS = 900;

/** What the operator reads: `body` (who asks for what; cut to fit) and the request line last. */
export function approvalRequest(body: string, id: string, minutes: number): string {
  const line = approvalRequestLine(id, minutes);
  const room = MAX_APPROVAL_REQUEST_CHARS - line.length - 1;
  if (body.length <= room) return `${body}\n${line}`;
  const keep = room - 40; // room for the note below
  return `${body.slice(0, keep)} … (${body.length - keep} more characters not shown)\n${line}`;
}

/** What a reaction on `sent` decides, when it is an approval emoji on an approval request. */
export function reactionDecision(
  emoji: string,
  sent: Pick<OutboxEntry, 'agent' | 'text'> | undefined,
): { verb: 'approve' | 'deny'; id: string } | undefined {
  const bare = emoji.replace(MODIFIERS, '');
  const verb = APPROVE.has(bare) ? 'approve' : DENY.has(bare) ? 'deny' : undefined;
  if (!verb || !sent || sent.agent !== undefined) return undefined;
  const id = REQUEST_END.exec(sent.text)?.[1];
  return id ? { verb, id } : undefined;
}
