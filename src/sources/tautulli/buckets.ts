/**
 * Tautulli's play graphs (graphs.py get_total_plays_per_hourofday, _per_day, _per_dayofweek), placed
 * in a configured IANA zone. Tautulli takes each segment start's local time from SQLite's
 * 'localtime' (its process zone); here the zone is Marquee's `render.timeZone`, so starts are shifted
 * by the zone's exact UTC offset at that instant (half-hour and 45-minute zones, 30-minute DST
 * included) and slotted by local hour, local calendar date and local weekday.
 */
import { utcOffsetSeconds } from '../../time-zone.js';

/** A play's segment as the graph query returns it in raw mode: [started (epoch s), play key, series]. */
export type GraphSegment = readonly [started: number, play: number, series: string | null];

export interface PlayGraphs {
  /** 24 buckets, local hour of day. */
  byHour: number[];
  /** The 30 local calendar dates ending today, oldest first. */
  byDay: { date: string; plays: number }[];
  /** 7 buckets, local weekday, Sunday first (SQLite's strftime('%w'), Tautulli's default week). */
  byWeekday: number[];
}

/** Which library type draws each series (graphs.py checks libraries.has_library_type for each). */
const SERIES_LIBRARY: Readonly<Record<string, string>> = { episode: 'show', movie: 'movie', track: 'artist', live: 'live' };

export function playGraphs(
  segments: ReadonlyArray<GraphSegment>,
  options: { now: number; days: number; timeZone: string; libraryTypes: ReadonlySet<string> },
): PlayGraphs {
  const nowS = Math.floor(options.now / 1000);
  const zone = zoneOffsets(options.timeZone, nowS - (options.days + 2) * 86_400, nowS + 86_400);
  const today = Math.floor((nowS + zone.offsetAt(nowS)) / 86_400);
  const firstDay = today - options.days + 1;
  const byHour = new Array<number>(24).fill(0);
  const byWeekday = new Array<number>(7).fill(0);
  const byDay = new Array<number>(options.days).fill(0);
  // One count per (slot, play): graphs.py groups by (hourofday | date_played | daynumber, play key).
  const seenHour = new Set<number>();
  const seenDay = new Set<number>();
  const seenWeekday = new Set<number>();
  for (const [started, play, series] of segments) {
    if (series === null || !options.libraryTypes.has(SERIES_LIBRARY[series] ?? '')) continue;
    const local = started + zone.offsetAt(started);
    const day = Math.floor(local / 86_400);
    const hour = Math.floor((local - day * 86_400) / 3600);
    const weekday = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday (4)
    if (add(seenHour, play * 24 + hour)) byHour[hour]!++;
    if (add(seenWeekday, play * 7 + weekday)) byWeekday[weekday]!++;
    // Days before the first listed date are grouped by Tautulli too, but never drawn.
    if (day >= firstDay && day <= today && add(seenDay, play * 64 + (day - firstDay))) byDay[day - firstDay]!++;
  }
  return {
    byHour,
    // Calendar dates, as date.today() - timedelta(days=x): whole local days, never 86,400,000 ms steps.
    byDay: byDay.map((plays, i) => ({ date: new Date((firstDay + i) * 86_400_000).toISOString().slice(0, 10), plays })),
    byWeekday,
  };
}

function add(set: Set<number>, key: number): boolean {
  if (set.has(key)) return false;
  set.add(key);
  return true;
}

export interface ZoneOffsets {
  /** Seconds to add to an epoch second to get local wall-clock seconds. */
  offsetAt(epochS: number): number;
}

/**
 * The zone's UTC offsets over [fromS, toS]: sampled every hour (no zone has changed its offset twice
 * within an hour) and each change located to the second by bisection, so a lookup is exact and never
 * asks Intl again. About 800 Intl calls for a 33-day span.
 */
export function zoneOffsets(timeZone: string, fromS: number, toS: number): ZoneOffsets {
  const offset = (epochS: number): number => utcOffsetSeconds(timeZone, epochS);
  // changes[i] = [first second of a period, its offset]
  const changes: Array<[number, number]> = [[Number.NEGATIVE_INFINITY, offset(fromS)]];
  let previous = changes[0]![1];
  for (let t = fromS; t < toS; t += 3600) {
    const next = Math.min(t + 3600, toS);
    const after = offset(next);
    if (after === previous) continue;
    let lo = t;
    let hi = next;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offset(mid) === previous) lo = mid;
      else hi = mid;
    }
    changes.push([hi, after]);
    previous = after;
  }
  return {
    offsetAt(epochS) {
      for (let i = changes.length - 1; i > 0; i--) if (epochS >= changes[i]![0]) return changes[i]![1];
      return changes[0]![1];
    },
  };
}
