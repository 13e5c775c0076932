import { activityOf } from '../../snapshot/activity.js';
import { SNAPSHOT_VERSION, type HistoryPoint, type Library, type ServerState, type Snapshot, type Stream } from '../../snapshot/schema.js';

/**
 * Fixed demo data for the gallery, the golden images and the byte-limit tests: a busy evening
 * with three streams. Pinned to one instant so generated images never churn.
 */

/** The pinned clock: 2026-11-22 14:05:00 UTC. */
export const NOW = Date.UTC(2026, 10, 22, 14, 5, 0);
export const STALE_AFTER = 5 * 60_000;

const GiB = 1024 ** 3;

const ok = (at: number) => ({ status: 'ok' as const, updatedAt: at, durationMs: 120 });

export function stream(over: Partial<Stream> = {}): Stream {
  return {
    kind: 'movie',
    state: 'playing',
    decision: 'direct play',
    progress: 0.42,
    durationMs: 7_200_000,
    bandwidthKbps: 8_000,
    location: 'lan',
    watching: { title: 'The Long Voyage Home', grandparentTitle: null, year: 1940, thumb: '/library/metadata/101/thumb/1' },
    viewer: { name: 'alice' },
    ...over,
  };
}

export function sampleStreams(): Stream[] {
  return [
    stream(),
    stream({
      kind: 'episode',
      decision: 'transcode',
      progress: 0.8,
      bandwidthKbps: 4_500,
      location: 'wan',
      watching: { title: 'Pilot', grandparentTitle: 'Northern Lights', year: 2021, thumb: '/library/metadata/202/thumb/2' },
      viewer: { name: 'bob' },
    }),
    stream({
      kind: 'track',
      state: 'paused',
      decision: 'copy',
      progress: 0.1,
      bandwidthKbps: 320,
      watching: { title: 'Blue in Green', grandparentTitle: 'Miles Davis', year: 1959, thumb: '/library/metadata/303/thumb/3' },
      viewer: null,
    }),
  ];
}

/** Six additions over four days, newest first, their posters from the demo art (as an owner who opted in sees them). */
export function sampleRecentlyAdded(): Library['recentlyAdded'] {
  const item = (kind: Stream['kind'], hoursAgo: number, id: number, title: string, grandparentTitle: string | null = null) => ({
    kind,
    addedAt: NOW - hoursAgo * 3_600_000,
    sectionId: 1,
    watching: { title, grandparentTitle, year: 2024, thumb: `/library/metadata/${id}/thumb/1` },
  });
  return [
    item('movie', 2, 401, 'Paper Moons'),
    item('episode', 5, 402, 'Harbour Lights', 'Quiet Harbour'),
    item('movie', 26, 403, 'Ember Road'),
    item('movie', 30, 404, 'Salt & Iron'),
    item('album', 74, 405, 'The Last Orbit'),
    item('movie', 98, 406, 'Northern Lights'),
  ];
}

export function sampleSnapshot(over: Partial<Snapshot> = {}): Snapshot {
  const takenAt = NOW - 30_000;
  const streams = sampleStreams();
  const counts = { movies: 1234, shows: 156, seasons: 612, episodes: 8765, artists: 210, albums: 1400, tracks: 15230, photos: 0 };
  return {
    version: SNAPSHOT_VERSION,
    takenAt,
    state: 'busy',
    sources: { plex: ok(takenAt), tautulli: ok(takenAt), host: ok(takenAt) },
    library: {
      sections: [{ id: 1, name: 'Movies', kind: 'movie', items: 1234, counts, private: false }],
      totals: counts,
      totalBytes: 48.2 * 1024 * GiB,
      totalDurationMs: 2.1e10,
      recentlyAdded: sampleRecentlyAdded(),
    },
    activity: {
      streamCount: streams.length,
      directPlay: 1,
      directStream: 1,
      transcode: 1,
      playing: 2,
      paused: 1,
      bandwidthKbps: { total: 12_820, lan: 8_320, wan: 4_500 },
      streams,
    },
    history: {
      windows: {
        '24h': { plays: 23, watchTimeS: 61_200 },
        '7d': { plays: 140, watchTimeS: 402_000 },
        '30d': { plays: 610, watchTimeS: 1_700_000 },
      },
      topUsers: [],
      topMovies: [],
      topShows: [],
      topPlatforms: [
        { platform: 'Roku', plays: 212, watchTimeS: 640_000 },
        { platform: 'Chrome', plays: 158, watchTimeS: 410_000 },
        { platform: 'Android', plays: 121, watchTimeS: 300_000 },
        { platform: 'Apple TV', plays: 64, watchTimeS: 250_000 },
        { platform: 'Plex Web', plays: 40, watchTimeS: 100_000 },
      ],
      // Quiet mornings, busy evenings (peak at 8 PM), as most servers' graphs look.
      playsByHour: Array.from({ length: 24 }, (_, h) => Math.round(12 + 10 * Math.sin(((h - 14) / 24) * 2 * Math.PI))),
      playsByDay: [],
      playsByWeekday: [118, 74, 66, 71, 83, 109, 131],
      mostConcurrent: { streams: 6, at: NOW - 3 * 86_400_000 },
    },
    host: {
      cpu: { loadPct: 37.5, cores: 8, temperatureC: 58 },
      memory: { usedBytes: 11.3 * GiB, totalBytes: 32 * GiB },
      disks: [{ mount: '/media', usedBytes: 38 * 1024 * GiB, totalBytes: 56 * 1024 * GiB }],
      network: { rxBytesPerS: 250_000, txBytesPerS: 1_600_000 },
      uptimeS: 12 * 86_400 + 5 * 3600,
      transcoderRunning: true,
    },
    metrics: {},
    ...over,
  };
}

