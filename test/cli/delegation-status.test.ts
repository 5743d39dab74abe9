import { describe, expect, it } from 'vitest';
import { delegationStatusLines } from '../../src/cli/delegation-status.js';

describe('delegationStatusLines', () => {
  it('shows counts and who asked whom, with tokens and cost when known', () => {
    expect(
      delegationStatusLines({
        counts: { done: 1, awaiting_approval: 1 },
        recent: [
          { id: 'd-00aa11', from: 'other', to: 'main', status: 'awaiting_approval', depth: 1 },
          {
            id: 'd-3fa9c1',
            from: 'research',
            to: 'main',
            status: 'done',
            depth: 1,
            tokens: 1200,
            costUsd: 0.031,
          },
        ],
      }),
    ).toEqual([
      'Delegations: 1 done, 1 awaiting approval',
      '  d-00aa11 other → main awaiting_approval (depth 1)',
      '  d-3fa9c1 research → main done (depth 1, 1200 tokens, $0.03)',
    ]);
  });

  it('says nothing when there were none (or the daemon does not report them)', () => {
    expect(delegationStatusLines(undefined)).toEqual([]);
    expect(delegationStatusLines({ counts: {}, recent: [] })).toEqual([]);
  });
});
