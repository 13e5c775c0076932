import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import type { SourceResults } from '../snapshot/merge.js';
import type { Library } from '../snapshot/schema.js';
import { createHostReader, type SystemInfo } from './host/host-source.js';
import type { PlexSourceOptions } from './plex/plex-source.js';
import { ReaderThread } from './reader-thread.js';
import { publicError, type SourceResult } from './result.js';
import type { TautulliData, TautulliSourceOptions } from './tautulli/tautulli-source.js';

export interface SourcesConfig {
  plexDb: string;
  tautulliDb: string;
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
}

const DEFAULT_DB_TIMEOUT_MS = 10_000;
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
export function createSourceReader(c: SourcesConfig, options: { logger?: Logger } = {}): SourceReader {
  const readHost = createHostReader({ timeoutMs: c.hostTimeoutMs, ...(c.systemInfo ? { systemInfo: c.systemInfo } : {}) });
  const timeoutMs = c.dbTimeoutMs ?? DEFAULT_DB_TIMEOUT_MS;
  const busyTimeoutMs = c.busyTimeoutMs ?? Math.min(MAX_BUSY_TIMEOUT_MS, Math.floor(timeoutMs / 2));
  const thread = new ReaderThread({ timeoutMs, onRecycle: (why) => options.logger?.warn({ why }, 'database reader thread replaced') });
  const published = <T>(source: string, result: SourceResult<T>, db?: string): SourceResult<T> => {
    if (result.ok) return result;
    options.logger?.warn({ source, db, code: result.error.code, cause: result.error.detail }, 'source read failed');
    return { ...result, error: publicError(result.error) };
  };
  const read = async (now: number): Promise<SourceResults> => {
    const host = readHost();
    const plex = await thread.read<Library>({
      source: 'plex',
      options: plexOptions(c, busyTimeoutMs),
    });
    const tautulli = await thread.read<TautulliData>({
      source: 'tautulli',
      options: tautulliOptions(c, now, busyTimeoutMs),
    });
    return {
      plex: published('plex', plex, c.plexDb),
      tautulli: published('tautulli', tautulli, c.tautulliDb),
      host: published('host', await host),
    };
  };
  return Object.assign(read, { close: () => thread.close() });
}

/** What the reader thread receives: plain data (structured clone), built here and nowhere else. */
function plexOptions(c: SourcesConfig, busyTimeoutMs: number): PlexSourceOptions {
  return { dbPath: c.plexDb, privateSections: c.privateSections, busyTimeoutMs };
}

function tautulliOptions(c: SourcesConfig, now: number, busyTimeoutMs: number): TautulliSourceOptions {
  return {
    dbPath: c.tautulliDb,
    now,
    timeZone: c.timeZone,
    privateSections: c.privateSections,
    sessionsStaleAfterMs: c.tautulliSessionsStaleAfterMs,
    ...(c.tautulliGroupHistory === undefined ? {} : { groupHistory: c.tautulliGroupHistory }),
    busyTimeoutMs,
  };
}
