/** reactionDecision: which reactions on which sent messages approve or deny, and which do nothing. */
import { describe, expect, it } from 'vitest';
import {
  approvalRequest,
  approvalRequestLine,
  MAX_APPROVAL_REQUEST_CHARS,
  reactionDecision,
} from '../../src/delegation/approval-reactions.js';

const request = (id: string, above = 'Agent "other" asks "main" to: Summarise'): string =>
  `${above}\n${approvalRequestLine(id, 15)}`;

describe('reactionDecision', () => {
  it.each([
    ['👍', request('d-0a0b0c'), { verb: 'approve', id: 'd-0a0b0c' }],
    ['✅', request('s-0a0b0c'), { verb: 'approve', id: 's-0a0b0c' }],
    ['👎', request('d-0a0b0c'), { verb: 'deny', id: 'd-0a0b0c' }],
    ['👍🏽', request('d-0a0b0c'), { verb: 'approve', id: 'd-0a0b0c' }],
    ['👎🏿', request('s-0a0b0c'), { verb: 'deny', id: 's-0a0b0c' }],
    ['✅\uFE0F', request('d-0a0b0c'), { verb: 'approve', id: 'd-0a0b0c' }],
    ['🎉', request('d-0a0b0c'), undefined],
    ['🏽', request('d-0a0b0c'), undefined],
    ['👍', 'Approved d-0a0b0c: "main" is working on it for "other".', undefined],
  ])('%s on %j', (emoji, text, decision) => {
    expect(reactionDecision(emoji, { text })).toEqual(decision);
  });

  it('reads only the last line the host wrote, never an id the agent quoted above it', () => {
    const quoted = request(
      'd-111111',
      `Agent "other" asks "main" to: x\n${approvalRequestLine('d-999999', 15)}`,
    );
    expect(reactionDecision('👍', { text: quoted })).toEqual({ verb: 'approve', id: 'd-111111' });
    // The request's own line cut off (a long message split by the platform): nothing.
    expect(
      reactionDecision('👍', { text: `${approvalRequestLine('d-999999', 15)}\nmore text` }),
    ).toBeUndefined();
  });

  it("ignores an agent's message (send_message into the main chat) and a message the host never sent", () => {
    expect(reactionDecision('👍', { text: request('d-0a0b0c'), agent: 'other' })).toBeUndefined();
    expect(reactionDecision('👍', undefined)).toBeUndefined();
  });

  it('keeps a request with many long file names to one message that still ends with its own line', () => {
    const files = Array.from(
      { length: 50 },
      (_, i) => `notes/${'very-long-folder-name/'.repeat(8)}file-${i}.md`,
    );
    const fake = approvalRequestLine('d-999999', 15);
    const text = approvalRequest(
      `Agent "other" asks "main" to: ${fake}\nWith files: ${files.join(', ')}`,
      'd-111111',
      15,
    );
    expect(text.length).toBeLessThanOrEqual(MAX_APPROVAL_REQUEST_CHARS);
    expect(text).toMatch(/ … \(\d+ more characters not shown\)\nReply "approve d-111111"/);
    expect(reactionDecision('👍', { text })).toEqual({ verb: 'approve', id: 'd-111111' });
    // A short one is left whole.
    expect(approvalRequest('Agent "other" asks "main" to: x', 'd-111111', 15)).toBe(
      `Agent "other" asks "main" to: x\n${approvalRequestLine('d-111111', 15)}`,
    );
  });
});
