/** A segment as the concurrency query returns it in raw mode: [started, stopped], epoch seconds. */
export type SegmentTimes = readonly [started: number, stopped: number];

/**
 * Tautulli's "most concurrent streams": a sweep over segment start/stop times in which, at equal
 * times, stops are processed before starts (it sorts "<time>A" stop keys before "<time>B" start keys),
 * so back-to-back segments do not count as overlapping.
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
  let count = 0;
  let best = 0;
  let at: number | null = null;
  for (const key of keys) {
    const isStart = key % 2 !== 0;
    count += isStart ? 1 : -1;
    if (count > best) {
      best = count;
      at = (key - 1) / 2;
    }
  }
  return { count: best, at };
}

/** The general sweep, kept for times that are not integers (never written by Tautulli, but foreign data). */
function sweepEvents(segments: ReadonlyArray<SegmentTimes>): { count: number; at: number | null } {
  const events: Array<[time: number, delta: 1 | -1]> = [];
  for (const [started, stopped] of segments) {
    events.push([started, 1], [stopped, -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let count = 0;
  let best = 0;
  let at: number | null = null;
  for (const [time, delta] of events) {
    count += delta;
    if (count > best) {
      best = count;
      at = time;
    }
  }
  return { count: best, at };
}
