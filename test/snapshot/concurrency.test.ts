import { describe, expect, it } from 'vitest';
import { mostConcurrent, sweepKeys, sweepSorted, type SegmentTimes } from '../../src/snapshot/concurrency.js';

/**
 * Oracle: Tautulli's calc_most_concurrent as datafactory.py writes it: every segment becomes a
 * "<time>B" start and a "<time>A" stop string, the strings are sorted, and the loop keeps the last
 * start whose count reached the best (>=). Times here are 10-digit epoch seconds, as Tautulli's are,
 * so the string sort is the time order.
 */
function tautulliSweep(segments: ReadonlyArray<SegmentTimes>): { count: number; at: number | null } {
  const keys = segments.flatMap(([started, stopped]) => [`${started}B`, `${stopped}A`]).sort();
  let count = 0;
  let lastCount = 0;
  let lastStart = '';
  const best = { count: 0, at: null as number | null };
  for (const key of keys) {
    if (key.endsWith('B')) {
      count += 1;
      if (count >= lastCount) lastStart = key;
    } else {
      if (count >= lastCount) {
        lastCount = count;
        best.count = count;
        best.at = Number(lastStart.slice(0, -1));
      }
      count -= 1;
    }
  }
  return best;
}

/** A small deterministic generator (mulberry32), so a failure names its seed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Segments on a coarse grid of times, so equal starts, equal stops and back-to-back segments are common. */
function segmentsOf(seed: number, n: number): SegmentTimes[] {
  const next = random(seed);
  return Array.from({ length: n }, () => {
    const started = 1_789_000_000 + Math.floor(next() * 200) * 60;
    return [started, started + Math.floor(next() * 30) * 60] as const;
  });
}

describe('the most-concurrent sweep over several servers’ sorted keys', () => {
  it.each([1, 2, 3, 8])('equals Tautulli’s sweep over the union, split over %i lists', (parts) => {
    for (let seed = 1; seed <= 20; seed++) {
      const all = segmentsOf(seed, 400);
      const lists = Array.from({ length: parts }, (_, p) => all.filter((_, i) => i % parts === p));
      const keys = lists.map((l) => sweepKeys(l)!);
      expect(sweepSorted(keys), `seed ${seed}`).toEqual(tautulliSweep(all));
      expect(mostConcurrent(all), `seed ${seed}`).toEqual(tautulliSweep(all));
    }
  });

  it('counts back-to-back segments apart and keeps the last run that reaches the peak', () => {
    const t = 1_789_000_000;
    const a: SegmentTimes[] = [
      [t, t + 60],
      [t + 300, t + 400],
    ];
    const b: SegmentTimes[] = [
      [t + 60, t + 120],
      [t + 350, t + 500],
    ];
    expect(sweepSorted([sweepKeys(a)!, sweepKeys(b)!])).toEqual({ count: 2, at: t + 350 });
    expect(sweepSorted([sweepKeys([])!, sweepKeys([])!])).toEqual({ count: 0, at: null });
  });

  it('leaves times it cannot pack to the general sweep', () => {
    expect(sweepKeys([[1.5, 3]])).toBeNull();
    expect(mostConcurrent([[1.5, 3]])).toEqual({ count: 1, at: 1.5 });
  });
});
