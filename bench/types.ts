/** One measured number. Benchmarks report numbers; they never pass or fail on timing. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** The design target, for the report (e.g. "≤ 10 ms p50"). */
  target?: string;
  note?: string;
}

export type Benchmark = () => Promise<BenchResult[]>;

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));
