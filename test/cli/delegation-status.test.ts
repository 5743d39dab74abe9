import { describe, expect, it } from 'vitest';
import { delegationStatusLines, shareStatusLines } from '../../src/cli/delegation-status.js';

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

describe('shareStatusLines', () => {
  it('lists share requests: who with whom, what moves, and when an open one expires', () => {
    expect(
      shareStatusLines({
        counts: { awaiting_approval: 1, copied: 1 },
        recent: [
          {
            id: 's-0a0b0c',
            from: 'research',
            other: 'main',
            status: 'awaiting_approval',
            files: [{ direction: 'push', count: 2 }],
            expiresAt: Date.parse('2026-12-03T13:00:00Z'),
          },
          {
            id: 's-1d2e3f',
            from: 'research',
            other: 'other',
            status: 'copied',
            files: [
              { direction: 'push', count: 1 },
              { direction: 'pull', count: 3 },
            ],
          },
        ],
      }),
    ).toEqual([
      'Share requests: 1 awaiting approval, 1 copied',
      '  s-0a0b0c research with main awaiting approval (push 2 files, expires 2026-12-03T13:00:00.000Z)',
      '  s-1d2e3f research with other copied (push 1 file, pull 3 files)',
    ]);
  });

  it('says nothing when there were none (or the daemon does not report them)', () => {
    expect(shareStatusLines(undefined)).toEqual([]);
    expect(shareStatusLines({ counts: {}, recent: [] })).toEqual([]);
  });
});
