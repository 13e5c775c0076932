/**
 * The one table the harness prints, and the targets of issue 8 as data: each row either meets its
 * target, misses it, or is informational. `--check` fails on any miss.
 */

export type Status = 'pass' | 'MISS' | 'skip' | 'info';

export interface Row {
  phase: string;
  case: string;
  result: string;
  target: string;
  status: Status;
  /** Raw figures for --json. */
  data?: Record<string, unknown>;
}

/** Issue 8's targets. Ratios and medians, because the machine is noisy. */
export const TARGETS = {
  cachedRatio: 0.7,
  cachedP99Ms: 10,
  /** Issue 15: the realistic mix (running clock, snapshots, 31 variants, revalidations) at 50 connections. */
  realisticP99Ms: 25,
  signatureMaxBytes: 50 * 1024,
  ogMedianMs: 60,
  collectLargeMedianMs: 1000,
  collectLargePeakRss: 300 * 1024 * 1024,
  collectDemoMedianMs: 100,
  /** Issue 20: three large servers collected at once, against one large server's cycle in the same run. */
  networkCycleRatio: 2,
  networkPeakRss: 400 * 1024 * 1024,
  sheetsReadsPerTtl: 1,
  memoryPeakRss: 200 * 1024 * 1024,
  memoryReturnRatio: 1.1,
} as const;

/** pass when `value <= limit`; a missing value (NaN) can never pass. */
export const atMost = (value: number, limit: number): Status => (value <= limit ? 'pass' : 'MISS');
export const atLeast = (value: number, limit: number): Status => (value >= limit ? 'pass' : 'MISS');

/** The worst of several statuses for one row: MISS > skip > pass > info. */
export function worst(...statuses: Status[]): Status {
  for (const s of ['MISS', 'skip', 'pass'] as const) if (statuses.includes(s)) return s;
  return 'info';
}

/**
 * Reads per TTL window: N reads over D seconds with TTL T are within "one per TTL" when
 * N <= floor(D / T) + 1 (a read at the start, then at most one each time the TTL runs out).
 */
export function sheetsReadsAllowed(durationS: number, ttlS: number): number {
  return Math.floor(durationS / ttlS) + 1;
}

export function formatTable(rows: readonly Row[]): string {
  const head: Row = { phase: 'phase', case: 'case', result: 'result', target: 'target', status: 'info' };
  const cells = (r: Row) => [r.phase, r.case, r.result, r.target, r === head ? 'status' : r.status === 'info' ? '' : r.status];
  const all = [head, ...rows].map(cells);
  const widths = all[0]!.map((_, i) => Math.max(...all.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(all[0]!), rule, ...all.slice(1).map(line)].join('\n');
}

export function misses(rows: readonly Row[]): Row[] {
  return rows.filter((r) => r.status === 'MISS');
}
