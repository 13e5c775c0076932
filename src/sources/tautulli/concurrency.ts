/**
 * Tautulli's "most concurrent streams": a sweep over segment start/stop times in which, at equal
 * times, stops are processed before starts (it sorts "<time>A" stop keys before "<time>B" start keys),
 * so back-to-back segments do not count as overlapping.
 */
export function mostConcurrent(segments: ReadonlyArray<{ started: number; stopped: number }>): { count: number; at: number | null } {
  const events: Array<[time: number, delta: 1 | -1]> = [];
  for (const s of segments) {
    events.push([s.started, 1], [s.stopped, -1]);
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
