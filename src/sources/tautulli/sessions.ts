import type Database from 'better-sqlite3';
import type { Activity, MediaKind, Stream } from '../../snapshot/schema.js';
import { activityOf } from '../../snapshot/activity.js';
import * as q from './queries.js';
import { KNOWN_MEDIA_TYPES } from './queries.js';
import type { TautulliSourceOptions } from './tautulli-source.js';
import { num, validYear } from './values.js';

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
  started: number | null;
  stopped: number | null;
}

/**
 * The live streams from Tautulli's sessions table: each row a stream, a private section's without
 * what it plays, rows left by a Tautulli that stopped writing (ghosts) counted and left out.
 */
export function readSessions(
  db: Database.Database,
  options: Pick<TautulliSourceOptions, 'now' | 'sessionsStaleAfterMs'>,
  privateIds: string,
): { activity: Activity; ghosts: number; malformed: number } {
  const hidden = new Set(JSON.parse(privateIds) as number[]);
  const rows = db.prepare(q.liveSessionsSql).all() as SessionRow[];
  const limitS = (options.sessionsStaleAfterMs ?? 0) / 1000;
  const nowS = options.now / 1000;
  const known = rows.filter((row) => (KNOWN_MEDIA_TYPES as readonly string[]).includes(row.media_type ?? ''));
  // `stopped` is the row's last write (see liveSessionsSql); a row never written has no claim to be live.
  const ghost = (row: SessionRow) => limitS > 0 && (row.stopped === null || nowS - Number(row.stopped) > limitS);
  const live = known.filter((row) => !ghost(row));
  const ghosts = known.length - live.length;
  if (ghosts > 0 && live.length === 0) {
    const newest = Math.max(...known.map((row) => Number(row.stopped ?? 0)));
    throw Object.assign(
      new Error(
        `Tautulli has not written a live session for ${Math.round((nowS - newest) / 60)} min while ${ghosts} show as streaming: is Tautulli running?`,
      ),
      { code: 'ESTALE' },
    );
  }
  // A stream from a private section still loads the server, so it counts; what it plays never shows.
  const streams = live.map((row) => {
    const stream = toStream(row);
    return row.section_id !== null && hidden.has(row.section_id) ? { ...stream, watching: null } : stream;
  });
  return { activity: activityOf(streams), ghosts, malformed: rows.length - known.length };
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
  const duration = num(row.duration);
  const state = row.state === 'paused' ? 'paused' : row.state === 'buffering' ? 'buffering' : 'playing';
  const hasParent = row.media_type === 'episode' || row.media_type === 'track';
  return {
    kind: kindOf(row.media_type),
    state,
    decision: decisionOf(row),
    progress: duration > 0 ? Math.min(1, Math.max(0, num(row.view_offset) / duration)) : 0,
    durationMs: duration,
    bandwidthKbps: num(row.bandwidth),
    location: row.location === 'lan' ? 'lan' : 'wan',
    watching: {
      title: row.title ?? '',
      grandparentTitle: hasParent ? row.grandparent_title || null : null,
      year: validYear(row.year),
      thumb: (hasParent ? row.grandparent_thumb : row.thumb) || row.thumb || null,
    },
    viewer: { name: row.friendly_name?.trim() || row.user || 'unknown' },
    // write_session stamps `started` on the row's first write: when the stream began (privacy.nowPlayingDelayS).
    startedAt: row.started != null && num(row.started) > 0 ? num(row.started) * 1000 : null,
  };
}
