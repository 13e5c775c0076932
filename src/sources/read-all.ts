import type { SourceResults } from '../snapshot/merge.js';
import { readHost, type SystemInfo } from './host/host-source.js';
import { readPlex } from './plex/plex-source.js';
import { readTautulli } from './tautulli/tautulli-source.js';

export interface SourcesConfig {
  plexDb: string;
  tautulliDb: string;
  privateSections: ReadonlyArray<string | number>;
  timeZone: string;
  hostTimeoutMs: number;
  systemInfo?: SystemInfo;
  /** See TautulliSourceOptions.sessionsStaleAfterMs; main.ts passes 0 in demo mode. */
  tautulliSessionsStaleAfterMs?: number;
}

/** Host metrics are async (child processes, /proc) and start first, overlapping the DB reads. */
export function createSourceReader(c: SourcesConfig): (now: number) => Promise<SourceResults> {
  return async (now) => {
    const host = readHost({ timeoutMs: c.hostTimeoutMs, ...(c.systemInfo ? { systemInfo: c.systemInfo } : {}) });
    const plex = await readPlex({ dbPath: c.plexDb, privateSections: c.privateSections });
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
