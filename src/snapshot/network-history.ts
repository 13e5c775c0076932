import { mostConcurrent, type SegmentTimes } from './concurrency.js';
import type { TautulliExtras, TitledRow } from './source-results.js';
import type { History } from './schema.js';

/** One server's history as the network sees it: its snapshot section and, when read, its extras. */
export interface HistoryInput {
  history: History | null;
  extras: TautulliExtras | null;
}

type Row = { key: string; plays: number; watchTimeS: number; lastWatch: number; server: number };

/**
 * Sums rows by key over servers. What a merged row shows (a display name, a thumb) is taken from
 * `pick`'s choice among the servers' rows for that key.
 */
function mergeRows<T extends Row>(rows: readonly T[], pick: (a: T, b: T) => T) {
  const merged = new Map<string, { plays: number; watchTimeS: number; lastWatch: number; shown: T }>();
  for (const row of rows) {
    const into = merged.get(row.key);
    if (!into) merged.set(row.key, { plays: row.plays, watchTimeS: row.watchTimeS, lastWatch: row.lastWatch, shown: row });
    else {
      into.plays += row.plays;
      into.watchTimeS += row.watchTimeS;
      into.lastWatch = Math.max(into.lastWatch, row.lastWatch);
      into.shown = pick(into.shown, row);
    }
  }
  // Tautulli's order: plays, then the most recent play.
  return [...merged.values()].sort((a, b) => b.plays - a.plays || b.lastWatch - a.lastWatch);
}

const morePlays = <T extends Row>(a: T, b: T) => (b.plays > a.plays ? b : a);
const moreRecent = <T extends Row>(a: T, b: T) => (b.lastWatch > a.lastWatch ? b : a);

/**
 * The network's history: windows and graphs summed; top lists merged from every server's full
 * per-key rows (a person is one person across servers when the plex.tv account id is the same);
 * the most concurrent streams by Tautulli's sweep over the union of every server's segments. A
 * server without extras adds its own top rows (its top few only, a person then keyed by display
 * name) and its own peak as a floor: `complete` says whether that happened.
 */
export function networkHistory(inputs: readonly HistoryInput[], topLimit: number): { history: History | null; complete: boolean } {
  const present = inputs.filter((i) => i.history !== null);
  if (present.length === 0) return { history: null, complete: true };
  const complete = present.every((i) => i.extras !== null);
  const sum = (pick: (h: History) => { plays: number; watchTimeS: number }) => ({
    plays: present.reduce((n, i) => n + pick(i.history!).plays, 0),
    watchTimeS: present.reduce((n, i) => n + pick(i.history!).watchTimeS, 0),
  });
  const add = (pick: (h: History) => readonly number[], length: number) =>
    Array.from({ length }, (_, k) => present.reduce((n, i) => n + (pick(i.history!)[k] ?? 0), 0));
  const days = new Map<string, number>();
  for (const i of present) for (const d of i.history!.playsByDay) days.set(d.date, (days.get(d.date) ?? 0) + d.plays);

  const users: Array<Row & { name: string }> = [];
  const movies: Array<Row & TitledRow> = [];
  const shows: Array<Row & TitledRow> = [];
  const platforms: Array<Row & { platform: string }> = [];
  const segments: SegmentTimes[] = [];
  let floor = { streams: 0, at: null as number | null };
  present.forEach((input, server) => {
    const x = input.extras;
    if (x) {
      for (const u of x.users) users.push({ ...u, key: u.userId === null ? `name:${u.name}` : `id:${u.userId}`, server });
      for (const m of x.movies) movies.push({ ...m, key: `${m.title}\u0000${m.year ?? ''}`, server });
      for (const s of x.shows) shows.push({ ...s, key: s.title, server });
      for (const p of x.platforms) platforms.push({ ...p, key: p.platform, server });
      for (const segment of x.segments) segments.push(segment);
      return;
    }
    const h = input.history!;
    if (h.mostConcurrent.streams > floor.streams) floor = h.mostConcurrent;
    const none = { lastWatch: 0, server };
    for (const u of h.topUsers) users.push({ ...u, ...none, name: u.viewer?.name ?? 'unknown', key: `name:${u.viewer?.name ?? ''}` });
    for (const [list, into] of [
      [h.topMovies, movies],
      [h.topShows, shows],
    ] as const)
      for (const m of list) {
        const title = m.watching?.title ?? '';
        const year = m.watching?.year ?? null;
        into.push({
          ...m,
          ...none,
          title,
          year,
          thumb: m.watching?.thumb ?? null,
          key: into === shows ? title : `${title}\u0000${year ?? ''}`,
        });
      }
    for (const p of h.topPlatforms) platforms.push({ ...p, ...none, key: p.platform });
  });
  const peak = mostConcurrent(segments);
  const union = { streams: peak.count, at: peak.at === null ? null : peak.at * 1000 };
  const top = <T extends Row, U>(
    rows: T[],
    pick: (a: T, b: T) => T,
    shape: (shown: T, totals: { plays: number; watchTimeS: number }) => U,
  ) =>
    mergeRows(rows, pick)
      .slice(0, topLimit)
      .map((m) => shape(m.shown, { plays: m.plays, watchTimeS: m.watchTimeS }));
  const watching = (r: TitledRow) => ({ title: r.title, grandparentTitle: null, year: r.year, thumb: r.thumb });
  return {
    history: {
      windows: { '24h': sum((h) => h.windows['24h']), '7d': sum((h) => h.windows['7d']), '30d': sum((h) => h.windows['30d']) },
      topUsers: top(users, morePlays, (u, t) => ({ viewer: { name: u.name }, ...t })),
      topMovies: top(movies, morePlays, (m, t) => ({ watching: watching(m), ...t })),
      // Tautulli shows a show with the year and thumb of its most recent play.
      topShows: top(shows, moreRecent, (s, t) => ({ watching: watching(s), ...t })),
      topPlatforms: top(platforms, morePlays, (p, t) => ({ platform: p.platform, ...t })),
      playsByHour: add((h) => h.playsByHour, 24),
      playsByDay: [...days].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([date, plays]) => ({ date, plays })),
      playsByWeekday: add((h) => h.playsByWeekday, 7),
      mostConcurrent: floor.streams > union.streams ? floor : union,
    },
    complete,
  };
}