/** 24 h of 5-minute points with a deterministic evening peak. */
export function sampleHistory(): HistoryPoint[] {
  const out: HistoryPoint[] = [];
  for (let i = 288; i >= 0; i--) {
    const at = NOW - i * 300_000;
    const hour = new Date(at).getUTCHours() + new Date(at).getUTCMinutes() / 60;
    const wave = Math.max(0, Math.sin(((hour - 13) / 24) * 2 * Math.PI));
    const streams = Math.round(wave * 5.4 + 0.6 * Math.sin(i / 5));
    out.push({
      at,
      streams,
      transcodes: Math.floor(streams / 3),
      bandwidthKbps: streams * 4_100 + ((i * 13) % 5) * 200,
      cpuPct: 8 + streams * 9 + ((i * 11) % 7),
      memPct: 34 + streams * 2,
      temperatureC: 44 + streams * 3,
    });
  }
  return out;
}

/**
 * The demo snapshot as the default privacy policy (`watching: type-only`, `thumbnails: blur`)
 * leaves it: no titles, no viewers, each stream's thumb path alone for its blurred poster.
 */
export function typeOnlySnapshot(): Snapshot {
  const s = sampleSnapshot();
  const streams = s.activity!.streams.map((st) => ({
    ...st,
    watching: null,
    poster: st.watching?.thumb ?? null,
    viewer: null,
    durationMs: null,
  }));
  const recentlyAdded = s.library!.recentlyAdded.map((r) => ({ ...r, watching: null, poster: r.watching?.thumb ?? null }));
  return { ...s, library: { ...s.library!, recentlyAdded }, activity: { ...s.activity!, streams } };
}

interface DemoServer {
  id: string;
  name: string;
  state: ServerState;
  /** What plays now; null for a server that does not answer. */
  streams: () => Stream[] | null;
  /** Its evening: the hour (UTC) its streams peak, and how many at most. */
  peakHour: number;
  peak: number;
}

const episode = (over: Partial<Stream> = {}) =>
  stream({
    kind: 'episode',
    watching: { title: 'Harbour Lights', grandparentTitle: 'Quiet Harbour', year: 2024, thumb: '/library/metadata/402/thumb/1' },
    ...over,
  });

/**
 * The demo network: "Home" (the one-server demo's server) and "4K" (one remux played directly),
 * then six more for the eight-server case: an idle one, an overloaded one, one that does not
 * answer, so every row state shows.
 */
