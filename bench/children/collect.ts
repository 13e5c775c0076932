/**
 * Collection cycles only, through the real wiring (createStores + createCollecting, what main.ts
 * runs) but without the renderer: importing src/main.js would load @napi-rs/canvas and sharp
 * (~60 MB of RSS, render-baseline.md "Memory"), and this process's peak RSS must be the
 * collector's alone. With several servers (issue 20) the config has a `servers:` list and each
 * cycle is the network's: every server's cycle at once, then the network built from their readings.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logging/logger.js';
import { BUILTIN_TEMPLATES_DIR, PACKAGE_ROOT } from '../../src/paths.js';
import { buildInventory } from '../../src/privacy/inventory.js';
import { loadCatalogues, REFERENCE_LOCALE } from '../../src/render/i18n/catalogue.js';
import { loadTemplates } from '../../src/render/template/load.js';
import { builtinFields } from '../../src/snapshot/fields.js';
import { createStores } from '../../src/stores/create.js';
import { createCollecting } from '../../src/wiring/collecting.js';
import { childOptions, failStart, ownPeakRss, serveParent } from '../lib/child.js';
import { startProfile } from '../lib/profiler.js';

export interface CollectServer {
  id: string;
  name: string;
  plexDb: string;
  tautulliDb: string;
}

export interface CollectJob {
  plexDb: string;
  tautulliDb: string;
  /** Several servers (issue 20): a `servers:` config over these files; plexDb/tautulliDb are then unused. */
  servers?: CollectServer[];
  nowMs: number;
  warmup: number;
  cycles: number;
  /** When set, one extra cycle after the measured ones runs under the CPU profiler, written here. */
  profileFile?: string;
  /** When set, a V8 heap snapshot is written here right after the last measured cycle (--heap-snapshot). */
  heapSnapshotFile?: string;
  /** Config file content; with `overApi`, the sources' URLs and keys instead of the database paths. */
  yaml?: string;
  /** Read Plex and Tautulli over their APIs (from `yaml`), not from plexDb/tautulliDb. */
  overApi?: boolean;
}

export interface CollectResult {
  cyclesMs: number[];
  /** CPU time (user + system, every thread of the process) of each measured cycle, ms. */
  cpuMs: number[];
  warmupMs: number[];
  /** With several servers: each server's own cycle in each measured network cycle, by id. */
  serverCyclesMs?: Record<string, number[]>;
  /** VmHWM after the last cycle: start-up plus the worst cycle. */
  peakRss: number;
  /** VmHWM before the first cycle (after the wiring, history seeding included), to tell start-up from collection. */
  startRss: number;
  /** The last cycle's per-source status (with several servers, the network's: one entry per server and source). */
  sources: Record<string, string>;
  /** The cycles asked with `changed` (see CycleOptions), apart from the ordinary ones. */
  changed?: ChangedCycles;
}

/**
 * A `cycle` request's options. `changed`: count the cycle apart, as one in which the data behind
 * the caches moved on (the parent has written a new play into every server's Tautulli, so each
 * one's extras token moves and its extras are read whole, handed over and merged again).
 */
export interface CycleOptions {
  changed?: boolean;
}

export interface ChangedCycles {
  cyclesMs: number[];
  cpuMs: number[];
  /** Servers whose Tautulli extras were read again in each changed cycle (a new extras object). */
  extrasRead: number[];
}

function serversYaml(servers: readonly CollectServer[]): string {
  const entries = servers.map(
    (s) =>
      `  - id: ${s.id}\n    name: ${JSON.stringify(s.name)}\n    plex: { db: ${JSON.stringify(s.plexDb)} }\n    tautulli: { db: ${JSON.stringify(s.tautulliDb)} }\n`,
  );
  return `servers:\n${entries.join('')}`;
}

/** One wired collection, its warm-up cycles done: measured cycles one at a time, then its figures. */
interface Session {
  cycle(options?: CycleOptions): Promise<number>;
  finish(): Promise<CollectResult>;
}

