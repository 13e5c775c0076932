import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateFixtures, SERVER_NAMES } from '../../fixtures/generator/index.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logging/logger.js';
import type { Renderer } from '../../src/render/index.js';
import { createHttpServer } from '../../src/server/http-server.js';
import { MarqueeMetrics } from '../../src/server/prometheus.js';
import { loadDrawing } from '../../src/setup.js';
import { mergeSnapshot, type SourceResults } from '../../src/snapshot/merge.js';
import { networkSnapshot, type NetworkServer } from '../../src/snapshot/network.js';
import type { HistoryPoint, Snapshot } from '../../src/snapshot/schema.js';
import { readPlex } from '../../src/sources/plex/plex-source.js';
import { readTautulli } from '../../src/sources/tautulli/tautulli-source.js';
import { createStores } from '../../src/stores/create.js';
import { snapshotsOf, type ServerEntry, type SnapshotProvider } from '../../src/stores/providers.js';
import { createServing, type Serving } from '../../src/wiring/serving.js';
import { FIXTURE_NOW_MS, FIXTURE_NOW_S } from '../support/fixtures.js';

/**
 * The serving side of a Marquee with several Plex servers (issue 20), over real HTTP on 127.0.0.1:
 * createServing (the wiring main.ts uses) over `snapshotsOf` providers that hold the snapshots a
 * collector makes of the producer-faithful generator's files, one pair of files per server
 * (`generateFixtures(..., { server: N })`: "Home", a "4K" server with copies of part of Home's
 * library, "Legacy"), and the network's snapshot of them. The providers are the tests' to change:
 * a server may lose its snapshot or go stale while the others keep theirs.
 */

const thresholds = {
  busyStreams: 5,
  overloadedStreams: 9,
  busyTranscodes: 3,
  overloadedTranscodes: 6,
  busyCpuPct: 70,
  overloadedCpuPct: 90,
};

/** A provider whose snapshot a test sets; its generation is the snapshot, as collectorProvider's. */
export class HeldProvider implements SnapshotProvider {
  /** current() calls: a request that must not read any snapshot leaves it unchanged. */
  reads = 0;
  constructor(
    public snapshot: Snapshot | null,
    public history: HistoryPoint[] = [],
  ) {}
  current() {
    this.reads++;
    return Promise.resolve({ snapshot: this.snapshot, history: this.history });
  }
  generation() {
    return this.snapshot;
  }
}

export interface CollectedServer extends ServerEntry {
  /** Its snapshot as one server's collector makes it (no network extras in it). */
  snapshot: Snapshot;
  /** What the network snapshot is built from: the same snapshot with its sources' extras. */
  member: NetworkServer;
}

/** One generated server's files, read as the collector reads them, at FIXTURE_NOW_MS. */
async function collect(dir: string, server: number): Promise<CollectedServer> {
  const files = generateFixtures(path.join(dir, `s${server}`), { profile: 'tiny', seed: 7, now: FIXTURE_NOW_S, server });
  const plex = await readPlex({ dbPath: files.plexDb, privateSections: [], networkExtras: true });
  const tautulli = await readTautulli({ dbPath: files.tautulliDb, now: FIXTURE_NOW_MS, timeZone: 'UTC', networkExtras: true });
  const { extras: plexExtras, ...plexResult } = plex;
  const { extras: tautulliExtras, ...tautulliResult } = tautulli;
  const results: SourceResults = {
    plex: plexResult,
    tautulli: tautulliResult,
    // Each server its own machine, as the host source reads it (src/sources/host/host-source.ts).
    host: {
      ok: true,
      data: {
        cpu: { loadPct: 10 + 20 * server, cores: 4 * (server + 1), temperatureC: null },
        memory: { usedBytes: (server + 1) * 2e9, totalBytes: (server + 1) * 8e9 },
        disks: [{ mount: '/', usedBytes: 1e12, totalBytes: 4e12 }],
        network: { rxBytesPerS: 1000, txBytesPerS: 5000 },
        uptimeS: 86_400,
        transcoderRunning: false,
      },
      durationMs: 1,
    },
  };
  const snapshot = mergeSnapshot({ takenAt: FIXTURE_NOW_MS, results, previous: null, thresholds });
  const name = SERVER_NAMES[server]!;
  const id = name.toLowerCase();
  return {
    id,
    name,
    snapshot,
    member: {
      id,
      name,
      snapshot,
      plex: plexExtras && 'types' in plexExtras ? plexExtras : null,
      tautulli: tautulliExtras ?? null,
    },
  };
}

/** Collects `count` generated servers once per test file (each takes ~0.2 s to generate). */
export async function collectServers(count: number): Promise<{ servers: CollectedServer[]; network: Snapshot; cleanup(): void }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'marquee-routes-network-'));
  const servers: CollectedServer[] = [];
  for (let i = 0; i < count; i++) servers.push(await collect(dir, i));
  const network = networkSnapshot(
    servers.map((s) => s.member),
    { takenAt: FIXTURE_NOW_MS },
  );
  return { servers, network, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ServingRig {
  url: string;
  serving: Serving;
  /** The renderer the serving side draws with: the tests' oracle for bodies. */
  renderer: Renderer;
  /** The provider of each server id, and of '' (the network, or the only server). */
  providers: Map<string, HeldProvider>;
  stop(): Promise<void>;
}

/**
 * createServing over these providers, listening on 127.0.0.1. `servers` with one entry is a
 * Marquee without `servers:` (id `default`), whose '' provider is that server's.
 */
export async function startServing(options: {
  servers: ReadonlyArray<ServerEntry & { snapshot: Snapshot | null }>;
  network?: Snapshot | null;
  clock: () => number;
  yaml?: string;
  /** Prometheus metrics at /metrics on the app. */
  prometheus?: boolean;
}): Promise<ServingRig> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-routes-data-'));
  const configFile = path.join(dataDir, 'marquee.yaml');
  writeFileSync(configFile, options.yaml ?? '');
  const config = loadConfig(
    {
      MARQUEE_CONFIG: configFile,
      // Never opened: the providers hold the snapshots. Set so the config is not the demo's.
      MARQUEE_PLEX_DB: path.join(dataDir, 'absent-plex.db'),
      MARQUEE_TAUTULLI_DB: path.join(dataDir, 'absent-tautulli.db'),
      MARQUEE_DATA_DIR: dataDir,
      MARQUEE_HOST: '127.0.0.1',
      MARQUEE_PORT: '0',
      TZ: 'UTC',
    },
    dataDir,
  );
  const logger = createLogger('silent');
  const stores = createStores(config, logger, options.clock);
  const providers = new Map<string, HeldProvider>();
  const entries = options.servers.map((s) => {
    const provider = new HeldProvider(s.snapshot);
    providers.set(s.id, provider);
    return { id: s.id, name: s.name, provider };
  });
  const main = entries.length > 1 ? new HeldProvider(options.network ?? null) : entries[0]!.provider;
  providers.set('', main);
  const drawing = loadDrawing(config);
  const serving = createServing({
    config,
    drawing,
    stores,
    snapshots: snapshotsOf(entries, main),
    logger,
    clock: options.clock,
    ...(options.prometheus ? { prometheus: new MarqueeMetrics({ clock: options.clock }) } : {}),
  });
  const server: Server = createHttpServer(serving.handler, config.server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    serving,
    renderer: drawing.renderer,
    providers,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      serving.close();
      await Promise.all(stores.all.map((s) => s.close()));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
