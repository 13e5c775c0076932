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
  return segments.every((s) => packable(s[0]) && packable(s[1])) ? sweepPacked(segments) : sweepEvents(segments);
}

const packable = (time: unknown): boolean => Number.isSafeInteger(time) && Math.abs(time as number) < 2 ** 51;

/**
 * The same sweep over integer times packed as `time * 2 + isStart` in a typed array: its numeric sort
 * puts stops before starts at equal times and is several times faster than sorting tuples, which
 * matters at tens of thousands of segments.
 */
function sweepPacked(segments: ReadonlyArray<SegmentTimes>): { count: number; at: number | null } {
  const keys = new Float64Array(segments.length * 2);
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    keys[2 * i] = segment[0] * 2 + 1;
    keys[2 * i + 1] = segment[1] * 2;
  }
  keys.sort();
  const sweep = new TautulliSweep();
  for (const key of keys) {
    if (key % 2 !== 0) sweep.start((key - 1) / 2);
    else sweep.stop();
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
