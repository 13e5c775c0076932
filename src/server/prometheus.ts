import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Snapshot } from '../snapshot/schema.js';
import { serverStates, sourceNames } from '../snapshot/schema.js';

/**
 * Marquee's Prometheus metrics (issue 18): the latest snapshot's numbers, read when scraped (a scrape
 * never triggers a collection), and Marquee's own counters, fed by the parts that own them.
 *
 * Names and units follow Prometheus conventions: base units (seconds, bytes, ratios 0..1), `_total`
 * for counters, `_seconds`/`_bytes` suffixes. No label ever carries a user name or a title: the labels
 * are fixed vocabularies (decisions, windows, media types, states, sources) plus template and cache
 * names from the configuration, so cardinality is bounded whatever the traffic.
 */
export interface PrometheusOptions {
  /**
   * The Plex server these numbers are about, as the `server` label of every snapshot metric, so a
   * network of servers (several Plex servers in one Marquee) adds series rather than new names.
   */
  server?: string;
  /** The snapshot the images show now (null before the first cycle); read once per scrape. */
  latest?(): Snapshot | null | Promise<Snapshot | null>;
  /**
   * Several servers (issue 20): each server's snapshot under its id, and the network's under
   * `_network` (its GUID-distinct library and union peak are not the sum of the servers' series).
   * Wins over `latest`; read once per scrape.
   */
  snapshots?(): Promise<ReadonlyArray<{ server: string; snapshot: Snapshot | null }>>;
  /** Epoch ms, for the snapshot's age. */
  clock(): number;
  /** Outbox depth of the Sheets writer, when there is one. */
  sheetsOutboxDepth?(): number;
  /** Renders refused so far by the render budget (429s). */
  refusedRenders?(): number;
  /** Failed writes to the Google Sheet so far. */
  sheetsWriteErrors?(): number;
  /** The one-second replay in front of Express: answers replayed (hits) and passed on (misses). */
  replayCounts?(): { replayed: number; passed: number };
}

const DECISIONS = [
  ['direct play', 'directPlay'],
  ['direct stream', 'directStream'],
  ['transcode', 'transcode'],
] as const;
const WINDOWS = ['24h', '7d', '30d'] as const;
const MEDIA = ['movies', 'shows', 'seasons', 'episodes', 'artists', 'albums', 'tracks', 'photos'] as const;

export class MarqueeMetrics {
  readonly registry = new Registry();
  readonly cycleDuration: Histogram<'result'>;
  readonly renders: Counter<'template'>;
  readonly renderDuration: Histogram<'template'>;
  readonly cacheRequests: Counter<'cache' | 'result'>;
  readonly rateLimited: Counter;
  readonly sheetsWriteErrors: Counter;
  private current: ReadonlyArray<{ server: string; snapshot: Snapshot | null }> = [];

  private options: PrometheusOptions;

