import { createHmac } from 'node:crypto';
import type { Activity, Snapshot, Stream, Viewer, Watching } from '../snapshot/schema.js';

export interface PrivacyPolicy {
  userNames: 'hidden' | 'initials' | 'pseudonym' | 'shown';
  watching: 'shown' | 'type-only' | 'hidden';
  thumbnails: 'blur' | 'hide' | 'show';
  roundCounts: boolean;
  roundBandwidthKbps: number;
  nowPlayingDelayS: number;
  /**
   * Whether "recently added" may leave the collector at all (it reveals library content: the owner
   * opts in). Off or absent: the list is emptied.
   */
  recentlyAdded?: boolean;
  /** Applied by the sources (they drop or mask the rows); part of the policy's stamp. */
  privateSections?: ReadonlyArray<string | number>;
}

/**
 * Bump when what applyPrivacy or the snapshot sanitiser removes changes: snapshots stamped by an
 * older build are then never carried over into a newer one's.
 */
const STAMP_VERSION = 3;

/**
 * A keyed hash of everything that decides what a snapshot may hold: the policy, the private
 * sections (which the sources apply) and the pseudonym secret. It is public (in every .json), so
 * it is an HMAC: it tells whether two snapshots were made under the same policy, and nothing else.
 */
export function policyStamp(policy: PrivacyPolicy, secret: string): string {
  const canonical = JSON.stringify([
    STAMP_VERSION,
    policy.userNames,
    policy.watching,
    policy.thumbnails,
    policy.roundCounts,
    policy.roundBandwidthKbps,
    policy.nowPlayingDelayS,
    policy.recentlyAdded === true,
    [...(policy.privateSections ?? [])].map((s) => `${typeof s}:${s}`).sort(),
  ]);
  return createHmac('sha256', secret).update(canonical).digest('base64url').slice(0, 22);
}

const PSEUDONYM_ADJECTIVES = [
  'Amber',
  'Brisk',
  'Calm',
  'Dusky',
  'Eager',
  'Fuzzy',
  'Gentle',
  'Hazy',
  'Ivory',
  'Jolly',
  'Keen',
  'Lucky',
  'Mellow',
  'Nimble',
  'Olive',
  'Plucky',
];
const PSEUDONYM_NOUNS = [
  'Otter',
  'Falcon',
  'Badger',
  'Heron',
  'Lynx',
  'Marten',
  'Puffin',
  'Quokka',
  'Raven',
  'Stoat',
  'Tapir',
  'Vole',
  'Walrus',
  'Yak',
  'Zebu',
  'Gecko',
];

/**
 * Applies the privacy policy to a snapshot before it reaches any store, the renderer or a JSON
 * route: what the policy hides is removed here, not merely not drawn. Pure: the pseudonym secret
 * is an argument. The result carries the policy's stamp.
 *
 * Sections carried over from the previous cycle (stale) are left as they are: the collector only
 * carries data from a snapshot with the same stamp (`madeUnder`), which this step already masked;
 * masking twice would, for example, turn a pseudonym into a pseudonym of a pseudonym. What no
 * policy setting can change (host disk names) is applied to every section.
 */
