/**
 * Collection cycles only. Wired like main.ts's collector but without the renderer: importing
 * src/main.js would load @napi-rs/canvas and sharp (~60 MB of RSS, render-baseline.md "Memory"),
 * and this process's peak RSS must be the collector's alone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Collector } from '../../src/collector/collector.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logging/logger.js';
import { BUILTIN_TEMPLATES_DIR, PACKAGE_ROOT } from '../../src/paths.js';
import { buildInventory, unneededIdentifyingFields } from '../../src/privacy/inventory.js';
import { loadCatalogues, REFERENCE_LOCALE } from '../../src/render/i18n/catalogue.js';
import { loadTemplates } from '../../src/render/template/load.js';
import { loadOrCreateSecret } from '../../src/secret.js';
import { builtinFields } from '../../src/snapshot/fields.js';
import { createSourceReader, sourcesConfig } from '../../src/sources/read-all.js';
import { SqliteStore, STORE_FILE } from '../../src/stores/sqlite/sqlite-store.js';
import { childOptions, failStart, ownPeakRss, serveParent } from '../lib/child.js';
import { startProfile } from '../lib/profiler.js';

export interface CollectJob {
  plexDb: string;
  tautulliDb: string;
  nowMs: number;
  warmup: number;
  cycles: number;
  /** When set, one extra cycle after the measured ones runs under the CPU profiler, written here. */
  profileFile?: string;
  /** Config file content; with `overApi`, the sources' URLs and keys instead of the database paths. */
  yaml?: string;
  /** Read Plex and Tautulli over their APIs (from `yaml`), not from plexDb/tautulliDb. */
  overApi?: boolean;
}

export interface CollectResult {
  cyclesMs: number[];
  warmupMs: number[];
  /** VmHWM after the last cycle: start-up plus the worst cycle. */
  peakRss: number;
  /** VmHWM before the first cycle, to tell start-up from collection. */
  startRss: number;
  sources: Record<string, string>;
}

async function main(job: CollectJob): Promise<CollectResult> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-bench-collect-'));
  writeFileSync(path.join(dataDir, 'marquee.yaml'), job.yaml ?? '');
  const config = loadConfig(
    {
      MARQUEE_CONFIG: path.join(dataDir, 'marquee.yaml'),
      ...(job.overApi ? {} : { MARQUEE_PLEX_DB: job.plexDb, MARQUEE_TAUTULLI_DB: job.tautulliDb }),
      MARQUEE_DATA_DIR: dataDir,
    },
    dataDir,
  );
  const catalogue = builtinFields();
  // Templates are checked against the reference message catalogue (their {#key} words).
  const templates = loadTemplates(
    [BUILTIN_TEMPLATES_DIR],
    catalogue,
    loadCatalogues([path.join(PACKAGE_ROOT, 'locales')]).get(REFERENCE_LOCALE)!,
  );
  // The default image list (main.ts defaultImages): one image per built-in template.
  const images = new Map([...templates.keys()].map((t) => [t, { template: t }]));
  const store = new SqliteStore({ file: path.join(dataDir, STORE_FILE), retentionDays: config.history.retentionDays });
  let clock = job.nowMs;
  const collector = new Collector({
    readSources: createSourceReader(sourcesConfig(config)),
    stores: [store],
    thresholds: config.thresholds,
    privacy: config.privacy,
    pseudonymSecret: loadOrCreateSecret(config.dataDir, config.privacy.pseudonymSecret),
    unneededFields: unneededIdentifyingFields(buildInventory({ catalogue, templates, images, sheets: false })),
    logger: createLogger('warn'),
    clock: () => clock,
  });
  const startRss = ownPeakRss();
  const time = async () => {
    // 30 s apart, as on the default schedule, so each cycle writes its own history point.
    clock += 30_000;
    const t0 = performance.now();
    const snapshot = await collector.collect();
    return { ms: performance.now() - t0, snapshot };
  };
  const warmupMs: number[] = [];
  const cyclesMs: number[] = [];
  for (let i = 0; i < job.warmup; i++) warmupMs.push((await time()).ms);
  let sources: Record<string, string> = {};
  for (let i = 0; i < job.cycles; i++) {
    const { ms, snapshot } = await time();
    cyclesMs.push(ms);
    sources = Object.fromEntries(Object.entries(snapshot.sources).map(([k, s]) => [k, s.status]));
  }
  if (job.profileFile) {
    const stop = await startProfile();
    await time();
    await stop(job.profileFile);
  }
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
  return { cyclesMs, warmupMs, peakRss: ownPeakRss(), startRss, sources };
}

try {
  serveParent({ pid: process.pid }, { run: () => main(childOptions<CollectJob>()) });
} catch (err) {
  failStart(err);
}
