import type { Logger } from 'pino';
import { Collector } from '../collector/collector.js';
import type { Config } from '../config/load.js';
import { MetricsRunner } from '../metrics/index.js';
import { unneededIdentifyingFields, type Inventory } from '../privacy/inventory.js';
import { loadOrCreateSecret } from '../secret.js';
import { readBackfill } from '../sources/backfill.js';
import { createSourceReader, sourcesConfig } from '../sources/read-all.js';
import type { Stores } from '../stores/create.js';
import { HISTORY_WINDOW_MS } from '../stores/providers.js';
import { STORE_FILE } from '../stores/sqlite/sqlite-store.js';
import path from 'node:path';
import type { Job } from './jobs.js';

export interface Collecting {
  collector: Collector;
  /** The collection schedule (config.collector.schedule), for the job list. */
  job: Job;
  /** Stops the schedule, then the reader thread and the metrics process. */
  close(): Promise<void>;
}

/**
 * One Plex server's collection: its sources (reader thread, HTTP clients, host reader), its custom
 * metrics, its collector over the stores it writes. Nothing here is module-level, so several
 * servers (issue 20) each get their own.
 */
export async function createCollecting(deps: {
  config: Config;
  stores: Stores;
  inventory: Inventory;
  logger: Logger;
  clock: () => number;
  /** Told of each stored cycle (Prometheus' cycle-duration histogram). */
  onCycle?: (seconds: number, allSourcesOk: boolean) => void;
}): Promise<Collecting> {
  const { config, stores, logger, clock } = deps;
  if (stores.sqlite.isHistoryEmpty()) seedHistory(config, stores, clock(), logger);
  const metrics = Object.keys(config.metrics).length
    ? new MetricsRunner({
        defs: config.metrics,
        dbPaths: { plex: config.plex.db, tautulli: config.tautulli.db, marquee: path.join(config.dataDir, STORE_FILE) },
        timeZone: config.render.timeZone,
        cycleBudgetMs: config.collector.sourceTimeoutMs,
      })
    : null;
  const readSources = createSourceReader(sourcesConfig(config), { logger: logger.child({ component: 'sources' }) });
  const collector = new Collector(
    {
      ...(metrics ? { readMetrics: (now: number) => metrics.run(now) } : {}),
      readSources,
      stores: stores.write,
      thresholds: config.thresholds,
      privacy: config.privacy,
      pseudonymSecret: loadOrCreateSecret(config.dataDir, config.privacy.pseudonymSecret),
      unneededFields: unneededIdentifyingFields(deps.inventory),
      logger: logger.child({ component: 'collector' }),
      clock,
      ...(deps.onCycle ? { onCycle: deps.onCycle } : {}),
    },
    // What this process wrote last time: carried over (same policy only) until each source answers.
    config.store.read === 'sqlite' ? await stores.sqlite.latest().catch(() => null) : null,
  );
  const job: Job = {
    name: 'collect',
    start: () => collector.start(config.collector.schedule, logger),
    stop: () => collector.stop(),
  };
  return {
    collector,
    job,
    async close() {
      await collector.stop();
      await readSources.close();
      await metrics?.close();
    },
  };
}

/** Fills an empty store's graph series from the sources' own history; best effort. */
function seedHistory(config: Config, stores: Stores, now: number, logger: Logger): void {
  try {
    const points = readBackfill({
      plexDb: config.plex.db,
      tautulliDb: config.tautulli.db,
      now,
      windowMs: HISTORY_WINDOW_MS,
      stepMs: 5 * 60_000,
      // The live reading's ghost limit and privacy delay, so the seeded series ends where it starts.
      sessionsStaleAfterMs: sourcesConfig(config).tautulliSessionsStaleAfterMs ?? 0,
      nowPlayingDelayMs: config.privacy.nowPlayingDelayS * 1000,
    });
    logger.info({ points: stores.sqlite.backfill(points) }, 'graph history seeded from Tautulli and Plex');
  } catch (err) {
    logger.warn({ err: { message: (err as Error).message } }, 'could not seed graph history');
  }
}
