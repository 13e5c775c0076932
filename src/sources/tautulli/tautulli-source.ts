import type Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import type { Activity, History, MediaKind, Stream } from '../../snapshot/schema.js';
import { runSource, type SourceResult } from '../result.js';
import { openReadOnly } from '../sqlite-readonly.js';
import { bucketHourSlots } from './buckets.js';
import { mostConcurrent, type SegmentTimes } from './concurrency.js';
import * as q from './queries.js';

export interface TautulliSourceOptions {
  dbPath: string;
  /** Epoch ms; windows are measured back from here. */
  now: number;
  timeZone: string;
  topLimit?: number;
  busyTimeoutMs?: number;
  /** Section names or ids whose plays are not counted publicly and whose titles never appear. */
  privateSections?: ReadonlyArray<string | number>;
  /**
   * Tautulli rewrites a playing session's row (view_offset) on every timeline event Plex sends, every
   * few seconds (activity_handler.py set_session_state). Rows that say "playing" in a database nobody
   * has written for this long were left by a Tautulli that is not running: the source fails (and
   * the section goes stale) instead of showing ghost streams. Undefined or 0: off (demo data).
   */
  sessionsStaleAfterMs?: number;
}

export interface TautulliData {
  activity: Activity;
  history: History;
}

const DAY_S = 86_400;
const PAGE_CACHE_PAGES = 256;

export function readTautulli(options: TautulliSourceOptions): Promise<SourceResult<TautulliData>> {
  return runSource(() => {
    const handle = openReadOnly(options.dbPath, options.busyTimeoutMs);
    let data: TautulliData;
    try {
      // Same reason as the Plex source: a one-cycle connection only ever grows better-sqlite3's
      // 16 MB default page cache, and each cycle's fresh pages were RSS the server never got back.
      handle.db.pragma(`cache_size = ${PAGE_CACHE_PAGES}`);
      data = handle.db.transaction(() => {
        const privateIds = JSON.stringify(privateSectionIds(handle.db, options.privateSections ?? []));
        return { activity: readActivity(handle.db, privateIds), history: readHistory(handle.db, options, privateIds) };
      })();
    } finally {
      handle.close();
    }
    assertSessionsLive(options, data.activity);
    return data;
  });
}

function assertSessionsLive(options: TautulliSourceOptions, activity: Activity): void {
  const limit = options.sessionsStaleAfterMs ?? 0;
  if (limit <= 0 || activity.playing === 0) return;
  // The -wal takes Tautulli's writes between checkpoints, the main file at checkpoints. An empty
  // -wal holds no writes (our own read-only opens create one after Tautulli removed it).
  const mtimes = [options.dbPath, `${options.dbPath}-wal`].map((f) => {
    try {
      const st = statSync(f);
      return st.size > 0 ? st.mtimeMs : 0;
    } catch {
      return 0;
    }
  });
  const idleMs = options.now - Math.max(...mtimes);
  if (idleMs <= limit) return;
  throw Object.assign(
    new Error(
      `Tautulli has not written its database for ${Math.round(idleMs / 60_000)} min while ${activity.playing} stream(s) show as playing: is Tautulli running?`,
    ),
    { code: 'ESTALE' },
  );
}

function privateSectionIds(db: Database.Database, sections: ReadonlyArray<string | number>): number[] {
  const names = sections.filter((s): s is string => typeof s === 'string');
  const byName = names.length
    ? (db
        .prepare(q.privateSectionIdsSql)
        .pluck()
        .all({ names: JSON.stringify(names) }) as number[])
    : [];
  return [...new Set([...sections.filter((s): s is number => typeof s === 'number'), ...byName])];
}

interface SessionRow {
  section_id: number | null;
  media_type: string | null;
  state: string | null;
  transcode_decision: string | null;
  video_decision: string | null;
  audio_decision: string | null;
  view_offset: number | null;
  duration: number | null;
  bandwidth: number | null;
  location: string | null;
  title: string | null;
  grandparent_title: string | null;
  year: number | null;
  thumb: string | null;
  grandparent_thumb: string | null;
  user: string | null;
  friendly_name: string | null;
}

function readActivity(db: Database.Database, privateIds: string): Activity {
  const hidden = new Set(JSON.parse(privateIds) as number[]);
  const rows = db.prepare(q.liveSessionsSql).all() as SessionRow[];
  // A stream from a private section still loads the server, so it counts; what it plays never shows.
  const streams = rows.map((row) => {
    const stream = toStream(row);
    return row.section_id !== null && hidden.has(row.section_id) ? { ...stream, watching: null } : stream;
  });
  const sum = (pick: (s: Stream) => boolean) => streams.filter(pick).reduce((n, s) => n + s.bandwidthKbps, 0);
  return {
    streamCount: streams.length,
    directPlay: streams.filter((s) => s.decision === 'direct play').length,
    directStream: streams.filter((s) => s.decision === 'copy').length,
    transcode: streams.filter((s) => s.decision === 'transcode').length,
    playing: streams.filter((s) => s.state !== 'paused').length,
    paused: streams.filter((s) => s.state === 'paused').length,
    bandwidthKbps: { total: sum(() => true), lan: sum((s) => s.location === 'lan'), wan: sum((s) => s.location === 'wan') },
    streams,
  };
}

