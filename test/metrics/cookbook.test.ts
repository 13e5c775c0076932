import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { metricFields } from '../../src/metrics/catalogue.js';
import type { MetricDbPaths } from '../../src/metrics/config.js';
import { cookbook } from '../../src/metrics/cookbook.js';
import { cookbookMarkdown } from '../../src/metrics/cookbook-doc.js';
import { MetricsRunner } from '../../src/metrics/runner.js';
import { validateMetrics } from '../../src/metrics/validate.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { FIXTURE_NOW_MS, fixtureDbs } from '../support/fixtures.js';
import { expectedCookbook } from './cookbook-oracle.js';
import { demoHistoryStore, parseDefs, TZ_OFFSET_MIN } from './support.js';

const defs = parseDefs(Object.fromEntries(cookbook.map((e) => [e.name, e.def])));
const store = demoHistoryStore();
const paths: MetricDbPaths = { plex: fixtureDbs('demo').plexDb, tautulli: fixtureDbs('demo').tautulliDb, marquee: store.file };

let results: Snapshot['metrics'];
let expected: Record<string, unknown>;
let runMs = 0;

beforeAll(async () => {
  const runner = new MetricsRunner({ defs, dbPaths: paths, tzOffsetMinutes: TZ_OFFSET_MIN });
  try {
    const t0 = performance.now();
    results = await runner.run(FIXTURE_NOW_MS);
    runMs = performance.now() - t0;
  } finally {
    await runner.close();
  }
  expected = expectedCookbook(store.points);
});

/** Reals are compared to 9 significant places: SQLite and JS sum floats in different orders. */
function close(actual: unknown, want: unknown): void {
  if (typeof want === 'number' && !Number.isInteger(want)) {
    expect(actual).toBeTypeOf('number');
    expect(Math.abs((actual as number) - want)).toBeLessThan(1e-9 * Math.max(1, Math.abs(want)));
  } else if (Array.isArray(want)) {
    expect(actual).toHaveLength(want.length);
    want.forEach((w, i) => close((actual as unknown[])[i], w));
  } else if (want && typeof want === 'object') {
    expect(Object.keys(actual as object).sort()).toEqual(Object.keys(want).sort());
    for (const [k, w] of Object.entries(want)) close((actual as Record<string, unknown>)[k], w);
  } else expect(actual).toEqual(want);
}

describe('cookbook', () => {
  it('has at least eight examples, covering every source', () => {
    expect(cookbook.length).toBeGreaterThanOrEqual(8);
    expect(new Set(cookbook.map((e) => e.def.source))).toEqual(new Set(['plex', 'tautulli', 'marquee']));
  });

  it('passes start-up validation on the demo databases', () => {
    expect(validateMetrics(defs, paths)).toEqual([]);
  });

  it.each(cookbook.map((e) => [e.name]))('%s matches an independent computation on the demo fixture', (name) => {
    const r = results[name];
    expect(r?.error).toBeUndefined();
    expect(r?.status).toBe('ok');
    close(r?.value, expected[name]);
  });

  it('produces non-trivial answers (the fixture exercises every example)', () => {
    const v = (n: string) => results[n]?.value as never;
    expect((v('late_night_plays') as { plays: number }[]).some((r) => r.plays > 0)).toBe(true);
    expect(v('pause_minutes_by_genre')).toHaveLength(10);
    expect((v('temperature_by_streams') as unknown[]).length).toBeGreaterThan(2);
    expect((v('most_rewatched_title') as { rewatches: number }).rewatches).toBeGreaterThan(0);
    expect((v('transcode_share_by_platform') as { share: number }[]).some((r) => r.share > 0 && r.share < 1)).toBe(true);
    expect((v('library_growth') as { movies: number }[]).filter((r) => r.movies > 0).length).toBeGreaterThan(6);
    expect(v('plays_today')).toBeGreaterThan(0);
  });

  it('runs all examples within their budgets', () => {
    // Each example's own budget is 2 s; together they stay well inside one 30 s collection interval.
    expect(runMs).toBeLessThan(10_000);
  });

  it('docs/cookbook.md is generated from cookbook.ts (regenerate: npm run cookbook)', () => {
    const doc = readFileSync(new URL('../../docs/cookbook.md', import.meta.url), 'utf8');
    expect(doc).toBe(cookbookMarkdown());
    // And every YAML block in it is a valid `metrics:` config, equal to the tested definitions.
    const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => YAML.parse(m[1]!) as { metrics: unknown });
    expect(parseDefs(Object.assign({}, ...blocks.map((b) => b.metrics)))).toEqual(defs);
  });

  it('adds one catalogue entry per scalar, per row column and per table, with units and privacy flags', () => {
    const fields = new Map(metricFields(defs).map((f) => [f.path, f]));
    expect(fields.get('metrics.plays_today')).toMatchObject({ type: 'int', unit: 'count', identifying: false, source: 'tautulli' });
    expect(fields.get('metrics.movie_library_bytes')).toMatchObject({ type: 'int', unit: 'bytes', source: 'plex' });
    expect(fields.get('metrics.top_user_by_watch_time.user')).toMatchObject({ type: 'string', identifying: true });
    expect(fields.get('metrics.top_user_by_watch_time.watch_time_s')).toMatchObject({ type: 'int', unit: 's' });
    expect(fields.get('metrics.late_night_plays')).toMatchObject({ type: 'list', identifying: false });
    expect(fields.get('metrics.temperature_by_streams')).toMatchObject({ type: 'list', source: 'marquee' });
  });
});