async function open(job: CollectJob): Promise<Session> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-bench-collect-'));
  const several = (job.servers?.length ?? 0) > 1;
  writeFileSync(path.join(dataDir, 'marquee.yaml'), several ? serversYaml(job.servers!) : (job.yaml ?? ''));
  const config = loadConfig(
    {
      MARQUEE_CONFIG: path.join(dataDir, 'marquee.yaml'),
      ...(job.overApi || several ? {} : { MARQUEE_PLEX_DB: job.plexDb, MARQUEE_TAUTULLI_DB: job.tautulliDb }),
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
  // The default image list (setup.ts defaultImages): one image per built-in template. setup.ts's
  // loadDrawing would build the same inventory, but it loads the renderer.
  const images = new Map([...templates.keys()].map((t) => [t, { template: t }]));
  const inventory = buildInventory({ catalogue, templates, images, sheets: false });
  const logger = createLogger('warn');
  let clock = job.nowMs;
  const now = () => clock;
  const stores = createStores(config, logger, now);
  const collecting = await createCollecting({ config, stores, inventory, logger, clock: now });
  // Each server's own cycle inside the network's, to tell the slowest server from the aggregation.
  const serverCyclesMs: Record<string, number[]> = {};
  let measuring = false;
  if (several) {
    for (const { id, collector } of collecting.servers) {
      const collect = collector.collect.bind(collector);
      const times: number[] = [];
      serverCyclesMs[id] = times;
      collector.collect = async () => {
        const t0 = performance.now();
        const snapshot = await collect();
        if (measuring) times.push(performance.now() - t0);
        return snapshot;
      };
    }
  }
  // What startMarquee (src/main.ts) sets before its first cycle: the old generation may grow to
  // 1.2x what survived the last full collection instead of up to ~4x. Process-wide, so the reader
  // threads (started by the first read) collect as they do in production.
  setFlagsFromString('--heap-growing-percent=20');
  const startRss = ownPeakRss();
  const time = async () => {
    // 30 s apart, as on the default schedule, so each cycle writes its own history point.
    clock += 30_000;
    const t0 = performance.now();
    const snapshot = await collecting.collector.collect();
    return { ms: performance.now() - t0, snapshot };
  };
  const warmupMs: number[] = [];
  const cyclesMs: number[] = [];
  const cpuMs: number[] = [];
  for (let i = 0; i < job.warmup; i++) warmupMs.push((await time()).ms);
  let sources: Record<string, string> = {};
  const changed: ChangedCycles = { cyclesMs: [], cpuMs: [], extrasRead: [] };
  const extrasNow = () => collecting.servers.map((s) => s.collector.raw?.extras.tautulli);
  return {
    async cycle(options = {}) {
      const before = extrasNow();
      measuring = !options.changed;
      const cpu0 = process.cpuUsage();
      const { ms, snapshot } = await time();
      const cpu = process.cpuUsage(cpu0);
      measuring = false;
      const into = options.changed ? changed : { cyclesMs, cpuMs };
      into.cyclesMs.push(ms);
      into.cpuMs.push((cpu.user + cpu.system) / 1000);
      if (options.changed) changed.extrasRead.push(extrasNow().filter((x, i) => x !== undefined && x !== before[i]).length);
      sources = Object.fromEntries(Object.entries(snapshot.sources).map(([k, s]) => [k, s.status]));
      return ms;
    },
    async finish() {
      const peakRss = ownPeakRss();
      if (job.heapSnapshotFile) {
        const { writeHeapSnapshot } = await import('node:v8');
        writeHeapSnapshot(job.heapSnapshotFile);
      }
      if (job.profileFile) {
        const stop = await startProfile();
        await time();
        await stop(job.profileFile);
      }
      await collecting.close();
      await Promise.all(stores.all.map((s) => s.close()));
      rmSync(dataDir, { recursive: true, force: true });
      return {
        cyclesMs,
        cpuMs,
        warmupMs,
        ...(several ? { serverCyclesMs } : {}),
        peakRss,
        startRss,
        sources,
        ...(changed.cyclesMs.length ? { changed } : {}),
      };
    },
  };
}

/**
 * `run`: the whole job at once. `open`, then `cycle` one at a time, then `finish`: for a parent
 * that interleaves two collections' cycles (one server and a network), so both meet the same
 * minutes of machine noise.
 */
let session: Session | null = null;
const handlers = {
  run: async () => {
    const job = childOptions<CollectJob>();
    const s = await open(job);
    for (let i = 0; i < job.cycles; i++) await s.cycle();
    return s.finish();
  },
  open: async () => {
    session = await open(childOptions<CollectJob>());
    return null;
  },
  cycle: (options?: unknown) => session!.cycle((options ?? {}) as CycleOptions),
  finish: () => session!.finish(),
};

try {
  serveParent({ pid: process.pid }, handlers);
} catch (err) {
  failStart(err);
}
