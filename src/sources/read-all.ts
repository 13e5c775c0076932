import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import type { SourceResults } from '../snapshot/merge.js';
import type { History, Host, Library } from '../snapshot/schema.js';
import type { PlexIdentities, TautulliExtras } from '../snapshot/source-results.js';
import type { PlexResult } from './plex/plex-source.js';
import { createHostReader, type SystemInfo } from './host/host-source.js';
import { createNodeExporterReader } from './host-metrics/node-exporter-source.js';
import { readPlexApi, readPlexSessions } from './plex-api/index.js';
import type { PlexSourceOptions } from './plex/plex-source.js';
import { ReaderThread } from './reader-thread.js';
import { publicError, sourceError, type SourceResult } from './result.js';
import { readTautulliApi } from './tautulli-api/tautulli-api-source.js';
import type { TautulliApiExtrasCache } from './tautulli-api/network-extras.js';
import type { PlexApiIdentitiesCache } from './plex-api/identities.js';
import type { TautulliHistoryUnchanged } from './tautulli/change-tokens.js';
import type { TautulliData, TautulliResult, TautulliSourceOptions } from './tautulli/tautulli-source.js';

/** Plex's HTTP API, used for the library where no `plex.db` is set (issue 14). */
export interface PlexApiConfig {
  url: string;
  token: string;
  caFile?: string;
}

/** Tautulli's API v2, used where no `tautulli.db` is set. */
export interface TautulliApiConfig {
  url: string;
  apiKey: string;
  caFile?: string;
}

/** A Prometheus node_exporter on the Plex host, read instead of this machine's hardware. */
export interface HostMetricsConfig {
  url: string;
  basicAuth?: { username: string; password: string };
  caFile?: string;
}

/**
 * One Plex server's sources. Each of Plex and Tautulli is read from its database where a path is
 * set, else over its HTTP API where a URL is set, else reported `unconfigured`; the host is this
 * machine unless a node_exporter URL is set.
 */
export interface SourcesConfig {
  plexDb: string;
  tautulliDb: string;
  plexApi?: PlexApiConfig;
  tautulliApi?: TautulliApiConfig;
  hostMetrics?: HostMetricsConfig;
  privateSections: ReadonlyArray<string | number>;
  timeZone: string;
  hostTimeoutMs: number;
  systemInfo?: SystemInfo;
  /** See TautulliSourceOptions.sessionsStaleAfterMs (config tautulli.sessionsStaleAfterS; off in demo mode). */
  tautulliSessionsStaleAfterMs?: number;
  /** See TautulliSourceOptions.groupHistory (config tautulli.groupHistory). */
  tautulliGroupHistory?: boolean;
  /**
   * Time limit of each database read (config collector.sourceTimeoutMs; default 10 s). Past it the
   * section is `timeout` and the reader thread is replaced.
   */
  dbTimeoutMs?: number;
  /** SQLite's busy timeout; default the smaller of 5 s and half the time limit, so a lock reads as `locked`. */
  busyTimeoutMs?: number;
  /**
   * Also read what the network image needs (issue 20: identities and Tautulli's rows of every key),
   * from the databases or the APIs; only with several servers, since it reads every item's GUID.
   */
  networkExtras?: boolean;
}

const DEFAULT_DB_TIMEOUT_MS = 10_000;
/**
 * How long a kept Tautulli history section is trusted on its token alone (tautulli/change-tokens.ts): the
 * token sees every play added, deleted or leaving a window, not a row Tautulli rewrites in place
 * (a re-matched title), which therefore shows within this long.
 */
export const HISTORY_MAX_AGE_MS = 10 * 60_000;
const MAX_BUSY_TIMEOUT_MS = 5_000;

