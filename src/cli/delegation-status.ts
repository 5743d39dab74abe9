/** The delegations part of `omniclaw status` (issue 11): who asked whom, how it went, what it cost. */

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
  const counts = Object.entries(delegations.counts)
    .map(([status, n]) => `${n} ${status.replace('_', ' ')}`)
    .join(', ');
  return [
    `Delegations: ${counts}`,
    ...delegations.recent.map((d) => {
      const cost = d.costUsd ? `, $${d.costUsd.toFixed(2)}` : '';
      const tokens = d.tokens !== undefined ? `, ${d.tokens} tokens${cost}` : '';
      return `  ${d.id} ${d.from} → ${d.to} ${d.status} (depth ${d.depth}${tokens})`;
    }),
  ];
}
