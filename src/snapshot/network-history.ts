import { mostConcurrent, sweepKeys, sweepSorted, type SegmentTimes } from './concurrency.js';
import type { TautulliExtras, TitledRow } from './source-results.js';
import type { History } from './schema.js';

/** One server's history as the network sees it: its snapshot section and, when read, its extras. */
export interface HistoryInput {
  history: History | null;
  extras: TautulliExtras | null;
}

type Totals = { plays: number; watchTimeS: number; lastWatch: number };

/** Tautulli's order: plays, then the most recent play. */
const order = (a: Totals, b: Totals) => b.plays - a.plays || b.lastWatch - a.lastWatch;

/**
 * Rows summed by key over servers. What a merged row shows (a display name, a thumb) is `pick`'s
 * choice among the servers' rows for that key. Rows are added as they are (each server's whole
 * list: ~10^4 films on a large server), never copied.
 */
class Tally<T extends Totals> {
  private readonly merged = new Map<string, Totals & { shown: T }>();

  constructor(private readonly pick: (a: T, b: T) => T) {}

  add(key: string, row: T): void {
    const into = this.merged.get(key);
    if (!into) this.merged.set(key, { plays: row.plays, watchTimeS: row.watchTimeS, lastWatch: row.lastWatch, shown: row });
    else {
      into.plays += row.plays;
      into.watchTimeS += row.watchTimeS;
      into.lastWatch = Math.max(into.lastWatch, row.lastWatch);
      into.shown = this.pick(into.shown, row);
    }
  }

  /** The first `limit` in Tautulli's order, ties in the order first met (as a stable sort would). */
  top(limit: number): Array<Totals & { shown: T }> {
    const top: Array<Totals & { shown: T }> = [];
    if (limit <= 0) return top;
    for (const m of this.merged.values()) {
      if (top.length === limit && order(m, top[limit - 1]!) >= 0) continue;
      let at = top.length;
      while (at > 0 && order(m, top[at - 1]!) < 0) at--;
      top.splice(at, 0, m);
      if (top.length > limit) top.pop();
    }
    return top;
  }
}

const morePlays = <T extends Totals>(a: T, b: T) => (b.plays > a.plays ? b : a);
const moreRecent = <T extends Totals>(a: T, b: T) => (b.lastWatch > a.lastWatch ? b : a);

/** What the network's history draws from the servers' extras alone: the merged lists and the union's peak. */
interface Merged {
  topUsers: History['topUsers'];
  topMovies: History['topMovies'];
  topShows: History['topShows'];
  topPlatforms: History['topPlatforms'];
  /** Tautulli's sweep over the union of the extras' segments; the floors of servers without extras apart. */
  union: History['mostConcurrent'];
}

/**
 * What a network collection keeps between cycles (one per collection): each server's segments as
 * sorted sweep keys, made once per extras object, and the lists merged from the last extras. A
 * server's extras stay the same object while its Tautulli token holds (read-all.ts), so a cycle in
 * which no server's changed merges nothing, and one in which one did sorts only that server's
 * segments (the union's sweep then merges the sorted keys). Keyed by identity only: the extras
 * objects are never changed in place.
 */
export class NetworkHistoryMemo {
  readonly keys = new WeakMap<TautulliExtras, Float64Array | null>();
  last: { extras: ReadonlyArray<TautulliExtras>; topLimit: number; merged: Merged } | null = null;
}

/**
 * The network's history: windows and graphs summed; top lists merged from every server's full
 * per-key rows (a person is one person across servers when the plex.tv account id is the same);
 * the most concurrent streams by Tautulli's sweep over the union of every server's segments. A
 * server without extras adds its own top rows (its top few only, a person then keyed by display
 * name) and its own peak as a floor: `complete` says whether that happened. With a memo, what
 * depends on the extras alone is merged again only when one of them changed.
 */