/** What the sources read, from the configuration: the one mapping the server and the bench share. */
export function sourcesConfig(config: Config): SourcesConfig {
  return {
    plexDb: config.plex.db,
    tautulliDb: config.tautulli.db,
    privateSections: config.privacy.privateSections,
    timeZone: config.render.timeZone,
    hostTimeoutMs: config.collector.sourceTimeoutMs,
    dbTimeoutMs: config.collector.sourceTimeoutMs,
    // The demo databases never change, yet show live streams.
    tautulliSessionsStaleAfterMs: config.demo ? 0 : config.tautulli.sessionsStaleAfterS * 1000,
    tautulliGroupHistory: config.tautulli.groupHistory,
    ...(config.plex.url && config.plex.token
      ? { plexApi: { url: config.plex.url, token: config.plex.token, ...(config.plex.caFile ? { caFile: config.plex.caFile } : {}) } }
      : {}),
    ...(config.tautulli.url && config.tautulli.apiKey
      ? {
          tautulliApi: {
            url: config.tautulli.url,
            apiKey: config.tautulli.apiKey,
            ...(config.tautulli.caFile ? { caFile: config.tautulli.caFile } : {}),
          },
        }
      : {}),
    ...(config.host.url
      ? {
          hostMetrics: {
            url: config.host.url,
            ...(config.host.username ? { basicAuth: { username: config.host.username, password: config.host.password ?? '' } } : {}),
            ...(config.host.caFile ? { caFile: config.host.caFile } : {}),
          },
        }
      : {}),
  };
}

/**
 * This machine's host reader for several servers that run on it: the servers' cycles start
 * together, and a reading still in flight is shared rather than taken again (one set of
 * processes spawned a cycle, one reading of the same machine).
 */
export function sharedLocalHost(options: { timeoutMs: number; systemInfo?: SystemInfo }): () => Promise<SourceResult<Host>> {
  const read = createHostReader({ timeoutMs: options.timeoutMs, ...(options.systemInfo ? { systemInfo: options.systemInfo } : {}) });
  let inFlight: Promise<SourceResult<Host>> | null = null;
  return () => {
    inFlight ??= read().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };
}

/** Reads every source for one cycle; `close` stops the database reader thread (on shutdown). */
export type SourceReader = ((now: number) => Promise<SourceResults>) & { close(): Promise<void> };

/**
 * Host metrics are async (child processes, /proc) and run on this thread; the Plex and Tautulli
 * reads are synchronous SQLite and run on a reader thread (reader-thread.ts), so a locked database
 * or a slow read never delays an HTTP response. One host reader lives as long as the returned
 * function, so its slow readings (disks, CPU info, sensors) are reused across cycles.
 *
 * This is also where source errors are made public: each failed read is logged with its raw cause,
 * and leaves with only its code and that code's fixed message.
 */
