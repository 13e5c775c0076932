import type { MediaKind, Stream } from '../../snapshot/schema.js';
import { KNOWN_MEDIA_TYPES } from './queries.js';
import { num, validYear } from './values.js';

/**
 * What a stream is made of in one Tautulli session. A row of its sessions table
 * (activity_processor.write_session) and an entry of get_activity (pmsconnect.get_session_each)
 * carry these fields under the same names, so the database source and the API source make their
 * streams here, by one rule.
 */
export interface SessionFields {
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

/** A session of a media type Tautulli records; any other is skipped and counted. */
export const isKnownSession = (s: SessionFields): boolean => (KNOWN_MEDIA_TYPES as readonly string[]).includes(s.media_type ?? '');

/** Tautulli derives the stream decision from video and audio when the combined one is missing. */
function decisionOf(s: SessionFields): Stream['decision'] {
  const parts = [s.transcode_decision, s.video_decision, s.audio_decision].map((d) => (d ?? '').toLowerCase());
  if (parts.includes('transcode')) return 'transcode';
  if (parts.includes('copy')) return 'copy';
  return 'direct play';
}

const KINDS: Readonly<Record<string, MediaKind>> = { movie: 'movie', episode: 'episode', track: 'track', photo: 'photo', clip: 'other' };

/**
 * The stream of one session; a stream from a private section (`hidden`) still loads the server, so
 * it counts, but what it plays never shows. Without `startedAt`: only the sessions table has it.
 */
export function streamOf(s: SessionFields, hidden: ReadonlySet<number>): Omit<Stream, 'startedAt'> {
  const duration = num(s.duration);
  const hasParent = s.media_type === 'episode' || s.media_type === 'track';
  const hide = s.section_id !== null && hidden.has(s.section_id);
  return {
    kind: KINDS[s.media_type ?? ''] ?? 'other',
    state: s.state === 'paused' ? 'paused' : s.state === 'buffering' ? 'buffering' : 'playing',
    decision: decisionOf(s),
    progress: duration > 0 ? Math.min(1, Math.max(0, num(s.view_offset) / duration)) : 0,
    durationMs: duration,
    bandwidthKbps: num(s.bandwidth),
    location: s.location === 'lan' ? 'lan' : 'wan',
    watching: hide
      ? null
      : {
          title: s.title ?? '',
          grandparentTitle: hasParent ? s.grandparent_title || null : null,
          year: validYear(s.year),
          thumb: (hasParent ? s.grandparent_thumb : s.thumb) || s.thumb || null,
        },
    viewer: { name: s.friendly_name?.trim() || s.user || 'unknown' },
  };
}
