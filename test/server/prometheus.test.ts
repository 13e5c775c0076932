import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MarqueeMetrics } from '../../src/server/prometheus.js';
import { sampleSnapshot } from '../support/sample-snapshot.js';

/** /metrics in the Prometheus text format, parsed by a Prometheus text-format parser (not ours). */
type Family = { name: string; type: string; metrics: Array<{ labels?: Record<string, string>; value?: string; buckets?: unknown }> };

async function scrape(metrics: MarqueeMetrics): Promise<Map<string, Family>> {
  const { body } = await metrics.scrape();
  return new Map((parsePrometheusTextFormat(body) as Family[]).map((f) => [f.name, f]));
}

const value = (families: Map<string, Family>, name: string, labels: Record<string, string> = {}) => {
  const m = families.get(name)?.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v));
  return m?.value === undefined ? undefined : Number(m.value);
};

describe('Prometheus metrics', () => {
  const snapshot = sampleSnapshot();
  const now = snapshot.takenAt + 45_000;
  const metrics = new MarqueeMetrics({ latest: () => snapshot, clock: () => now, sheetsOutboxDepth: () => 3 });

  it("report the snapshot's numbers in base units, equal to the snapshot the images show", async () => {
    const f = await scrape(metrics);
    const a = snapshot.activity!;
    expect(value(f, 'marquee_streams', { decision: 'transcode' })).toBe(a.transcode);
    expect(value(f, 'marquee_streams', { decision: 'direct stream' })).toBe(a.directStream);
    expect(value(f, 'marquee_streams', { decision: 'direct play' })).toBe(a.directPlay);
    expect(value(f, 'marquee_stream_bandwidth_bytes_per_second', { location: 'wan' })).toBe((a.bandwidthKbps.wan * 1000) / 8);
    for (const window of ['24h', '7d', '30d'] as const) {
      expect(value(f, 'marquee_plays', { window })).toBe(snapshot.history!.windows[window].plays);
      expect(value(f, 'marquee_watch_time_seconds', { window })).toBe(snapshot.history!.windows[window].watchTimeS);
    }
    expect(value(f, 'marquee_library_items', { type: 'episodes' })).toBe(snapshot.library!.totals.episodes);
    expect(value(f, 'marquee_host_cpu_load_ratio')).toBeCloseTo(snapshot.host!.cpu.loadPct / 100, 10);
    expect(value(f, 'marquee_host_memory_used_bytes')).toBe(snapshot.host!.memory.usedBytes);
    expect(value(f, 'marquee_server_state', { state: snapshot.state })).toBe(1);
    expect(value(f, 'marquee_snapshot_age_seconds')).toBe(45);
    expect(value(f, 'marquee_sheets_outbox_depth')).toBe(3);
    // No sensor, no sample: an absent series, never a 0 °C.
    expect(f.get('marquee_host_cpu_temperature_celsius')?.metrics ?? []).toEqual([]);
  });

  it('name counters _total and carry only fixed-vocabulary labels, never a name or a title', async () => {
    metrics.renders.inc({ template: 'signature' });
    metrics.rateLimited.inc();
    const { body } = await metrics.scrape();
    for (const f of await scrape(metrics).then((m) => [...m.values()])) {
      if (f.type === 'COUNTER') expect(f.name, f.name).toMatch(/_total$/);
      expect(f.name).toMatch(/^marquee_[a-z0-9_]+$/);
    }
    const identifying = [
      ...snapshot.activity!.streams.flatMap((s) => [s.viewer?.name, s.watching?.title]),
      ...snapshot.history!.topUsers.map((u) => u.viewer?.name),
      ...snapshot.history!.topMovies.map((m) => m.watching?.title),
    ].filter((x): x is string => typeof x === 'string' && x.length > 2);
    expect(identifying.length).toBeGreaterThan(0);
    // Names and titles could only hide in metric names and labels: the sample values are numbers
    // (a CPU time such as 0.007 would otherwise "contain" a film called 007).
    const namesAndLabels = body
      .split('\n')
      .map((line) => (line.startsWith('#') ? line : line.slice(0, line.lastIndexOf(' '))))
      .join('\n');
    for (const text of identifying) expect(namesAndLabels).not.toContain(text);
  });

  it("mirror the counters the serving parts keep (429s, the replay, the Sheet's failed writes)", async () => {
    const m = new MarqueeMetrics({ latest: () => snapshot, clock: () => now });
    m.observe({ refusedRenders: () => 7, replayCounts: () => ({ replayed: 40, passed: 2 }), sheetsWriteErrors: () => 3 });
    const f = await scrape(m);
    expect(value(f, 'marquee_rate_limited_requests_total')).toBe(7);
    expect(value(f, 'marquee_cache_requests_total', { cache: 'replay', result: 'hit' })).toBe(40);
    expect(value(f, 'marquee_cache_requests_total', { cache: 'replay', result: 'miss' })).toBe(2);
    expect(value(f, 'marquee_sheets_write_errors_total')).toBe(3);
  });

  it('read nothing before the first snapshot, and never start a collection', async () => {
    let asked = 0;
    const empty = new MarqueeMetrics({ latest: () => (asked++, null), clock: () => now });
    const f = await scrape(empty);
    expect(asked).toBeGreaterThan(0);
    expect(f.get('marquee_streams')?.metrics ?? []).toEqual([]);
  });
});

describe('the Grafana dashboard in docs/', () => {
  it('queries only metrics Marquee exposes', async () => {
    const dashboard = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../docs/grafana-dashboard.json'), 'utf8')) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    };
    const snapshot = sampleSnapshot();
    const metrics = new MarqueeMetrics({
      latest: () => ({ ...snapshot, host: { ...snapshot.host!, cpu: { ...snapshot.host!.cpu, temperatureC: 50 } } }),
      clock: () => snapshot.takenAt,
      sheetsOutboxDepth: () => 0,
    });
    metrics.cycleDuration.observe({ result: 'ok' }, 0.2);
    metrics.renderDuration.observe({ template: 'signature' }, 0.01);
    const families = await scrape(metrics);
    // Histogram series are queried as <name>_bucket/_sum/_count.
    const exposed = new Set([...families.keys()].flatMap((n) => [n, `${n}_bucket`, `${n}_sum`, `${n}_count`]));
    const queried = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/\bmarquee_[a-z0-9_]+/g) ?? [])));
    expect(queried.size).toBeGreaterThan(10);
    for (const name of queried) expect(exposed.has(name), name).toBe(true);
  });
});
