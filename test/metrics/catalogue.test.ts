import { describe, expect, it } from 'vitest';
import { metricFields, metricsHealthChecks, resolveMetricPath } from '../../src/metrics/catalogue.js';
import { isIdentifying } from '../../src/metrics/config.js';
import { builtinParams, tzOffsetMinutesAt } from '../../src/metrics/params.js';
import { leadingKeyword } from '../../src/metrics/statement.js';
import { builtinFields, extendCatalogue } from '../../src/snapshot/fields.js';
import { parseDefs } from './support.js';

const defs = parseDefs({
  plays: { source: 'tautulli', returns: 'scalar', type: 'integer', unit: 'count', description: 'Plays', sql: 'SELECT 1' },
  top: {
    source: 'tautulli',
    returns: 'row',
    columns: { who: 'text', secs: { type: 'integer', unit: 's', description: 'watch time' } },
    sql: 'SELECT 1',
  },
  hours: { source: 'marquee', returns: 'table', columns: { hour: 'integer', n: 'integer' }, sql: 'SELECT 1' },
});

describe('metric fields', () => {
  it('extend the built-in catalogue under metrics.*', () => {
    const cat = extendCatalogue(builtinFields(), metricFields(defs));
    expect(cat.get('metrics.plays')).toMatchObject({ type: 'int', unit: 'count', description: 'Plays', identifying: false });
    expect(cat.get('metrics.top.who')).toMatchObject({ type: 'string', unit: 'none', identifying: true });
    expect(cat.get('metrics.top.secs')).toMatchObject({
      type: 'int',
      unit: 's',
      description: 'Custom metric top: watch time',
      identifying: true,
    });
    expect(cat.get('metrics.hours')).toMatchObject({
      type: 'list',
      identifying: false,
      description: 'Custom metric hours; rows of hour (integer), n (integer)',
    });
    expect(cat.has('metrics.top')).toBe(false);
  });

  it('are identifying by default when they return text, unless the owner says otherwise', () => {
    const d = parseDefs({
      a: { source: 'plex', returns: 'scalar', type: 'text', sql: 'SELECT 1' },
      b: { source: 'plex', returns: 'scalar', type: 'text', identifying: false, sql: 'SELECT 1' },
      c: { source: 'plex', returns: 'scalar', type: 'real', sql: 'SELECT 1' },
      d: { source: 'plex', returns: 'scalar', type: 'real', identifying: true, sql: 'SELECT 1' },
    });
    expect(Object.values(d).map(isIdentifying)).toEqual([true, false, false, true]);
  });

  it('resolve only for ok metrics, down to a row column', () => {
    const metrics = {
      plays: { status: 'ok' as const, value: 12 },
      top: { status: 'ok' as const, value: { who: 'A', secs: 60 } },
      broken: { status: 'error' as const, error: 'boom', value: null },
    };
    expect(resolveMetricPath(metrics, 'metrics.plays')).toBe(12);
    expect(resolveMetricPath(metrics, 'metrics.top.secs')).toBe(60);
    expect(resolveMetricPath(metrics, 'metrics.top.nope')).toBeNull();
    expect(resolveMetricPath(metrics, 'metrics.broken')).toBeNull();
    expect(resolveMetricPath(metrics, 'metrics.missing')).toBeNull();
  });

  it('report on /health as a pass, or a warning that carries the error', () => {
    const at = Date.UTC(2026, 8, 21, 12);
    expect(
      metricsHealthChecks({ a: { status: 'ok', value: 1 }, b: { status: 'error', error: 'exceeded its time budget', value: null } }, at),
    ).toEqual({
      'metric:a': [{ status: 'pass', componentType: 'component', time: '2026-09-21T12:00:00.000Z' }],
      'metric:b': [{ status: 'warn', componentType: 'component', time: '2026-09-21T12:00:00.000Z', output: 'exceeded its time budget' }],
    });
  });
});

describe('built-in parameters', () => {
  it('are derived from now and the zone offset', () => {
    // 2026-09-21 13:33:20 UTC = 15:33:20 at +02:00.
    const p = builtinParams(1_790_000_000_123, 120);
    expect(p).toEqual({
      now: 1_790_000_000,
      now_ms: 1_790_000_000_123,
      since_24h: 1_790_000_000 - 86_400,
      since_7d: 1_790_000_000 - 7 * 86_400,
      since_30d: 1_790_000_000 - 30 * 86_400,
      day_start: Date.UTC(2026, 8, 20, 22) / 1000,
      month_start: Date.UTC(2026, 7, 31, 22) / 1000,
      tz_offset: '+120 minutes',
      tz_offset_s: 7200,
      server: 'default',
    });
    expect(builtinParams(1_790_000_000_123, 120, '4k').server).toBe('4k');
    // West of UTC, just after local midnight on the 1st.
    const w = builtinParams(Date.UTC(2026, 9, 1, 5, 30), -300);
    expect(w.day_start).toBe(Date.UTC(2026, 9, 1, 5) / 1000);
    expect(w.month_start).toBe(Date.UTC(2026, 9, 1, 5) / 1000);
    expect(w.tz_offset).toBe('-300 minutes');
  });

  it('follow the configured zone across DST', () => {
    expect(tzOffsetMinutesAt('Europe/Berlin', Date.UTC(2026, 6, 1))).toBe(120);
    expect(tzOffsetMinutesAt('Europe/Berlin', Date.UTC(2026, 0, 1))).toBe(60);
    expect(tzOffsetMinutesAt('America/New_York', Date.UTC(2026, 0, 1))).toBe(-300);
    expect(tzOffsetMinutesAt('Asia/Kolkata', Date.UTC(2026, 0, 1))).toBe(330);
    expect(tzOffsetMinutesAt('UTC', Date.UTC(2026, 0, 1))).toBe(0);
  });
});

describe('leadingKeyword', () => {
  it.each([
    ['select 1', 'SELECT'],
    ['  -- a comment\n  /* and another */ WITH x AS (SELECT 1) SELECT * FROM x', 'WITH'],
    ['/* unterminated', ''],
    ['-- only a comment', ''],
    ['\n\tattach "x" as y', 'ATTACH'],
  ])('%j -> %s', (sql, kw) => {
    expect(leadingKeyword(sql)).toBe(kw);
  });
});