export function applyPrivacy(snapshot: Snapshot, policy: PrivacyPolicy, secret: string): Snapshot {
  const fresh = (source: 'plex' | 'tautulli') => snapshot.sources[source].status === 'ok';
  const activity = snapshot.activity && fresh('tautulli') ? maskActivity(snapshot.activity, snapshot.takenAt, policy, secret) : null;
  const privateIds = new Set(snapshot.library?.sections.filter((s) => s.private).map((s) => s.id));
  const library = snapshot.library &&
    fresh('plex') && {
      ...snapshot.library,
      // Private sections leave no trace at all: no name, no counts.
      sections: snapshot.library.sections
        .filter((s) => !s.private)
        .map((s) => ({ ...s, items: count(s.items, policy), counts: mapValues(s.counts, (n) => count(n, policy)) })),
      totals: mapValues(snapshot.library.totals, (n) => count(n, policy)),
      // Only when the owner opted in; a private section's items never (the sources leave them out too).
      recentlyAdded: policy.recentlyAdded
        ? snapshot.library.recentlyAdded
            .filter((r) => !privateIds.has(r.sectionId))
            .map((r) => {
              const watching = maskWatching(r.watching, policy);
              return { ...r, watching, poster: posterAlone(r.watching, watching, policy) };
            })
        : [],
    };
  const history = snapshot.history &&
    fresh('tautulli') && {
      ...snapshot.history,
      topUsers: snapshot.history.topUsers.map((u) => ({ ...u, viewer: maskViewer(u.viewer, policy.userNames, secret) })),
      topMovies: policy.watching === 'shown' ? snapshot.history.topMovies : [],
      topShows: policy.watching === 'shown' ? snapshot.history.topShows : [],
    };
  return {
    ...snapshot,
    activity: activity ?? snapshot.activity,
    library: library || snapshot.library,
    history: history || snapshot.history,
    // A mount point is a host path (/mnt/user/…, a user's home); no image draws it.
    host: snapshot.host && { ...snapshot.host, disks: snapshot.host.disks.map((d, i) => ({ ...d, mount: `disk ${i + 1}` })) },
    privacy: policyStamp(policy, secret),
  };
}

/** True when `snapshot` was produced under this policy and secret, so its data may be carried over. */
export function madeUnder(snapshot: Snapshot, policy: PrivacyPolicy, secret: string): boolean {
  return snapshot.privacy === policyStamp(policy, secret);
}

/**
 * Streams younger than nowPlayingDelayS (by when they started, not by playback position: a resumed
 * film starts at its old position) are removed and taken out of every count, so "1 stream" never
 * shows beside an empty list. A stream whose start the source does not know is treated as just
 * started. The start time itself goes no further.
 */
function maskActivity(a: Activity, now: number, policy: PrivacyPolicy, secret: string): Activity {
  const delayMs = policy.nowPlayingDelayS * 1000;
  const old = (s: Stream) => delayMs === 0 || (s.startedAt != null && now - s.startedAt >= delayMs);
  const hidden = a.streams.filter((s) => !old(s));
  const minus = (pick: (s: Stream) => boolean) => hidden.filter(pick).length;
  const kbps = (pick: (s: Stream) => boolean) => hidden.filter(pick).reduce((n, s) => n + s.bandwidthKbps, 0);
  const bandwidth = {
    total: a.bandwidthKbps.total - kbps(() => true),
    lan: a.bandwidthKbps.lan - kbps((s) => s.location === 'lan'),
    wan: a.bandwidthKbps.wan - kbps((s) => s.location === 'wan'),
  };
  return {
    ...a,
    streamCount: a.streamCount - hidden.length,
    directPlay: a.directPlay - minus((s) => s.decision === 'direct play'),
    directStream: a.directStream - minus((s) => s.decision === 'copy'),
    transcode: a.transcode - minus((s) => s.decision === 'transcode'),
    playing: a.playing - minus((s) => s.state !== 'paused'),
    paused: a.paused - minus((s) => s.state === 'paused'),
    bandwidthKbps: mapValues(bandwidth, (n) => roundTo(n, policy.roundBandwidthKbps)),
    streams: a.streams.filter(old).map((s) => {
      const { startedAt: _startedAt, ...rest } = s;
      const watching = maskWatching(s.watching, policy);
      return {
        ...rest,
        kind: policy.watching === 'hidden' ? ('other' as const) : s.kind,
        bandwidthKbps: roundTo(s.bandwidthKbps, policy.roundBandwidthKbps),
        viewer: maskViewer(s.viewer, policy.userNames, secret),
        watching,
        poster: posterAlone(s.watching, watching, policy),
        // The runtime goes where the title goes: with the title hidden (by the policy, or by a
        // private section, whose streams the source sends without one) it could name the film.
        durationMs: watching === null ? null : s.durationMs,
      };
    }),
  };
}

