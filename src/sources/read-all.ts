import type { Config } from '../config/load.js';
import type { SourceResults } from '../snapshot/merge.js';
import { createHostReader, type SystemInfo } from './host/host-source.js';
import { readPlex } from './plex/plex-source.js';
import { readTautulli } from './tautulli/tautulli-source.js';

export interface SourcesConfig {
  plexDb: string;
  tautulliDb: string;
  privateSections: ReadonlyArray<string | number>;
  timeZone: string;
  hostTimeoutMs: number;
  systemInfo?: SystemInfo;
  /** See TautulliSourceOptions.sessionsStaleAfterMs (config tautulli.sessionsStaleAfterS; off in demo mode). */
  tautulliSessionsStaleAfterMs?: number;
}

/** What the sources read, from the configuration: the one mapping the server and the bench share. */
export function sourcesConfig(config: Config): SourcesConfig {
  return {
    plexDb: config.plex.db,
    tautulliDb: config.tautulli.db,
    privateSections: config.privacy.privateSections,
    timeZone: config.render.timeZone,
    hostTimeoutMs: config.collector.sourceTimeoutMs,
    // The demo databases never change, yet show live streams.
    tautulliSessionsStaleAfterMs: config.demo ? 0 : config.tautulli.sessionsStaleAfterS * 1000,
  };
}

/**
 * Host metrics are async (child processes, /proc) and start first, overlapping the DB reads, which
 * are synchronous and hold this thread. One host reader lives as long as the returned function, so
 * its slow readings (disks, CPU info, sensors) are reused across cycles.
 */
export function createSourceReader(c: SourcesConfig): (now: number) => Promise<SourceResults> {
  const readHost = createHostReader({ timeoutMs: c.hostTimeoutMs, ...(c.systemInfo ? { systemInfo: c.systemInfo } : {}) });
  return async (now) => {
    const host = readHost();
    // systeminformation spawns its children on the next tick and handles their output in I/O
    // callbacks; yielding to the event loop before each synchronous read lets them start (and
    // chain to their next child) first, so they run on another core while the DBs are read.
    await nextTurn();
    const plex = await readPlex({ dbPath: c.plexDb, privateSections: c.privateSections });
    await nextTurn();
    const tautulli = await readTautulli({
      dbPath: c.tautulliDb,
      now,
      timeZone: c.timeZone,
      privateSections: c.privateSections,
      sessionsStaleAfterMs: c.tautulliSessionsStaleAfterMs,
    });
    return { plex, tautulli, host: await host };
  };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
