/** The delegations and share requests parts of `omniclaw status` (issue 11): who asked whom, how it went, what it cost. */

export interface DelegationStatus {
  counts: Record<string, number>;
  recent: {
    id: string;
    from: string;
    to: string;
    status: string;
    depth: number;
    tokens?: number;
    costUsd?: number;
  }[];
}

/** Nothing when the daemon reports no delegations (or is older than delegation). */
export function delegationStatusLines(delegations: DelegationStatus | undefined): string[] {
  if (!delegations?.recent.length) return [];
  return [
    `Delegations: ${countsText(delegations.counts)}`,
    ...delegations.recent.map((d) => {
      const cost = d.costUsd ? `, $${d.costUsd.toFixed(2)}` : '';
      const tokens = d.tokens !== undefined ? `, ${d.tokens} tokens${cost}` : '';
      return `  ${d.id} ${d.from} → ${d.to} ${d.status} (depth ${d.depth}${tokens})`;
    }),
  ];
}

/** The share requests part of `omniclaw status`: the open ones (awaiting approval, with their expiry) and the newest ended. */
export interface ShareStatus {
  counts: Record<string, number>;
  recent: {
    id: string;
    from: string;
    other: string;
    status: string;
    files: { direction: 'push' | 'pull'; count: number }[];
    expiresAt?: number;
  }[];
}

/** Nothing when the daemon reports no share requests (or is older than sharing). */
export function shareStatusLines(shares: ShareStatus | undefined): string[] {
  if (!shares?.recent.length) return [];
  return [
    `Share requests: ${countsText(shares.counts)}`,
    ...shares.recent.map((s) => {
      const files = s.files
        .map((f) => `${f.direction} ${f.count} file${f.count === 1 ? '' : 's'}`)
        .join(', ');
      const expires = s.expiresAt !== undefined ? `, expires ${new Date(s.expiresAt).toISOString()}` : '';
      return `  ${s.id} ${s.from} with ${s.other} ${s.status.replace('_', ' ')} (${files}${expires})`;
    }),
  ];
}

const countsText = (counts: Record<string, number>): string =>
  Object.entries(counts)
    .map(([status, n]) => `${n} ${status.replace('_', ' ')}`)
    .join(', ');