function maskViewer(v: Viewer | null, mode: PrivacyPolicy['userNames'], secret: string): Viewer | null {
  if (!v) return null;
  switch (mode) {
    case 'hidden':
      return null;
    case 'shown':
      return v;
    case 'initials':
      return { name: initialsOf(v.name) };
    case 'pseudonym':
      return { name: pseudonymOf(v.name, secret) };
  }
}

export function initialsOf(name: string): string {
  const words = name.split(/[\s._-]+/u).filter(Boolean);
  return (
    words
      .slice(0, 2)
      .map((w) => `${[...w][0]!.toLocaleUpperCase()}.`)
      .join('') || '?'
  );
}

/** Stable per user and secret; without the secret the name cannot be recovered or guessed by hashing. */
export function pseudonymOf(name: string, secret: string): string {
  const digest = createHmac('sha256', secret).update(name).digest();
  return `${PSEUDONYM_ADJECTIVES[digest[0]! % 16]} ${PSEUDONYM_NOUNS[digest[1]! % 16]} ${(digest.readUInt16BE(2) % 90) + 10}`;
}

function maskWatching(w: Watching | null, policy: PrivacyPolicy): Watching | null {
  if (!w || policy.watching !== 'shown') return null;
  return policy.thumbnails === 'hide' ? { ...w, thumb: null } : w;
}

/**
 * The poster of an item whose title the policy withholds: kept only under `watching: type-only`
 * with `thumbnails: blur`, so an image can show the blurred artwork of what plays without naming
 * it. Never with `hide` or `show` (an unblurred poster names the film), never under `hidden` (not
 * even the kind shows), and never for a private section's item, which the source sends without
 * `watching` at all. Only the thumb path goes further: no title, year or show.
 */
function posterAlone(source: Watching | null, masked: Watching | null, policy: PrivacyPolicy): string | null {
  if (masked !== null || policy.watching !== 'type-only' || policy.thumbnails !== 'blur') return null;
  return source?.thumb ?? null;
}

function count(n: number, policy: PrivacyPolicy): number {
  if (!policy.roundCounts || n < 100) return n;
  const magnitude = 10 ** (Math.floor(Math.log10(n)) - 1);
  return Math.round(n / magnitude) * magnitude;
}

const roundTo = (n: number, step: number) => (step > 0 ? Math.round(n / step) * step : n);

function mapValues<T extends Record<string, number>>(o: T, f: (n: number) => number): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)])) as T;
}

/**
 * Data minimisation: identifying lists that no configured image draws are emptied before the
 * snapshot reaches any store or JSON route (counts stay: health and badges use them).
 */
export function minimise(snapshot: Snapshot, unneeded: ReadonlySet<string>): Snapshot {
  if (unneeded.size === 0) return snapshot;
  const drop = (path: string) => unneeded.has(path);
  return {
    ...snapshot,
    activity: snapshot.activity && {
      ...snapshot.activity,
      streams: drop('activity.streams')
        ? snapshot.activity.streams.map((s) => ({ ...s, viewer: null, watching: null, poster: null, durationMs: null }))
        : snapshot.activity.streams,
    },
    history: snapshot.history && {
      ...snapshot.history,
      topUsers: drop('history.topUsers') ? [] : snapshot.history.topUsers,
      topMovies: drop('history.topMovies') ? [] : snapshot.history.topMovies,
      topShows: drop('history.topShows') ? [] : snapshot.history.topShows,
    },
    library: snapshot.library && {
      ...snapshot.library,
      recentlyAdded: drop('library.recentlyAdded') ? [] : snapshot.library.recentlyAdded,
    },
  };
}
