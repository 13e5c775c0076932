import { z } from 'zod';

/**
 * The snapshot is the only contract between the collector and everything downstream (stores,
 * renderer, JSON routes). Bump SNAPSHOT_VERSION on any incompatible change; stores keep the version
 * beside every row so an old row is never misread.
 *
 * Identifying data (who watches, what they watch) lives only under the `viewer` and `watching`
 * sub-objects so the privacy policy can act on it in one place; it is never mixed into counts.
 */
export const SNAPSHOT_VERSION = 1;

export const sourceNames = ['plex', 'tautulli', 'host'] as const;
export type SourceName = (typeof sourceNames)[number];

export const serverStates = ['online', 'busy', 'overloaded', 'offline'] as const;
export type ServerState = (typeof serverStates)[number];

export const sourceStatusSchema = z.object({
  /** ok: read this cycle; stale: this cycle failed, data carried over from `updatedAt`; error: no data. */
  status: z.enum(['ok', 'stale', 'error']),
  /** Epoch ms of the data shown for this source, null when there is none. */
  updatedAt: z.number().nullable(),
  durationMs: z.number(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type SourceStatus = z.infer<typeof sourceStatusSchema>;

export const mediaCountsSchema = z.object({
  movies: z.number().int(),
  shows: z.number().int(),
  seasons: z.number().int(),
  episodes: z.number().int(),
  artists: z.number().int(),
  albums: z.number().int(),
  tracks: z.number().int(),
  photos: z.number().int(),
});
export type MediaCounts = z.infer<typeof mediaCountsSchema>;

export const mediaKinds = ['movie', 'show', 'season', 'episode', 'artist', 'album', 'track', 'photo', 'other'] as const;
export type MediaKind = (typeof mediaKinds)[number];

/** What is being watched: titles are identifying in context, so they sit apart. */
export const watchingSchema = z.object({
  title: z.string(),
  /** Show or artist, when the item has one. */
  grandparentTitle: z.string().nullable(),
  year: z.number().int().nullable(),
  /** Plex thumb path (relative, never with a token); resolved by the poster cache. */
  thumb: z.string().nullable(),
});
export type Watching = z.infer<typeof watchingSchema>;

export const viewerSchema = z.object({ name: z.string() });
export type Viewer = z.infer<typeof viewerSchema>;

export const librarySectionSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  kind: z.enum(['movie', 'show', 'artist', 'photo', 'other']),
  /** Items of the section's top-level kind (movies, shows, artists, photos). */
  items: z.number().int(),
  counts: mediaCountsSchema,
  /** Private sections keep their counts out of public totals (privacy policy). */
  private: z.boolean(),
});

export const recentItemSchema = z.object({
  kind: z.enum(mediaKinds),
  addedAt: z.number(),
  sectionId: z.number().int(),
  watching: watchingSchema.nullable(),
  /** As Stream.poster: a thumb path without its title, under type-only with blurred thumbnails. */
  poster: z.string().nullable().optional(),
});

export const librarySchema = z.object({
  sections: z.array(librarySectionSchema),
  totals: mediaCountsSchema,
  /**
   * Size and running time of the public media files. Null where the source cannot give them cheaply:
   * over Plex's API they are Plex's own per-library totals, which some servers do not report.
   */
  totalBytes: z.number().nullable(),
  totalDurationMs: z.number().nullable(),
  recentlyAdded: z.array(recentItemSchema),
});
export type Library = z.infer<typeof librarySchema>;

export const streamDecisions = ['direct play', 'copy', 'transcode'] as const;

export const streamSchema = z.object({
  kind: z.enum(mediaKinds),
  state: z.enum(['playing', 'paused', 'buffering']),
  decision: z.enum(streamDecisions),
  /** 0..1 */
  progress: z.number(),
  /** Null once the privacy policy hides what is watched: a runtime can name the film. */
  durationMs: z.number().nullable(),
  /**
   * Epoch ms the stream started, when the source knows it. Read by the privacy step (nowPlayingDelayS)
   * and then removed: it never leaves the collector.
   */
  startedAt: z.number().nullable().optional(),
  bandwidthKbps: z.number(),
  location: z.enum(['lan', 'wan']),
  watching: watchingSchema.nullable(),
  /**
   * Plex thumb path of what plays, alone: set by the privacy step when it withholds the title but
   * lets a blurred poster through (watching: type-only, thumbnails: blur). Never beside a title
   * (a shown title keeps its thumb in `watching`), never for a private section.
   */
  poster: z.string().nullable().optional(),
  viewer: viewerSchema.nullable(),
});
export type Stream = z.infer<typeof streamSchema>;

export const activitySchema = z.object({
  streamCount: z.number().int(),
  directPlay: z.number().int(),
  directStream: z.number().int(),
  transcode: z.number().int(),
  playing: z.number().int(),
  paused: z.number().int(),
  bandwidthKbps: z.object({ total: z.number(), lan: z.number(), wan: z.number() }),
  streams: z.array(streamSchema),
});
export type Activity = z.infer<typeof activitySchema>;

export const windowStatsSchema = z.object({ plays: z.number().int(), watchTimeS: z.number() });

export const historySchema = z.object({
  windows: z.object({ '24h': windowStatsSchema, '7d': windowStatsSchema, '30d': windowStatsSchema }),
  topUsers: z.array(z.object({ viewer: viewerSchema.nullable(), plays: z.number().int(), watchTimeS: z.number() })),
  topMovies: z.array(z.object({ watching: watchingSchema.nullable(), plays: z.number().int(), watchTimeS: z.number() })),
  topShows: z.array(z.object({ watching: watchingSchema.nullable(), plays: z.number().int(), watchTimeS: z.number() })),
  topPlatforms: z.array(z.object({ platform: z.string(), plays: z.number().int(), watchTimeS: z.number() })),
  /**
   * 24 buckets, local hour of day, last 30 days, as Tautulli's graphs count them: a play counts once in
   * each hour where one of its segments started (so the sums can exceed the 30-day play count).
   */
  playsByHour: z.array(z.number().int()).length(24),
  /** One bucket per local day, oldest first, last 30 days (missing days are 0). */
  playsByDay: z.array(z.object({ date: z.string(), plays: z.number().int() })),
  /**
   * 7 buckets, local weekday of each segment's start, Sunday first, last 30 days. Snapshots stored
   * before this field existed read as zeros until the next cycle rather than being discarded.
   */
  playsByWeekday: z
    .array(z.number().int())
    .length(7)
    .default(() => [0, 0, 0, 0, 0, 0, 0]),
  mostConcurrent: z.object({ streams: z.number().int(), at: z.number().nullable() }),
});
export type History = z.infer<typeof historySchema>;

export const hostSchema = z.object({
  cpu: z.object({ loadPct: z.number(), cores: z.number().int(), temperatureC: z.number().nullable() }),
  memory: z.object({ usedBytes: z.number(), totalBytes: z.number() }),
  disks: z.array(z.object({ mount: z.string(), usedBytes: z.number(), totalBytes: z.number() })),
  network: z.object({ rxBytesPerS: z.number(), txBytesPerS: z.number() }),
  uptimeS: z.number(),
  transcoderRunning: z.boolean(),
});
export type Host = z.infer<typeof hostSchema>;

export const metricValueSchema = z.object({
  status: z.enum(['ok', 'error']),
  error: z.string().optional(),
  value: z.unknown(),
});

export const snapshotSchema = z.object({
  version: z.literal(SNAPSHOT_VERSION),
  /** Epoch ms when the cycle that produced this snapshot started. */
  takenAt: z.number(),
  state: z.enum(serverStates),
  sources: z.object({ plex: sourceStatusSchema, tautulli: sourceStatusSchema, host: sourceStatusSchema }),
  library: librarySchema.nullable(),
  activity: activitySchema.nullable(),
  history: historySchema.nullable(),
  host: hostSchema.nullable(),
  metrics: z.record(z.string(), metricValueSchema),
  /**
   * Which privacy policy produced this snapshot: a keyed hash of it (policyStamp), not the policy.
   * A later cycle carries a failed source's data over only from a snapshot with the same stamp.
   */
  privacy: z.string().optional(),
  /**
   * Which server of several this snapshot is of (issue 20): its id and display name, so its own
   * images can name it. Absent with one server, and on the network snapshot.
   */
  server: z.object({ id: z.string(), name: z.string() }).optional(),
  /**
   * Only on the network snapshot (several servers, issue 20; snapshot/network.ts): how many servers,
   * how many answer, whether any section is missing or carried over, and a row per server for the
   * network template. Absent on a server's own snapshot.
   */
  network: z
    .object({
      servers: z.number().int(),
      online: z.number().int(),
      partial: z.boolean(),
      rows: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          state: z.enum(serverStates),
          /** Null when the server's live activity is not current (its Tautulli stale, or no data). */
          streams: z.number().int().nullable(),
          bandwidthKbps: z.number().nullable(),
          /**
           * The server's streams over the last 24 hours for the row's sparkline, oldest first: the
           * highest count of each half hour (48 values); absent when its history is not known.
           */
          sparkline: z.array(z.number()).max(48).optional(),
        }),
      ),
    })
    .optional(),
});
export type Snapshot = z.infer<typeof snapshotSchema>;

/** One point of the time series kept for graphs. */
export const historyPointSchema = z.object({
  at: z.number(),
  streams: z.number(),
  transcodes: z.number(),
  bandwidthKbps: z.number(),
  cpuPct: z.number().nullable(),
  memPct: z.number().nullable(),
  temperatureC: z.number().nullable(),
});
export type HistoryPoint = z.infer<typeof historyPointSchema>;
