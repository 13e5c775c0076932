import type { HistoryPoint, Snapshot } from '../../src/snapshot/schema.js';

/**
 * A complete, valid snapshot that exercises every shape the stores must round-trip: nulls,
 * empty and nested arrays, record keys that are not identifiers, booleans, floats, strings that
 * look like numbers or formulas, and an unknown-typed metric value.
 */
export function sampleSnapshot(takenAt = Date.UTC(2025, 0, 15, 12, 0, 0)): Snapshot {
  const day = 86_400_000;
  return {
    version: 1,
    takenAt,
    state: 'busy',
    sources: {
      plex: { status: 'ok', updatedAt: takenAt, durationMs: 142 },
      tautulli: {
        status: 'stale',
        updatedAt: takenAt - 60_000,
        durationMs: 5003,
        error: { code: 'ETIMEDOUT', message: 'timed out after 5000 ms' },
      },
      host: { status: 'ok', updatedAt: takenAt, durationMs: 12.5 },
    },
    library: {
      sections: [
        {
          id: 1,
          name: 'Movies',
          kind: 'movie',
          items: 1234,
          counts: { movies: 1234, shows: 0, seasons: 0, episodes: 0, artists: 0, albums: 0, tracks: 0, photos: 0 },
          private: false,
        },
        {
          id: 2,
          name: 'TV Shows',
          kind: 'show',
          items: 87,
          counts: { movies: 0, shows: 87, seasons: 301, episodes: 5120, artists: 0, albums: 0, tracks: 0, photos: 0 },
          private: false,
        },
        {
          id: 7,
          name: 'Home videos',
          kind: 'other',
          items: 12,
          counts: { movies: 0, shows: 0, seasons: 0, episodes: 0, artists: 0, albums: 0, tracks: 0, photos: 0 },
          private: true,
        },
      ],
      totals: { movies: 1234, shows: 87, seasons: 301, episodes: 5120, artists: 0, albums: 0, tracks: 0, photos: 0 },
      totalBytes: 48_318_382_080_123,
      totalDurationMs: 9_876_543_210,
      recentlyAdded: [
        {
          kind: 'movie',
          addedAt: takenAt - 3_600_000,
          sectionId: 1,
          watching: { title: '=HYPERLINK("http://evil")', grandparentTitle: null, year: 2024, thumb: '/library/metadata/9/thumb/1' },
        },
        { kind: 'episode', addedAt: takenAt - 7_200_000, sectionId: 2, watching: null },
      ],
    },
    activity: {
      streamCount: 2,
      directPlay: 1,
      directStream: 0,
      transcode: 1,
      playing: 1,
      paused: 1,
      bandwidthKbps: { total: 12_500.5, lan: 8000, wan: 4500.5 },
      streams: [
        {
          kind: 'episode',
          state: 'playing',
          decision: 'transcode',
          progress: 0.4275,
          durationMs: 2_640_000,
          bandwidthKbps: 4500.5,
          location: 'wan',
          watching: { title: 'Pilot', grandparentTitle: 'Some Show', year: 2019, thumb: null },
          viewer: { name: 'alice' },
        },
        {
          kind: 'movie',
          state: 'paused',
          decision: 'direct play',
          progress: 0,
          durationMs: 7_200_000,
          bandwidthKbps: 8000,
          location: 'lan',
          watching: { title: '007', grandparentTitle: null, year: null, thumb: null },
          viewer: null,
        },
      ],
    },
    history: {
      windows: {
        '24h': { plays: 5, watchTimeS: 12_000 },
        '7d': { plays: 31, watchTimeS: 90_000.5 },
        '30d': { plays: 120, watchTimeS: 400_000 },
      },
      topUsers: [
        { viewer: { name: 'alice' }, plays: 40, watchTimeS: 100_000 },
        { viewer: null, plays: 3, watchTimeS: 900 },
      ],
      topMovies: [{ watching: { title: 'Heat', grandparentTitle: null, year: 1995, thumb: '/t/1' }, plays: 4, watchTimeS: 20_000 }],
      topShows: [],
      topPlatforms: [{ platform: 'Roku', plays: 50, watchTimeS: 150_000 }],
      playsByHour: Array.from({ length: 24 }, (_, h) => (h * 7) % 11),
      playsByDay: Array.from({ length: 3 }, (_, i) => ({
        date: new Date(takenAt - (2 - i) * day).toISOString().slice(0, 10),
        plays: i + 1,
      })),
      playsByWeekday: [3, 1, 4, 1, 5, 9, 2],
      mostConcurrent: { streams: 4, at: takenAt - 5 * day },
    },
    host: {
      cpu: { loadPct: 37.25, cores: 8, temperatureC: null },
      memory: { usedBytes: 6_442_450_944, totalBytes: 17_179_869_184 },
      disks: [{ mount: '/', usedBytes: 100, totalBytes: 1000 }],
      network: { rxBytesPerS: 1234.5, txBytesPerS: 0 },
      uptimeS: 864_000,
      transcoderRunning: true,
    },
    metrics: {
      'custom.queue depth': { status: 'ok', value: { nested: [1, 'two', true, null], empty: {} } },
      broken: { status: 'error', error: 'boom', value: null },
      plain: { status: 'ok', value: -0.5 },
    },
  };
}

/** The history point a collector would derive from the snapshot at `takenAt`. */
export function samplePoint(takenAt = Date.UTC(2025, 0, 15, 12, 0, 0), i = 0): HistoryPoint {
  return {
    at: takenAt,
    streams: 2 + (i % 3),
    transcodes: i % 2,
    bandwidthKbps: 12_500.5 + i,
    cpuPct: i % 4 === 3 ? null : 37.25 + i,
    memPct: 37.5,
    temperatureC: null,
  };
}

/** A snapshot/point pair for cycle `i` of a run starting at `start`, one cycle per `stepMs`. */
export function sampleCycle(
  i: number,
  start = Date.UTC(2025, 0, 15, 12, 0, 0),
  stepMs = 60_000,
): { snapshot: Snapshot; point: HistoryPoint } {
  const takenAt = start + i * stepMs;
  const snapshot = sampleSnapshot(takenAt);
  snapshot.activity!.streamCount = 2 + (i % 3);
  return { snapshot, point: samplePoint(takenAt, i) };
}