export function createSourceReader(
  c: SourcesConfig,
  options: {
    logger?: Logger;
    /**
     * This machine's reader, shared by every server whose host is this machine (several servers:
     * one reading a cycle, not one per server; see sharedLocalHost). Ignored with a node_exporter.
     */
    localHost?: () => Promise<SourceResult<Host>>;
  } = {},
): SourceReader {
  // The node_exporter reader keeps the previous scrape's counters (rates over the cycle): one per host.
  const readHost = c.hostMetrics
    ? createNodeExporterReader({ ...c.hostMetrics, timeoutMs: c.hostTimeoutMs })
    : (options.localHost ?? createHostReader({ timeoutMs: c.hostTimeoutMs, ...(c.systemInfo ? { systemInfo: c.systemInfo } : {}) }));
  const timeoutMs = c.dbTimeoutMs ?? DEFAULT_DB_TIMEOUT_MS;
  const busyTimeoutMs = c.busyTimeoutMs ?? Math.min(MAX_BUSY_TIMEOUT_MS, Math.floor(timeoutMs / 2));
  const thread = new ReaderThread({ timeoutMs, onRecycle: (why) => options.logger?.warn({ why }, 'database reader thread replaced') });
  const published = <T>(source: string, result: SourceResult<T>, db?: string): SourceResult<T> => {
    if (result.ok) return result;
    options.logger?.warn({ source, db, code: result.error.code, cause: result.error.detail }, 'source read failed');
    return { ...result, error: publicError(result.error) };
  };
  const apiTimeoutMs = c.hostTimeoutMs;
  // The identities read last: while the library's token is unchanged the thread answers `unchanged`
  // and these are reused, so a quiet library costs one token query a cycle, not every GUID.
  let identities: PlexIdentities | null = null;
  let lastMissing = '';
  // The Tautulli extras read last from the database, with their token (see readTautulli).
  let kept: (TautulliExtras & { token: string }) | null = null;
  // The Tautulli history section read last from the database, with its token and when it was read:
  // while the token holds, the reader thread answers `unchanged` with fresh 24-hour and 7-day
  // windows, and this one is handed on with them.
  let keptHistory: { token: string; history: History; malformed: number; readAt: number } | null = null;
  // Over Tautulli's API the history's segments are kept likewise, and read again only when it changed.
  const tautulliExtrasCache: TautulliApiExtrasCache = {};
  const plexIdentitiesCache: PlexApiIdentitiesCache = {};
  // Database reads go to the reader thread; HTTP reads are I/O and run here, concurrently with it.
  // The reader thread hands back the worker's whole result, extras included (structured clone).
  const readPlex = (): Promise<PlexResult> => {
    const networkExtras = c.networkExtras ? (identities ? { knownToken: identities.token } : true) : undefined;
    if (c.plexDb) {
      return thread.read<Library>({ source: 'plex', options: plexOptions(c, busyTimeoutMs, networkExtras) }) as Promise<PlexResult>;
    }
    if (c.plexApi)
      return readPlexApi({
        ...c.plexApi,
        timeoutMs: apiTimeoutMs,
        privateSections: c.privateSections,
        ...(networkExtras ? { networkExtras, identitiesCache: plexIdentitiesCache } : {}),
      });
    return Promise.resolve(unconfigured('plex.db or plex.url with plex.token'));
  };
  const readTautulli = async (now: number): Promise<TautulliResult> => {
    if (c.tautulliDb) {
      const fresh = keptHistory && now >= keptHistory.readAt && now - keptHistory.readAt < HISTORY_MAX_AGE_MS ? keptHistory : null;
      const result = (await thread.read<TautulliData>({
        source: 'tautulli',
        options: {
          ...tautulliOptions(c, now, busyTimeoutMs, c.networkExtras ? (kept ? { knownToken: kept.token } : true) : undefined),
          historyCache: fresh ? { knownToken: fresh.token } : true,
        },
      })) as TautulliResult;
      return withKeptHistory(result, now, fresh);
    }
    if (c.tautulliApi)
      return readTautulliApi({
        ...c.tautulliApi,
        timeoutMs: apiTimeoutMs,
        privateSections: c.privateSections,
        ...(c.tautulliGroupHistory === undefined ? {} : { groupHistory: c.tautulliGroupHistory }),
        ...(c.networkExtras ? { networkExtras: true, now, extrasCache: tautulliExtrasCache } : {}),
      });
    // No Tautulli at all: Plex's own /status/sessions still tells what plays now (no history).
    if (c.plexApi)
      return readPlexSessions({ ...c.plexApi, timeoutMs: apiTimeoutMs, privateSections: c.privateSections }).then((r) =>
        r.ok ? { ...r, data: { activity: r.data, history: null } } : r,
      );
    return Promise.resolve(unconfigured('tautulli.db or tautulli.url with tautulli.apiKey'));
  };
  /** The history section back in an `unchanged` answer; what a full answer read, kept for the next. */
  const withKeptHistory = (result: TautulliResult, now: number, fresh: typeof keptHistory): TautulliResult => {
    const answer = result.ok ? result.historyCache : undefined;
    if (!result.ok || !answer) {
      keptHistory = null;
      return result;
    }
    const { historyCache: _answer, ...rest } = result;
    if ('unchanged' in answer) {
      const held = answer as TautulliHistoryUnchanged;
      if (!fresh || held.token !== fresh.token) {
        // Never expected (the thread answers `unchanged` only to the token it was given): no
        // history beats a wrong one, and the next read is whole.
        keptHistory = null;
        return { ...rest, data: { ...result.data, history: null } };
      }
      const skipped = result.data.skipped && { ...result.data.skipped, malformedHistory: fresh.malformed };
      const history = { ...fresh.history, windows: { ...fresh.history.windows, ...held.windows } };
      return { ...rest, data: { ...result.data, history, ...(skipped ? { skipped } : {}) } };
    }
    keptHistory = result.data.history
      ? { token: answer.token, history: result.data.history, malformed: result.data.skipped?.malformedHistory ?? 0, readAt: now }
      : null;
    return rest;
  };
  const read = async (now: number): Promise<SourceResults> => {
    const host = readHost();
    const plex = readPlex();
    // Both on the reader thread: Tautulli waits its turn, so a Plex read the thread gives up on (and
    // the thread with it) does not take Tautulli's read down too. An HTTP read never waits.
    const tautulli = c.plexDb && c.tautulliDb ? plex.then(() => readTautulli(now)) : readTautulli(now);
    const [hostResult, plexResult, tautulliResult] = await Promise.all([host, plex, tautulli]);
    const extras = c.networkExtras ? networkExtrasOf(plexResult, tautulliResult) : undefined;
    return {
      plex: published('plex', withoutExtras(plexResult), c.plexDb || c.plexApi?.url),
      tautulli: published('tautulli', withoutExtras(tautulliResult), c.tautulliDb || c.tautulliApi?.url),
      host: published('host', hostResult, c.hostMetrics?.url),
      ...(extras ? { extras } : {}),
    };
  };
  const networkExtrasOf = (plexResult: PlexResult, tautulliResult: TautulliResult) => {
    const plexExtras = plexResult.ok ? plexResult.extras : undefined;
    if (plexExtras && 'types' in plexExtras) identities = plexExtras;
    else if (!plexExtras || plexExtras.token !== identities?.token) identities = null;
    const answered = tautulliResult.ok ? tautulliResult.extras : undefined;
    // Kept while the database reader says its token holds (an `unchanged` answer), as the identities.
    if (answered && 'unchanged' in answered) {
      if (answered.token !== kept?.token) kept = null;
    } else kept = answered?.token ? (answered as TautulliExtras & { token: string }) : null;
    const tautulliExtras: TautulliExtras | undefined = answered && 'unchanged' in answered ? (kept ?? undefined) : answered;
    // A source that answered without what the network needs leaves the network partial: say so
    // when that starts and when it ends, not every cycle.
    const missing = [plexResult.ok && !identities ? 'plex' : '', tautulliResult.ok && !tautulliExtras ? 'tautulli' : '']
      .filter(Boolean)
      .join(',');
    if (missing !== lastMissing) {
      if (missing) options.logger?.warn({ sources: missing }, 'network extras not read: the network image is partial until they are');
      else if (lastMissing) options.logger?.info({ sources: lastMissing }, 'network extras read again');
      lastMissing = missing;
    }
    return {
      ...(plexResult.ok && identities ? { plex: identities } : {}),
      ...(tautulliExtras ? { tautulli: tautulliExtras } : {}),
    } satisfies { plex?: PlexIdentities; tautulli?: TautulliExtras };
  };
  return Object.assign(read, { close: () => thread.close() });
}

