import { createHmac } from 'node:crypto';
import type { MediaKind, Snapshot, Viewer, Watching } from '../snapshot/schema.js';

export interface PrivacyPolicy {
  userNames: 'hidden' | 'initials' | 'pseudonym' | 'shown';
  watching: 'shown' | 'type-only' | 'hidden';
  thumbnails: 'blur' | 'hide' | 'show';
  roundCounts: boolean;
  roundBandwidthKbps: number;
  nowPlayingDelayS: number;
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
 * is an argument.
 */
export function applyPrivacy(snapshot: Snapshot, policy: PrivacyPolicy, secret: string): Snapshot {
  // Sections carried over from the previous cycle were masked then; masking twice would, for
  // example, turn a pseudonym into a pseudonym of a pseudonym.
  const fresh = (source: 'plex' | 'tautulli') => snapshot.sources[source].status === 'ok';
  const viewer = (v: Viewer | null): Viewer | null => maskViewer(v, policy.userNames, secret);
  const watching = (w: Watching | null): Watching | null => maskWatching(w, policy);
  const activity = snapshot.activity &&
    fresh('tautulli') && {
      ...snapshot.activity,
      bandwidthKbps: mapValues(snapshot.activity.bandwidthKbps, (n) => roundTo(n, policy.roundBandwidthKbps)),
      streams: snapshot.activity.streams
        .filter((s) => s.progress * s.durationMs >= policy.nowPlayingDelayS * 1000 || policy.nowPlayingDelayS === 0)
        .map((s) => ({
          ...s,
          kind: policy.watching === 'hidden' ? ('other' as const) : s.kind,
          bandwidthKbps: roundTo(s.bandwidthKbps, policy.roundBandwidthKbps),
          viewer: viewer(s.viewer),
          watching: watching(s.watching),
        })),
    };
  const library = snapshot.library &&
    fresh('plex') && {
      ...snapshot.library,
      // Private sections leave no trace at all: no name, no counts.
      sections: snapshot.library.sections
        .filter((s) => !s.private)
        .map((s) => ({ ...s, items: count(s.items, policy), counts: mapValues(s.counts, (n) => count(n, policy)) })),
      totals: mapValues(snapshot.library.totals, (n) => count(n, policy)),
      recentlyAdded: snapshot.library.recentlyAdded.map((r) => ({ ...r, watching: watching(r.watching) })),
    };
  const history = snapshot.history &&
    fresh('tautulli') && {
      ...snapshot.history,
      topUsers: snapshot.history.topUsers.map((u) => ({ ...u, viewer: viewer(u.viewer) })),
      topMovies: policy.watching === 'shown' ? snapshot.history.topMovies : [],
      topShows: policy.watching === 'shown' ? snapshot.history.topShows : [],
    };
  return {
    ...snapshot,
    activity: activity || snapshot.activity,
    library: library || snapshot.library,
    history: history || snapshot.history,
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

/** "a movie", "an episode": what a type-only policy shows in place of a title. */
export function describeKind(kind: MediaKind): string {
  const noun = {
    movie: 'movie',
    show: 'show',
    season: 'season',
    episode: 'episode',
    artist: 'artist',
    album: 'album',
    track: 'track',
    photo: 'photo',
    other: 'video',
  }[kind];
  return `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;
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
        ? snapshot.activity.streams.map((s) => ({ ...s, viewer: null, watching: null }))
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
