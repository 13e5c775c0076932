import { FIXTURE_NOW_S, fixtureDbs } from '../support/fixtures.js';
import { type Point, rawRows, TZ_OFFSET_MIN } from './support.js';

/**
 * The independent side of the cookbook tests: every expected value computed in plain JS from raw
 * rows (`SELECT columns FROM table`, no SQL grouping, joins or date functions), following the
 * conventions the cookbook documents (a play = one reference_id group, Tautulli's watch time).
 */

const OFF_S = TZ_OFFSET_MIN * 60;
const DAY = 86_400;
const since = (days: number) => FIXTURE_NOW_S - days * DAY;
const local = (epochS: number) => new Date((epochS + OFF_S) * 1000);
const monthKey = (d: Date) => `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;

interface Segment {
  id: number;
  reference_id: number;
  started: number;
  stopped: number;
  paused_counter: number | null;
  user_id: number;
  platform: string | null;
  media_type: string;
  rating_key: number;
}

function load() {
  const { tautulliDb, plexDb } = fixtureDbs('demo');
  return {
    segments: rawRows<Segment>(
      tautulliDb,
      'SELECT id, reference_id, started, stopped, paused_counter, user_id, platform, media_type, rating_key FROM session_history',
    ),
    metadata: rawRows<{ id: number; rating_key: number; full_title: string; genres: string | null }>(
      tautulliDb,
      'SELECT id, rating_key, full_title, genres FROM session_history_metadata',
    ),
    mediaInfo: rawRows<{ id: number; transcode_decision: string | null }>(
      tautulliDb,
      'SELECT id, transcode_decision FROM session_history_media_info',
    ),
    users: rawRows<{ user_id: number; username: string; friendly_name: string | null }>(
      tautulliDb,
      'SELECT user_id, username, friendly_name FROM users',
    ),
    items: rawRows<{ id: number; metadata_type: number; added_at: number; deleted_at: number | null }>(
      plexDb,
      'SELECT id, metadata_type, added_at, deleted_at FROM metadata_items',
    ),
    mediaItems: rawRows<{ id: number; metadata_item_id: number; deleted_at: number | null }>(
      plexDb,
      'SELECT id, metadata_item_id, deleted_at FROM media_items',
    ),
    parts: rawRows<{ media_item_id: number; size: number; deleted_at: number | null }>(
      plexDb,
      'SELECT media_item_id, size, deleted_at FROM media_parts',
    ),
  };
}

function groupBy<T, K>(rows: readonly T[], key: (r: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const r of rows) out.set(key(r), [...(out.get(key(r)) ?? []), r]);
  return out;
}

interface Play {
  started: number;
  userId: number;
  watched: number;
  segments: Segment[];
}

/** Plays from the given segments: one per reference_id group. */
function plays(segments: readonly Segment[]): Play[] {
  return [...groupBy(segments, (s) => s.reference_id).values()].map((g) => ({
    started: Math.min(...g.map((s) => s.started)),
    userId: g[0]!.user_id,
    watched: g.reduce((n, s) => n + s.stopped - s.started - (s.paused_counter ?? 0), 0),
    segments: g,
  }));
}

const count = <K>(keys: readonly K[]) => {
  const m = new Map<K, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
};

/** Expected value per cookbook entry name. */
export function expectedCookbook(points: readonly Point[]): Record<string, unknown> {
  const d = load();
  const inWindow = d.segments.filter((s) => s.stopped >= since(30));
  const plays30 = plays(inWindow);
  const allPlays = plays(d.segments);
  const metaById = new Map(d.metadata.map((m) => [m.id, m]));

  const late = count(plays30.filter((p) => local(p.started).getUTCHours() < 5).map((p) => local(p.started).getUTCDay()));
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

  const pauseByGenre = new Map<string, number>();
  for (const s of inWindow) {
    const genres = metaById.get(s.id)?.genres ?? '';
    if (!s.paused_counter || s.paused_counter <= 0 || genres === '') continue;
    for (const g of genres
      .split(';')
      .map((x) => x.trim())
      .filter(Boolean))
      pauseByGenre.set(g, (pauseByGenre.get(g) ?? 0) + s.paused_counter);
  }

  const temps = groupBy(
    points.filter((p) => p.at >= since(7) * 1000 && p.temperature_c !== null),
    (p) => p.streams,
  );

  const nowLocal = local(FIXTURE_NOW_S);
  const monthStart = Date.UTC(nowLocal.getUTCFullYear(), nowLocal.getUTCMonth(), 1) / 1000 - OFF_S;
  const byHour = count(allPlays.filter((p) => p.started >= monthStart).map((p) => local(p.started).getUTCHours()));
  const [hour, hourPlays] = [...byHour].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]!;

  const perUser = [...groupBy(plays30, (p) => p.userId)].map(([userId, ps]) => ({
    userId,
    watch: ps.reduce((n, p) => n + p.watched, 0),
    plays: ps.length,
  }));
  const top = perUser.sort((a, b) => b.watch - a.watch || b.plays - a.plays)[0]!;
  const u = d.users.find((x) => x.user_id === top.userId);
  const name = u ? (u.friendly_name ? u.friendly_name : u.username) : 'unknown';

  const videoPlays = plays(d.segments.filter((s) => s.media_type === 'movie' || s.media_type === 'episode'));
  const byItem = [...groupBy(videoPlays, (p) => p.segments[0]!.rating_key)].map(([key, ps]) => ({
    key,
    plays: ps.length,
    rewatches: ps.length - new Set(ps.map((p) => p.userId)).size,
  }));
  const most = byItem.sort((a, b) => b.rewatches - a.rewatches || b.plays - a.plays || a.key - b.key)[0]!;
  const title = d.metadata.filter((m) => m.rating_key === most.key).sort((a, b) => b.id - a.id)[0]!.full_title;

  const decisions = new Map(d.mediaInfo.map((m) => [m.id, m.transcode_decision]));
  const byPlatform = [...groupBy(plays30, (p) => p.segments[0]!.platform ?? 'unknown')].map(([platform, ps]) => {
    const transcodes = ps.filter((p) => p.segments.some((s) => decisions.get(s.id) === 'transcode')).length;
    return { platform, plays: ps.length, transcodes, share: Math.round((transcodes / ps.length) * 10_000) / 10_000 };
  });

  const months = Array.from({ length: 12 }, (_, i) =>
    monthKey(new Date(Date.UTC(nowLocal.getUTCFullYear(), nowLocal.getUTCMonth() - 11 + i, 1))),
  );
  const live = d.items.filter((i) => i.deleted_at === null);
  const added = (type: number, m: string) => live.filter((i) => i.metadata_type === type && monthKey(local(i.added_at)) === m).length;

  const dayStart = FIXTURE_NOW_S - ((FIXTURE_NOW_S + OFF_S) % DAY);
  const movieIds = new Set(live.filter((i) => i.metadata_type === 1).map((i) => i.id));
  const movieMedia = new Set(d.mediaItems.filter((m) => m.deleted_at === null && movieIds.has(m.metadata_item_id)).map((m) => m.id));

  return {
    late_night_plays: days.map((day, weekday) => ({ weekday, day, plays: late.get(weekday) ?? 0 })),
    pause_minutes_by_genre: [...pauseByGenre]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 10)
      .map(([genre, s]) => ({ genre, pause_minutes: s / 60 })),
    temperature_by_streams: [...temps]
      .sort((a, b) => a[0] - b[0])
      .map(([streams, ps]) => ({
        streams,
        samples: ps.length,
        avg_temp_c: ps.reduce((n, p) => n + p.temperature_c!, 0) / ps.length,
        max_temp_c: Math.max(...ps.map((p) => p.temperature_c!)),
      })),
    busiest_hour_this_month: { hour, plays: hourPlays },
    top_user_by_watch_time: { user: name, watch_time_s: top.watch, plays: top.plays },
    most_rewatched_title: { title, rewatches: most.rewatches, plays: most.plays },
    transcode_share_by_platform: byPlatform.sort((a, b) => b.plays - a.plays || (a.platform < b.platform ? -1 : 1)),
    library_growth: months.map((month) => ({ month, movies: added(1, month), episodes: added(4, month), tracks: added(10, month) })),
    plays_today: allPlays.filter((p) => p.started >= dayStart).length,
    movie_library_bytes: d.parts.filter((p) => p.deleted_at === null && movieMedia.has(p.media_item_id)).reduce((n, p) => n + p.size, 0),
  };
}
