/**
 * Live activity from Plex's /status/sessions, for an install without Tautulli. It builds the same
 * `Activity` the Tautulli reader builds from Tautulli's `sessions` table, following the rules Tautulli
 * itself applies to this endpoint (plexpy/pmsconnect.py get_current_activity, get_session_each):
 * background theme music is not a stream; the decision is "transcode" if the video or audio is
 * transcoded, else "copy" if either is copied, else "direct play"; the location is Session.location, or
 * the player's `local` flag when Plex sends no Session. What identifies the viewer's device (IP
 * addresses, player names, machine ids) and the user's thumb are never read: the schema below does not
 * even carry them past validation.
 */
import type { Activity, MediaKind, Stream } from '../../snapshot/schema.js';
import { runSource, type SourceResult } from '../result.js';
import { createPlexClient, type PlexConnectionOptions } from './client.js';
import { parseShape, sessionsSchema, type PlexSession } from './shapes.js';
import { activityOf } from '../../snapshot/activity.js';

export interface PlexSessionsOptions extends PlexConnectionOptions {
  /** Section names or ids whose titles never show; their streams still count (they load the server). */
  privateSections?: ReadonlyArray<string | number>;
}

/** One call per read: GET /status/sessions. */
export function readPlexSessions(options: PlexSessionsOptions): Promise<SourceResult<Activity>> {
  return runSource(async () => {
    const client = createPlexClient(options);
    try {
      const body = await client.get('/status/sessions');
      const sessions = parseShape(sessionsSchema, body, '/status/sessions').MediaContainer.Metadata;
      return toActivity(sessions, options.privateSections ?? []);
    } finally {
      client.close();
    }
  });
}

function toActivity(sessions: readonly PlexSession[], privateSections: ReadonlyArray<string | number>): Activity {
  const hidden = (s: PlexSession) =>
    privateSections.some(
      (p) =>
        (s.librarySectionID !== undefined && p === s.librarySectionID) ||
        (s.librarySectionTitle !== undefined && p === s.librarySectionTitle),
    );
  const streams = sessions
    // Plex plays a show's theme while its page is open: a Track whose guid is library://... (Tautulli skips it).
    .filter((s) => !(s.type === 'track' && (s.guid ?? '').startsWith('library://')))
    .map((s) => {
      const stream = toStream(s);
      return hidden(s) ? { ...stream, watching: null } : stream;
    });
  return activityOf(streams);
}

const KINDS: Record<string, MediaKind> = { movie: 'movie', episode: 'episode', track: 'track', photo: 'photo', clip: 'other' };

/** PMS writes "directplay" on TranscodeSession and Part, Tautulli "direct play": both mean the same. */
const normalise = (d: string | undefined) => (d ?? '').toLowerCase().replace(/\s+/g, '');

function decisionOf(s: PlexSession): Stream['decision'] {
  const media = s.Media.find((m) => isSelected(m.selected)) ?? s.Media[0];
  const part = media?.Part.find((p) => isSelected(p.selected)) ?? media?.Part[0];
  // The selected part's video and audio streams carry their own decision (Tautulli's transcode_decision
  // is made from these); TranscodeSession's videoDecision/audioDecision say the same for the session.
  const streamDecisions = (part?.Stream ?? []).filter((st) => st.streamType === 1 || st.streamType === 2).map((st) => st.decision);
  const parts = [s.TranscodeSession?.videoDecision, s.TranscodeSession?.audioDecision, ...streamDecisions].map(normalise);
  if (parts.includes('transcode')) return 'transcode';
  if (parts.includes('copy')) return 'copy';
  return 'direct play';
}

const isSelected = (v: unknown) => v === true || v === 1 || v === '1';

/** A thumb must be a server-relative path: anything else (an absolute URL, a query string) is dropped. */
export function safeThumb(value: string | undefined): string | null {
  return value && /^\/[^?#\s]*$/.test(value) ? value : null;
}

function toStream(s: PlexSession): Stream {
  const duration = s.duration ?? 0;
  const state = s.Player?.state === 'paused' ? 'paused' : s.Player?.state === 'buffering' ? 'buffering' : 'playing';
  const hasParent = s.type === 'episode' || s.type === 'track';
  const location = s.Session?.location ?? (isSelected(s.Player?.local) ? 'lan' : 'wan');
  return {
    kind: KINDS[s.type ?? ''] ?? 'other',
    state,
    decision: decisionOf(s),
    progress: duration > 0 ? Math.min(1, Math.max(0, (s.viewOffset ?? 0) / duration)) : 0,
    durationMs: duration,
    bandwidthKbps: s.Session?.bandwidth ?? 0,
    location: location === 'lan' ? 'lan' : 'wan',
    watching: {
      title: s.title ?? '',
      grandparentTitle: hasParent ? s.grandparentTitle || null : null,
      year: s.year !== undefined && Number.isInteger(s.year) && s.year > 0 ? s.year : null,
      thumb: safeThumb((hasParent ? s.grandparentThumb : s.thumb) || s.thumb),
    },
    // Plex names the account (User.title); Tautulli shows its own friendly name when one is set.
    viewer: { name: s.User?.title?.trim() || 'unknown' },
  };
}