  constructor(options: PrometheusOptions) {
    this.options = options;
    const r = [this.registry];
    const server = options.server ?? 'default';
    // Node's own (marquee_process_resident_memory_bytes, marquee_nodejs_eventloop_lag_seconds...).
    collectDefaultMetrics({ register: this.registry, prefix: 'marquee_' });
    // The collect callbacks below run with `this` bound to their metric: `self` is this object.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    const snapshots = () => self.current;

    new Gauge({
      name: 'marquee_streams',
      help: 'Streams playing now, by Plex/Tautulli stream decision.',
      labelNames: ['server', 'decision'],
      registers: r,
      collect() {
        this.reset();
        for (const { server, snapshot: current } of snapshots()) {
          const a = current?.activity;
          if (a) for (const [label, key] of DECISIONS) this.set({ server, decision: label }, a[key]);
        }
      },
    });
    new Gauge({
      name: 'marquee_streams_paused',
      help: 'Streams paused now.',
      labelNames: ['server'],
      registers: r,
      collect() {
        this.reset();
        for (const { server, snapshot: current } of snapshots()) {
          const a = current?.activity;
          if (a) this.set({ server }, a.paused);
        }
      },
    });
    new Gauge({
      name: 'marquee_stream_bandwidth_bytes_per_second',
      help: 'Streaming bandwidth now, by where the viewers are (lan, wan).',
      labelNames: ['server', 'location'],
      registers: r,
      collect() {
        this.reset();
        for (const { server, snapshot: current } of snapshots()) {
          const a = current?.activity;
          if (a) for (const location of ['lan', 'wan'] as const) this.set({ server, location }, (a.bandwidthKbps[location] * 1000) / 8);
        }
      },
    });
    new Gauge({
      name: 'marquee_plays',
      help: 'Plays over the window (Tautulli grouping), as the images show them.',
      labelNames: ['server', 'window'],
      registers: r,
      collect() {
        this.reset();
        for (const { server, snapshot: current } of snapshots()) {
          const h = current?.history;
          if (h) for (const window of WINDOWS) this.set({ server, window }, h.windows[window].plays);
        }
      },
    });
    new Gauge({
      name: 'marquee_watch_time_seconds',
      help: 'Watch time over the window.',
      labelNames: ['server', 'window'],
      registers: r,
      collect() {
        this.reset();
        for (const { server, snapshot: current } of snapshots()) {
          const h = current?.history;
          if (h) for (const window of WINDOWS) this.set({ server, window }, h.windows[window].watchTimeS);
        }
      },
    });
    new Gauge({
      name: 'marquee_library_items',
      help: 'Items in the public libraries, by type.',
      labelNames: ['server', 'type'],
      registers: r,
      collect() {
        this.reset();
        for (const { server, snapshot: current } of snapshots()) {
          const l = current?.library;
          if (l) for (const type of MEDIA) this.set({ server, type }, l.totals[type]);
        }
      },
    });
    new Gauge({
      name: 'marquee_host_cpu_load_ratio',
      help: "The Plex host's CPU load, 0..1.",
      labelNames: ['server'],
      registers: r,
      collect() {
        this.reset();
        for (const { server, snapshot: current } of snapshots()) {
          const h = current?.host;
          if (h) this.set({ server }, h.cpu.loadPct / 100);
        }
      },
    });
    new Gauge({
      name: 'marquee_host_cpu_temperature_celsius',
      help: "The Plex host's CPU temperature, where it has a sensor.",
      labelNames: ['server'],
      registers: r,
      collect() {
        this.reset();
        for (const { server, snapshot: current } of snapshots()) {
          const t = current?.host?.cpu.temperatureC;
          if (t != null) this.set({ server }, t);
        }
      },
    });
    new Gauge({
      name: 'marquee_host_memory_used_bytes',
      help: 'Memory in use on the Plex host.',
      labelNames: ['server'],
      registers: r,
      collect() {
        this.reset();
        for (const { server, snapshot: current } of snapshots()) {
          const h = current?.host;
          if (h) this.set({ server }, h.memory.usedBytes);
        }
      },
    });
    new Gauge({
      name: 'marquee_host_memory_total_bytes',
      help: 'Installed memory on the Plex host.',
      labelNames: ['server'],
      registers: r,
      collect() {
        this.reset();
        for (const { server, snapshot: current } of snapshots()) {
          const h = current?.host;
          if (h) this.set({ server }, h.memory.totalBytes);
        }
      },
    });
    new Gauge({
      name: 'marquee_server_state',
      help: 'The state the images show: 1 for the current one of online, busy, overloaded, offline.',
      labelNames: ['server', 'state'],
      registers: r,
      collect() {
        this.reset();
        for (const { server, snapshot: current } of snapshots()) {
          const s = current;
          if (s) for (const state of serverStates) this.set({ server, state }, s.state === state ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: 'marquee_source_up',
      help: 'Whether each source answered in the last collection cycle (1) or not (0).',
      labelNames: ['server', 'source'],
      registers: r,
      collect() {
        this.reset();
        for (const { server, snapshot: current } of snapshots()) {
          const s = current;
          if (s) for (const source of sourceNames) this.set({ server, source }, s.sources[source].status === 'ok' ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: 'marquee_snapshot_age_seconds',
      help: 'Age of the snapshot the images show.',
      labelNames: ['server'],
      registers: r,
      collect() {
        this.reset();
        for (const { server, snapshot: current } of snapshots()) {
          const s = current;
          if (s) this.set({ server }, Math.max(0, (self.options.clock() - s.takenAt) / 1000));
        }
      },
    });
    new Gauge({
      name: 'marquee_sheets_outbox_depth',
      help: 'Collection cycles waiting to be written to the Google Sheet.',
      labelNames: ['server'],
      registers: r,
      collect() {
        this.reset();
        if (self.options.sheetsOutboxDepth) this.set({ server }, self.options.sheetsOutboxDepth());
      },
    });

    this.cycleDuration = new Histogram({
      name: 'marquee_collection_cycle_duration_seconds',
      help: 'Duration of collection cycles (read every source, merge, mask, store).',
      labelNames: ['result'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: r,
    });
    this.renders = new Counter({
      name: 'marquee_renders_total',
      help: 'Images drawn (cache misses), by template.',
      labelNames: ['template'],
      registers: r,
    });
    this.renderDuration = new Histogram({
      name: 'marquee_render_duration_seconds',
      help: 'Time to draw and encode an image, by template.',
      labelNames: ['template'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 4],
      registers: r,
    });
    this.cacheRequests = new Counter({
      name: 'marquee_cache_requests_total',
      help: 'Image cache lookups, by cache and result (hit, miss).',
      labelNames: ['cache', 'result'],
      registers: r,
      // Mirrors the replay's own counts (it sits in front of Express and keeps them itself).
      collect() {
        const counts = self.options.replayCounts?.();
        if (!counts) return;
        this.reset();
        this.inc({ cache: 'replay', result: 'hit' }, counts.replayed);
        this.inc({ cache: 'replay', result: 'miss' }, counts.passed);
      },
    });
    this.rateLimited = new Counter({
      name: 'marquee_rate_limited_requests_total',
      help: 'Renders refused with 429 (render budget spent).',
      registers: r,
      collect() {
        const refused = self.options.refusedRenders?.();
        if (refused === undefined) return;
        this.reset();
        this.inc(refused);
      },
    });
    this.sheetsWriteErrors = new Counter({
      name: 'marquee_sheets_write_errors_total',
      help: 'Writes to the Google Sheet that failed after their retries (the cycles stay queued).',
      registers: r,
      collect() {
        const failed = self.options.sheetsWriteErrors?.();
        if (failed === undefined) return;
        this.reset();
        this.inc(failed);
      },
    });
  }

  /** Adds what the parts built after this one report (the serving side's counters, its snapshot view). */
  observe(sources: Omit<PrometheusOptions, 'server' | 'clock'>): void {
    this.options = { ...this.options, ...sources };
  }

  /** The exposition text, and its content type (Prometheus text format 0.0.4). */
  async scrape(): Promise<{ body: string; contentType: string }> {
    this.current = this.options.snapshots
      ? await this.options.snapshots()
      : [{ server: this.options.server ?? 'default', snapshot: (await this.options.latest?.()) ?? null }];
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}

/** The request handler of the metrics' own listener (prometheus.port): GET /metrics, nothing else. */
export function metricsHandler(metrics: Pick<MarqueeMetrics, 'scrape'>): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    void metrics.scrape().then(
      ({ body, contentType }) => res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' }).end(body),
      () => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics unavailable'),
    );
  };
}