/** Tautulli derives the stream decision from video and audio when the combined one is missing. */
function decisionOf(row: SessionRow): Stream['decision'] {
  const parts = [row.transcode_decision, row.video_decision, row.audio_decision].map((d) => (d ?? '').toLowerCase());
  if (parts.includes('transcode')) return 'transcode';
  if (parts.includes('copy')) return 'copy';
  return 'direct play';
}

const kindOf = (mediaType: string | null): MediaKind =>
  (({ movie: 'movie', episode: 'episode', track: 'track', photo: 'photo', clip: 'other' }) as Record<string, MediaKind>)[mediaType ?? ''] ??
  'other';

function toStream(row: SessionRow): Stream {
  const duration = row.duration ?? 0;
  const state = row.state === 'paused' ? 'paused' : row.state === 'buffering' ? 'buffering' : 'playing';
  const hasParent = row.media_type === 'episode' || row.media_type === 'track';
  return {
    kind: kindOf(row.media_type),
    state,
    decision: decisionOf(row),
    progress: duration > 0 ? Math.min(1, Math.max(0, (row.view_offset ?? 0) / duration)) : 0,
    durationMs: duration,
    bandwidthKbps: row.bandwidth ?? 0,
    location: row.location === 'lan' ? 'lan' : 'wan',
    watching: {
      title: row.title ?? '',
      grandparentTitle: hasParent ? row.grandparent_title : null,
      year: row.year,
      thumb: (hasParent ? row.grandparent_thumb : row.thumb) ?? row.thumb,
    },
    viewer: { name: row.friendly_name?.trim() || row.user || 'unknown' },
  };
}

interface PlayTotals {
  plays: number;
  watchTimeS: number;
}

interface HourSlot extends PlayTotals {
  slot: number;
}

function readHistory(db: Database.Database, options: TautulliSourceOptions, privateIds: string): History {
  const nowS = Math.floor(options.now / 1000);
  const limit = options.topLimit ?? 5;
  const windowStatement = db.prepare(q.windowSql);
  const window = (days: number): PlayTotals => {
    const row = windowStatement.get({ since: nowS - days * DAY_S, private: privateIds }) as PlayTotals;
    return { plays: row.plays, watchTimeS: row.watchTimeS };
  };
  const since30 = nowS - 30 * DAY_S;
  const top = <T>(sql: string) => db.prepare(sql).all({ since: since30, limit, private: privateIds }) as T[];
  const slots = db.prepare(q.playsPerHourSlotSql).all({ since: since30, private: privateIds }) as HourSlot[];
  const buckets = bucketHourSlots(slots, { now: options.now, days: 30, timeZone: options.timeZone });
  // Tens of thousands of rows: arrays are much cheaper to hand over than objects.
  const segments = db.prepare(q.concurrencySql).raw().all({ since: since30, private: privateIds }) as SegmentTimes[];
  const peak = mostConcurrent(segments);
  type Titled = { title: string | null; year: number | null; thumb: string | null; plays: number; watchTimeS: number };
  const titled = (r: Titled) => ({
    watching: { title: r.title ?? '', grandparentTitle: null, year: r.year, thumb: r.thumb },
    plays: r.plays,
    watchTimeS: r.watchTimeS,
  });
  return {
    windows: { '24h': window(1), '7d': window(7), '30d': totalOfSlots(slots) ?? window(30) },
    topUsers: top<{ name: string | null; plays: number; watchTimeS: number }>(q.topUsersSql).map((r) => ({
      viewer: { name: r.name ?? 'unknown' },
      plays: r.plays,
      watchTimeS: r.watchTimeS,
    })),
    topMovies: top<Titled>(q.topMoviesSql).map(titled),
    topShows: top<Titled>(q.topShowsSql).map(titled),
    topPlatforms: top<{ platform: string | null; plays: number; watchTimeS: number }>(q.topPlatformsSql).map((r) => ({
      platform: r.platform ?? 'Unknown',
      plays: r.plays,
      watchTimeS: r.watchTimeS,
    })),
    playsByHour: buckets.byHour,
    playsByDay: buckets.byDay,
    mostConcurrent: { streams: peak.count, at: peak.at === null ? null : peak.at * 1000 },
  };
}

/**
 * The 30-day hour slots hold the same plays as the 30-day window, so their sum spares a second pass
 * over them. Only exact while every sum is an integer (Tautulli writes whole seconds); fractional
 * seconds would add up in another order than SQLite's SUM, so null sends the caller to SQLite.
 */
function totalOfSlots(slots: ReadonlyArray<HourSlot>): PlayTotals | null {
  let plays = 0;
  let watchTimeS = 0;
  for (const slot of slots) {
    if (!Number.isSafeInteger(slot.watchTimeS)) return null;
    plays += slot.plays;
    watchTimeS += slot.watchTimeS;
  }
  return Number.isSafeInteger(watchTimeS) ? { plays, watchTimeS } : null;
}