const DEMO_SERVERS: readonly DemoServer[] = [
  { id: 'home', name: 'Home', state: 'busy', streams: sampleStreams, peakHour: 15, peak: 5 },
  {
    id: '4k',
    name: '4K',
    state: 'online',
    streams: () => [stream({ bandwidthKbps: 62_000, viewer: { name: 'carol' } })],
    peakHour: 13,
    peak: 2,
  },
  {
    id: 'anime',
    name: 'Anime',
    state: 'online',
    streams: () => [episode({ decision: 'transcode', location: 'wan', bandwidthKbps: 6_000 }), episode({ bandwidthKbps: 3_200 })],
    peakHour: 16,
    peak: 3,
  },
  { id: 'kids', name: 'Kids', state: 'online', streams: () => [], peakHour: 10, peak: 2 },
  {
    id: 'music',
    name: 'Music',
    state: 'online',
    streams: () => [stream({ kind: 'track', decision: 'copy', bandwidthKbps: 320 })],
    peakHour: 12,
    peak: 1,
  },
  {
    id: 'europe',
    name: 'Europe',
    state: 'overloaded',
    streams: () => Array.from({ length: 5 }, (_, i) => episode({ decision: 'transcode', location: 'wan', bandwidthKbps: 4_000 + i * 500 })),
    peakHour: 14,
    peak: 6,
  },
  { id: 'archive', name: 'Archive', state: 'offline', streams: () => null, peakHour: 9, peak: 1 },
  {
    id: 'friends',
    name: 'Friends & Family',
    state: 'online',
    streams: () => [stream({ location: 'wan', bandwidthKbps: 8_000 }), episode({ location: 'wan', bandwidthKbps: 2_500 })],
    peakHour: 15,
    peak: 3,
  },
];

/** One demo server's streams at `at`: a smooth evening around its peak hour, never negative. */
function demoWave(server: DemoServer, at: number): number {
  const hour = (at / 3_600_000) % 24;
  const evening = 0.5 + 0.5 * Math.cos(((hour - server.peakHour) / 24) * 2 * Math.PI);
  return Math.max(0, Math.round(server.peak * evening ** 2 + 0.6 * Math.sin(at / 1_700_000)));
}

/** The highest of each half hour of the last 24 h, oldest first, as the collector fills network.rows[i].sparkline. */
function demoSparkline(server: DemoServer): number[] {
  return Array.from({ length: 48 }, (_, i) => {
    const end = NOW - (47 - i) * 1_800_000;
    return Math.max(...Array.from({ length: 6 }, (_, k) => demoWave(server, end - k * 300_000)));
  });
}

/**
 * The network snapshot of the first `count` demo servers (1..8), shaped as snapshot/network.ts
 * makes it: live activity summed over the servers that answer, the worst state of those, a row
 * each. The library and history are the one-server demo's (they are not what this shows).
 */
export function sampleNetworkSnapshot(count = 2): Snapshot {
  const servers = DEMO_SERVERS.slice(0, Math.max(1, Math.min(DEMO_SERVERS.length, count)));
  const answering = servers.filter((s) => s.state !== 'offline');
  const severity = (st: ServerState) => ['online', 'busy', 'overloaded', 'offline'].indexOf(st);
  const state = answering.length === 0 ? 'offline' : answering.map((s) => s.state).reduce((a, b) => (severity(b) > severity(a) ? b : a));
  const rows = servers.map((s) => {
    const streams = s.streams();
    return {
      id: s.id,
      name: s.name,
      state: s.state,
      streams: streams?.length ?? null,
      bandwidthKbps: streams ? streams.reduce((n, st) => n + st.bandwidthKbps, 0) : null,
      sparkline: demoSparkline(s),
    };
  });
  return sampleSnapshot({
    state,
    activity: activityOf(answering.flatMap((s) => s.streams() ?? [])),
    network: { servers: servers.length, online: answering.length, partial: answering.length < servers.length, rows },
  });
}

/** The network's own history (its store key) for the same servers: their streams summed. */
export function sampleNetworkHistory(count = 2): HistoryPoint[] {
  const servers = DEMO_SERVERS.slice(0, Math.max(1, Math.min(DEMO_SERVERS.length, count))).filter((s) => s.state !== 'offline');
  return sampleHistory().map((p) => {
    const streams = servers.reduce((n, s) => n + demoWave(s, p.at), 0);
    return { ...p, streams, transcodes: Math.floor(streams / 3), bandwidthKbps: streams * 5_200 };
  });
}

/** What the gallery, goldens and byte checks draw a template with: the network template gets the two-server network. */
export function demoData(template: string): { snapshot: Snapshot; history: HistoryPoint[] } {
  return template === 'network'
    ? { snapshot: sampleNetworkSnapshot(2), history: sampleNetworkHistory(2) }
    : { snapshot: sampleSnapshot(), history: sampleHistory() };
}
