/** A segment as the concurrency query returns it in raw mode: [started, stopped], epoch seconds. */
export type SegmentTimes = readonly [started: number, stopped: number];

/**
 * Tautulli's "most concurrent streams" (datafactory.get_home_stats, calc_most_concurrent): a sweep over
 * segment start/stop times in which, at equal times, stops are processed before starts (it sorts
 * "<time>A" stop keys before "<time>B" start keys), so back-to-back segments do not count as
 * overlapping. Its moment is the start of the LAST run that reaches the peak: Tautulli remembers a
 * start whenever the count is >= the best seen so far and records it at the next stop with >=.
 */
export function mostConcurrent(segments: ReadonlyArray<SegmentTimes>): { count: number; at: number | null } {
  const keys = sweepKeys(segments);
  return keys ? sweepSorted([keys]) : sweepEvents(segments);
}

const packable = (time: unknown): boolean => Number.isSafeInteger(time) && Math.abs(time as number) < 2 ** 51;

/**
 * The segments' times packed as `time * 2 + isStart` in a typed array, sorted: its numeric sort puts
 * stops before starts at equal times and is several times faster than sorting tuples, which matters
 * at tens of thousands of segments. Null when a time cannot be packed (then only mostConcurrent over
 * the segments themselves is exact). The network keeps each server's keys while its segments are
 * the same, so a cycle merges sorted keys instead of sorting them all again.
 */
export function sweepKeys(segments: ReadonlyArray<SegmentTimes>): Float64Array | null {
  const keys = new Float64Array(segments.length * 2);
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (!packable(segment[0]) || !packable(segment[1])) return null;
    keys[2 * i] = segment[0] * 2 + 1;
    keys[2 * i + 1] = segment[1] * 2;
  }
  return keys.sort();
}

/**
 * Tautulli's sweep over the union of several sorted key lists (sweepKeys), merged in order: the
 * same result as mostConcurrent over all their segments at once, since equal keys are equal
 * events and the merged order is the sorted order of the union.
 */
export function sweepSorted(lists: readonly Float64Array[]): { count: number; at: number | null } {
  const sweep = new TautulliSweep();
  const feed = (key: number) => (key % 2 !== 0 ? sweep.start((key - 1) / 2) : sweep.stop());
  if (lists.length === 1) {
    for (const key of lists[0]!) feed(key);
    return sweep.result();
  }
  const at = new Int32Array(lists.length);
  for (;;) {
    let from = -1;
    let key = Infinity;
    for (let l = 0; l < lists.length; l++) {
      const list = lists[l]!;
      const i = at[l]!;
      if (i < list.length && list[i]! < key) {
        key = list[i]!;
        from = l;
      }
    }
    if (from === -1) break;
    at[from]!++;
    feed(key);
  }
  return sweep.result();
}

/** The general sweep, kept for times that are not integers (never written by Tautulli, but foreign data). */
function sweepEvents(segments: ReadonlyArray<SegmentTimes>): { count: number; at: number | null } {
  const events: Array<[time: number, delta: 1 | -1]> = [];
  for (const [started, stopped] of segments) {
    events.push([started, 1], [stopped, -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const sweep = new TautulliSweep();
  for (const [time, delta] of events) {
    if (delta === 1) sweep.start(time);
    else sweep.stop();
  }
  return sweep.result();
}

/** calc_most_concurrent's loop, event by event, with its `>=` comparisons. */
class TautulliSweep {
  private count = 0;
  private lastCount = 0;
  private lastStart: number | null = null;
  private best: { count: number; at: number | null } = { count: 0, at: null };

  start(time: number): void {
    this.count++;
    if (this.count >= this.lastCount) this.lastStart = time;
  }

  stop(): void {
    if (this.count >= this.lastCount) {
      this.lastCount = this.count;
      this.best = { count: this.count, at: this.lastStart };
    }
    this.count--;
  }

  result(): { count: number; at: number | null } {
    return this.best;
  }
}
