import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { freePort } from '../drills/support/http.js';
import { startTestMarquee, type TestMarquee } from '../support/marquee-instance.js';

/** /metrics and /livez on a real server (issue 18), against the JSON behind the images. */
type Family = { name: string; metrics: Array<{ labels?: Record<string, string>; value?: string }> };

async function scrape(url: string): Promise<Map<string, Family>> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return new Map((parsePrometheusTextFormat(await res.text()) as Family[]).map((f) => [f.name, f]));
}
const value = (f: Map<string, Family>, name: string, labels: Record<string, string> = {}) =>
  Number(f.get(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value);

describe('Prometheus /metrics on the server', () => {
  let marquee: TestMarquee;
  beforeAll(async () => {
    marquee = await startTestMarquee({ yaml: 'prometheus:\n  enabled: true\n' });
  });
  afterAll(async () => marquee?.stop());

  it('equals the snapshot /i/<name>.json shows, and scraping never starts a collection', async () => {
    const json = (await (await fetch(`${marquee.url}/i/signature.json`)).json()) as { snapshot: Snapshot };
    const before = marquee.collector!.latest!.takenAt;
    const f = await scrape(`${marquee.url}/metrics`);
    await scrape(`${marquee.url}/metrics`);
    expect(marquee.collector!.latest!.takenAt).toBe(before);
    const s = json.snapshot;
    expect(value(f, 'marquee_streams', { decision: 'transcode' })).toBe(s.activity!.transcode);
    expect(value(f, 'marquee_plays', { window: '30d' })).toBe(s.history!.windows['30d'].plays);
    expect(value(f, 'marquee_library_items', { type: 'movies' })).toBe(s.library!.totals.movies);
    expect(value(f, 'marquee_server_state', { state: s.state })).toBe(1);
    expect(value(f, 'marquee_source_up', { source: 'tautulli' })).toBe(1);
    // The cycle at start was timed (the parser folds a histogram into its family: +Inf is the count).
    const cycles = (f.get('marquee_collection_cycle_duration_seconds')?.metrics ?? []) as Array<{ buckets?: Record<string, string> }>;
    expect(cycles.reduce((n, m) => n + Number(m.buckets?.['+Inf'] ?? 0), 0)).toBeGreaterThanOrEqual(1);
  });

  it('counts renders by template', async () => {
    await fetch(`${marquee.url}/i/card.png?theme=light`);
    const f = await scrape(`${marquee.url}/metrics`);
    expect(value(f, 'marquee_renders_total', { template: 'card' })).toBeGreaterThanOrEqual(1);
  });

  it('/livez stays 200 while /health is 503 (a stopped Tautulli must not make the container unhealthy)', async () => {
    rmSync(marquee.dbs.tautulliDb);
    rmSync(`${marquee.dbs.tautulliDb}-wal`, { force: true });
    await marquee.collector!.collect();
    expect((await fetch(`${marquee.url}/health`)).status).toBe(503);
    const live = await fetch(`${marquee.url}/livez`);
    expect(live.status).toBe(200);
    expect(live.headers.get('cache-control')).toBe('no-store');
  });
});

describe('Prometheus off, or on a port of its own', () => {
  it('is off by default', async () => {
    const m = await startTestMarquee({ collect: false });
    try {
      expect((await fetch(`${m.url}/metrics`)).status).toBe(404);
    } finally {
      await m.stop();
    }
  });

  it('answers only /metrics on prometheus.port, and not on the image port', async () => {
    const port = await freePort();
    const m = await startTestMarquee({ yaml: `prometheus:\n  enabled: true\n  port: ${port}\n  host: 127.0.0.1\n` });
    try {
      const f = await scrape(`http://127.0.0.1:${port}/metrics`);
      expect(f.has('marquee_streams')).toBe(true);
      expect((await fetch(`http://127.0.0.1:${port}/i/signature.png`)).status).toBe(404);
      expect((await fetch(`${m.url}/metrics`)).status).toBe(404);
    } finally {
      await m.stop();
    }
  });
});