export function networkHistory(
  inputs: readonly HistoryInput[],
  topLimit: number,
  memo?: NetworkHistoryMemo,
): { history: History | null; complete: boolean } {
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
  let floor = { streams: 0, at: null as number | null };
  for (const input of present) {
    const h = input.history!;
    if (!input.extras && h.mostConcurrent.streams > floor.streams) floor = h.mostConcurrent;
  }
  const extras = present.map((i) => i.extras).filter((x): x is TautulliExtras => x !== null);
  const last = memo?.last;
  const same =
    complete && last && last.topLimit === topLimit && last.extras.length === extras.length && last.extras.every((x, i) => x === extras[i]);
  const merged = same ? last.merged : mergeLists(present, extras, topLimit, memo);
  if (memo && complete && !same) memo.last = { extras, topLimit, merged };
  const { union } = merged;
  return {
    history: {
      windows: { '24h': sum((h) => h.windows['24h']), '7d': sum((h) => h.windows['7d']), '30d': sum((h) => h.windows['30d']) },
      topUsers: merged.topUsers,
      topMovies: merged.topMovies,
      topShows: merged.topShows,
      topPlatforms: merged.topPlatforms,
      playsByHour: add((h) => h.playsByHour, 24),
      playsByDay: [...days].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([date, plays]) => ({ date, plays })),
      playsByWeekday: add((h) => h.playsByWeekday, 7),
      mostConcurrent: floor.streams > union.streams ? floor : union,
    },
    complete,
  };
}

/** The top lists over every server's rows (extras, or a server's own top rows without them), and the union's peak. */
function mergeLists(
  present: readonly HistoryInput[],
  extras: readonly TautulliExtras[],
  topLimit: number,
  memo: NetworkHistoryMemo | undefined,
): Merged {
  const users = new Tally<Totals & { name: string }>(morePlays);
  const movies = new Tally<TitledRow>(morePlays);
  // Tautulli shows a show with the year and thumb of its most recent play.
  const shows = new Tally<TitledRow>(moreRecent);
  const platforms = new Tally<Totals & { platform: string }>(morePlays);
  for (const input of present) {
    const x = input.extras;
    if (x) {
      for (const u of x.users) users.add(u.userId === null ? `name:${u.name}` : `id:${u.userId}`, u);
      for (const m of x.movies) movies.add(`${m.title}\u0000${m.year ?? ''}`, m);
      for (const m of x.shows) shows.add(m.title, m);
      for (const p of x.platforms) platforms.add(p.platform, p);
      continue;
    }
    const h = input.history!;
    for (const u of h.topUsers) users.add(`name:${u.viewer?.name ?? ''}`, { ...u, lastWatch: 0, name: u.viewer?.name ?? 'unknown' });
    for (const [list, into] of [
      [h.topMovies, movies],
      [h.topShows, shows],
    ] as const)
      for (const m of list) {
        const title = m.watching?.title ?? '';
        const year = m.watching?.year ?? null;
        into.add(into === shows ? title : `${title}\u0000${year ?? ''}`, {
          plays: m.plays,
          watchTimeS: m.watchTimeS,
          lastWatch: 0,
          title,
          year,
          thumb: m.watching?.thumb ?? null,
        });
      }
    for (const p of h.topPlatforms) platforms.add(p.platform, { ...p, lastWatch: 0 });
  }
  const peak = unionPeak(extras, memo);
  const top = <T extends Totals, U>(tally: Tally<T>, shape: (shown: T, totals: { plays: number; watchTimeS: number }) => U) =>
    tally.top(topLimit).map((m) => shape(m.shown, { plays: m.plays, watchTimeS: m.watchTimeS }));
  const watching = (r: TitledRow) => ({ title: r.title, grandparentTitle: null, year: r.year, thumb: r.thumb });
  return {
    topUsers: top(users, (u, t) => ({ viewer: { name: u.name }, ...t })),
    topMovies: top(movies, (m, t) => ({ watching: watching(m), ...t })),
    topShows: top(shows, (s, t) => ({ watching: watching(s), ...t })),
    topPlatforms: top(platforms, (p, t) => ({ platform: p.platform, ...t })),
    union: { streams: peak.count, at: peak.at === null ? null : peak.at * 1000 },
  };
}

/** Tautulli's sweep over every server's segments: from each one's sorted keys (kept in the memo) when it can. */
function unionPeak(extras: readonly TautulliExtras[], memo: NetworkHistoryMemo | undefined): { count: number; at: number | null } {
  if (memo) {
    const lists: Float64Array[] = [];
    for (const x of extras) {
      if (!memo.keys.has(x)) memo.keys.set(x, sweepKeys(x.segments));
      const keys = memo.keys.get(x);
      if (!keys) break;
      lists.push(keys);
    }
    if (lists.length === extras.length) return sweepSorted(lists);
  }
  const segments: SegmentTimes[] = [];
  for (const x of extras) for (const segment of x.segments) segments.push(segment);
  return mostConcurrent(segments);
}