/** What the reader thread receives: plain data (structured clone), built here and nowhere else. */
function plexOptions(c: SourcesConfig, busyTimeoutMs: number, networkExtras: PlexSourceOptions['networkExtras']): PlexSourceOptions {
  return { dbPath: c.plexDb, privateSections: c.privateSections, busyTimeoutMs, ...(networkExtras ? { networkExtras } : {}) };
}

/** A result as the snapshot sees it: the extras travel apart (SourceResults.extras). */
function withoutExtras<T>(result: SourceResult<T> & { extras?: unknown }): SourceResult<T> {
  if (!('extras' in result)) return result;
  const { extras: _extras, ...rest } = result;
  return rest as SourceResult<T>;
}

function tautulliOptions(
  c: SourcesConfig,
  now: number,
  busyTimeoutMs: number,
  networkExtras: TautulliSourceOptions['networkExtras'],
): TautulliSourceOptions {
  return {
    dbPath: c.tautulliDb,
    now,
    timeZone: c.timeZone,
    privateSections: c.privateSections,
    sessionsStaleAfterMs: c.tautulliSessionsStaleAfterMs,
    ...(networkExtras ? { networkExtras } : {}),
    ...(c.tautulliGroupHistory === undefined ? {} : { groupHistory: c.tautulliGroupHistory }),
    busyTimeoutMs,
  };
}

function unconfigured<T>(what: string): SourceResult<T> {
  return { ok: false, error: sourceError('unconfigured', `set ${what}`), durationMs: 0 };
}
