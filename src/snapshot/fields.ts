/**
 * The catalogue of every snapshot path a template may bind, with its type, unit and meaning.
 *
 * It is data, not code, because three consumers read it: the template loader (unknown paths are
 * rejected at start-up), the formatter (the unit decides how a bare `{path}` prints), and later the
 * privacy inventory (the `identifying` flag). Custom metrics add `metrics.<name>` entries at runtime
 * through `extendCatalogue`, so the catalogue is never a closed enum.
 *
 * Paths are dotted and resolve against the Snapshot; `series.*` paths resolve against the store's
 * history points instead (they only make sense for chart widgets); list paths bind list widgets.
 */

export type FieldType = 'int' | 'number' | 'string' | 'boolean' | 'time' | 'enum' | 'list' | 'series';

/** How a number is to be read: a count, bytes, a ratio 0..1, a percentage 0..100 and so on. */
export type FieldUnit = 'count' | 'bytes' | 'bytes/s' | 'kbps' | 'ms' | 's' | 'ratio' | 'pct' | 'celsius' | 'epoch-ms' | 'none';

export interface FieldInfo {
  path: string;
  type: FieldType;
  unit: FieldUnit;
  description: string;
  /** True when the value can name a person or what they watch (privacy inventory). */
  identifying: boolean;
}

export type FieldCatalogue = ReadonlyMap<string, FieldInfo>;

type Row = [path: string, type: FieldType, unit: FieldUnit, description: string, identifying?: boolean];

const counts = ['movies', 'shows', 'seasons', 'episodes', 'artists', 'albums', 'tracks', 'photos'] as const;

