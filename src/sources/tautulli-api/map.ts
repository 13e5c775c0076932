import type { Activity, History, Watching } from '../../snapshot/schema.js';
import type { Graph, Session } from './answers.js';
import { activityOf } from '../../snapshot/activity.js';
import { isKnownSession, streamOf } from '../tautulli/streams.js';
import { validYear } from '../tautulli/values.js';

/**
 * Tautulli's API answers turned into the Tautulli section, by the rules the database source
 * (src/sources/tautulli/tautulli-source.ts) applies to the same rows, so both modes give the same
 * snapshot. Pure: no I/O, no clock.
 */

export function toActivity(sessions: readonly Session[], hidden: ReadonlySet<number>): { activity: Activity; malformed: number } {
  const known = sessions.filter(isKnownSession);
  return { activity: activityOf(known.map((s) => streamOf(s, hidden))), malformed: sessions.length - known.length };
}

export interface TitleRow {
  title: string | null;
  year: number;
  thumb: string | null;
  plays: number;
  watchTimeS: number;
}

export function titled(r: TitleRow): { watching: Watching; plays: number; watchTimeS: number } {
  return {
    watching: { title: r.title ?? '', grandparentTitle: null, year: validYear(r.year), thumb: r.thumb || null },
    plays: r.plays,
    watchTimeS: r.watchTimeS,
  };
}

const HOURS = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));
/** Sunday first, as the snapshot keeps them; Tautulli starts at Monday when WEEK_START_MONDAY is set. */
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/**
 * Plays per category: the sum of the drawn series. graphs.py appends a 'Total' series to the per-day
 * graph only, so it is skipped rather than counted twice.
 */
function perCategory(graph: Graph, what: string): Map<string, number> {
  const series = graph.series.filter((s) => s.name !== 'Total');
  for (const s of series) {
    if (s.data.length !== graph.categories.length)
      throw new Error(`${what}: series ${s.name} has ${s.data.length} values for ${graph.categories.length} categories`);
  }
  return new Map(graph.categories.map((c, i) => [c, series.reduce((n, s) => n + (s.data[i] ?? 0), 0)]));
}

/** Every expected category must be there, and nothing else: a graph in another shape is not read as zeros. */
function byNames(graph: Graph, names: readonly string[], what: string): number[] {
  const counts = perCategory(graph, what);
  if (counts.size !== names.length || names.some((n) => !counts.has(n))) {
    throw new Error(
      `${what}: expected the categories ${names[0]}..${names[names.length - 1]}, got ${graph.categories.slice(0, 3).join(', ')}...`,
    );
  }
  return names.map((n) => counts.get(n) ?? 0);
}

export function playGraphs(graphs: {
  hour: Graph;
  date: Graph;
  weekday: Graph;
}): Pick<History, 'playsByHour' | 'playsByDay' | 'playsByWeekday'> {
  const byDate = perCategory(graphs.date, 'get_plays_by_date');
  if (![...byDate.keys()].every((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)))
    throw new Error('get_plays_by_date: a category is not a YYYY-MM-DD date');
  return {
    playsByHour: byNames(graphs.hour, HOURS, 'get_plays_by_hourofday'),
    // Tautulli's own calendar dates, oldest first (date.today() - timedelta(days=x) in its zone).
    playsByDay: [...byDate].map(([date, plays]) => ({ date, plays })),
    playsByWeekday: byNames(graphs.weekday, WEEKDAYS, 'get_plays_by_dayofweek'),
  };
}