const rows: Row[] = [
  ['takenAt', 'time', 'epoch-ms', 'When the collection cycle behind this snapshot started'],
  ['state', 'enum', 'none', 'Server state: online, busy, overloaded or offline'],
  ...(['plex', 'tautulli', 'host'] as const).flatMap((s): Row[] => [
    [`sources.${s}.status`, 'enum', 'none', `Status of the ${s} source this cycle: ok, stale or error`],
    [`sources.${s}.updatedAt`, 'time', 'epoch-ms', `When the ${s} data shown was read`],
    [`sources.${s}.durationMs`, 'number', 'ms', `How long reading ${s} took`],
  ]),
  ...counts.map((k): Row => [`library.totals.${k}`, 'int', 'count', `Number of ${k} in public libraries`]),
  ['library.totalBytes', 'number', 'bytes', 'Size of all public library media'],
  ['library.totalDurationMs', 'number', 'ms', 'Running time of all public library media'],
  ['library.sections', 'list', 'none', 'Library sections (name, kind, item counts)'],
  ['library.recentlyAdded', 'list', 'none', 'Recently added items; titles are identifying', true],
  ['activity.streamCount', 'int', 'count', 'Streams in progress'],
  ['activity.directPlay', 'int', 'count', 'Streams playing directly'],
  ['activity.directStream', 'int', 'count', 'Streams copying the video stream (direct stream)'],
  ['activity.transcode', 'int', 'count', 'Streams being transcoded'],
  ['activity.playing', 'int', 'count', 'Streams playing (not paused)'],
  ['activity.paused', 'int', 'count', 'Streams paused'],
  ['activity.bandwidthKbps.total', 'number', 'kbps', 'Total streaming bandwidth'],
  ['activity.bandwidthKbps.lan', 'number', 'kbps', 'Streaming bandwidth to the local network'],
  ['activity.bandwidthKbps.wan', 'number', 'kbps', 'Streaming bandwidth to remote viewers'],
  ['activity.streams', 'list', 'none', 'Streams in progress; viewer and title are identifying', true],
  ...(['24h', '7d', '30d'] as const).flatMap((w): Row[] => [
    [`history.windows.${w}.plays`, 'int', 'count', `Plays in the last ${w}`],
    [`history.windows.${w}.watchTimeS`, 'number', 's', `Watch time in the last ${w}`],
  ]),
  ['history.topUsers', 'list', 'none', 'Most active viewers, last 30 days; names are identifying', true],
  ['history.topMovies', 'list', 'none', 'Most played movies, last 30 days; titles are identifying', true],
  ['history.topShows', 'list', 'none', 'Most played shows, last 30 days; titles are identifying', true],
  ['history.topPlatforms', 'list', 'none', 'Most used playback platforms, last 30 days'],
  ['history.playsByHour', 'list', 'count', "Plays per local hour of day, last 30 days (24 buckets, as Tautulli's graph)"],
  ['history.playsByDay', 'list', 'count', 'Plays per local calendar day, last 30 days, oldest first'],
  ['history.playsByWeekday', 'list', 'count', 'Plays per local weekday, last 30 days, Sunday first (7 buckets)'],
  ['history.mostConcurrent.streams', 'int', 'count', 'Most streams at once, last 30 days'],
  ['history.mostConcurrent.at', 'time', 'epoch-ms', 'When the most concurrent streams happened'],
  ['host.cpu.loadPct', 'number', 'pct', 'CPU load'],
  ['host.cpu.cores', 'int', 'count', 'CPU cores'],
  ['host.cpu.temperatureC', 'number', 'celsius', 'CPU temperature, when the host reports one'],
  ['host.memory.usedBytes', 'number', 'bytes', 'Memory in use'],
  ['host.memory.totalBytes', 'number', 'bytes', 'Installed memory'],
  ['host.disks', 'list', 'none', 'Disks (mount, used and total bytes)'],
  ['host.network.rxBytesPerS', 'number', 'bytes/s', 'Network receive rate'],
  ['host.network.txBytesPerS', 'number', 'bytes/s', 'Network send rate'],
  ['host.uptimeS', 'number', 's', 'Host uptime'],
  ['host.transcoderRunning', 'boolean', 'none', 'Whether the Plex transcoder is running'],
  ['server.id', 'string', 'none', 'With several servers: the id of the server this image is of (absent on the network)'],
  ['server.name', 'string', 'none', 'With several servers: its display name, as the config gives it'],
  ['network.servers', 'int', 'count', 'The network image: how many servers the config lists'],
  ['network.online', 'int', 'count', 'The network image: how many servers answer'],
  ['network.partial', 'boolean', 'none', "The network image: whether any server's data is missing or carried over"],
  ['network.rows', 'list', 'none', 'The network image: each server (name, state, streams, bandwidth, 24 h streams)'],
  ['series.streams', 'series', 'count', 'Streams over time (store history)'],
  ['series.transcodes', 'series', 'count', 'Transcodes over time (store history)'],
  ['series.bandwidthKbps', 'series', 'kbps', 'Streaming bandwidth over time (store history)'],
  ['series.cpuPct', 'series', 'pct', 'CPU load over time (store history)'],
  ['series.memPct', 'series', 'pct', 'Memory use over time (store history)'],
  ['series.temperatureC', 'series', 'celsius', 'CPU temperature over time (store history)'],
];

function toInfo([path, type, unit, description, identifying = false]: Row): FieldInfo {
  return { path, type, unit, description, identifying };
}

/** The built-in catalogue (a fresh map each call: callers may extend their own copy). */
export function builtinFields(): Map<string, FieldInfo> {
  return new Map(rows.map((r) => [r[0], toInfo(r)]));
}

/**
 * Adds runtime entries (custom metrics) to a copy of `base`. A metric must live under `metrics.`
 * so it can never shadow a snapshot path.
 */
export function extendCatalogue(base: FieldCatalogue, extra: readonly FieldInfo[]): FieldCatalogue {
  const out = new Map(base);
  for (const f of extra) {
    if (!f.path.startsWith('metrics.')) throw new Error(`custom field ${f.path} must start with "metrics."`);
    out.set(f.path, f);
  }
  return out;
}

/** The history point property behind a `series.*` path. */
export function seriesKey(path: string): string | null {
  return path.startsWith('series.') ? path.slice('series.'.length) : null;
}
