import { describe, expect, it } from 'vitest';
import { buildHealth } from '../../src/server/health.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import type { StoreHealth } from '../../src/stores/store.js';
import { sampleSnapshot } from '../support/sample-snapshot.js';

/**
 * /health is public. A failing check names its error code; the text beside it is the same for every
 * failure with that code, whatever the exception said (paths, SQL, the spreadsheet id).
 */

const NOW = Date.UTC(2025, 0, 15, 12, 0, 30);

function report(options: { sources?: Partial<Snapshot['sources']>; stores?: { kind: string; health: StoreHealth }[] } = {}) {
  const base = sampleSnapshot();
  const snapshot: Snapshot = { ...base, sources: { ...base.sources, ...options.sources } };
  return buildHealth({ snapshot, stores: options.stores ?? [], now: NOW, staleAfterMs: 120_000, version: 'test' });
}

describe('health checks publish an error code and a fixed sentence, never the error text', () => {
  const rawSqlite = "SQLITE_CANTOPEN: unable to open database file '/srv/plex/Library/com.plexapp.plugins.library.db'";

  it('for a failing source, the same output whatever the raw message was', () => {
    const outputs = [rawSqlite, 'EACCES: permission denied, copyfile /tmp/marquee-ro-x1/tautulli.db-wal', 'x'].map(
      (message) =>
        report({
          sources: { tautulli: { status: 'stale', updatedAt: NOW - 60_000, durationMs: 3, error: { code: 'unavailable', message } } },
        }).checks['tautulli:responseTime']![0]!,
    );
    expect(outputs[0]).toMatchObject({ status: 'fail', output: expect.stringMatching(/^serving last good data; unavailable: \S/) });
    expect(new Set(outputs.map((o) => o.output)).size).toBe(1);
    expect(outputs[0]!.output).not.toMatch(/\/srv|\/tmp|SQLITE|EACCES|permission/);
  });

  it('for a code this build does not know (a snapshot from another build), no text at all', () => {
    const check = report({
      sources: { plex: { status: 'error', updatedAt: null, durationMs: 1, error: { code: 'novel', message: rawSqlite } } },
    }).checks['plex:responseTime']![0]!;
    expect(check.status).toBe('fail');
    expect(check.output).not.toContain('/srv');
    expect(check.output).not.toContain('novel');
  });

  it.each([
    [
      'a Sheets outage quoting the spreadsheet id',
      'stale',
      'unreachable',
      'request to https://sheets.googleapis.com/v4/spreadsheets/1AbC-sheet-id-xyz/values:batchGet failed, reason: ECONNREFUSED',
    ],
    ['a Sheets permission error', 'error', 'denied', 'The caller does not have permission on spreadsheet 1AbC-sheet-id-xyz'],
    ['a SQLite store error without a code', 'error', undefined, "SQLITE_IOERR: disk I/O error on '/data/marquee.db'"],
  ] as const)('for a store: %s', (_what, status, code, message) => {
    const health: StoreHealth = { status, message, lastSuccessAt: NOW - 60_000, ...(code ? { code } : {}) };
    const check = report({ stores: [{ kind: 'sheets', health }] }).checks['store:sheets']![0]!;
    expect(check.status).toBe(status === 'stale' ? 'warn' : 'fail');
    expect(check.output).toMatch(new RegExp(`^(serving last good data; )?${code ?? 'failed'}: \\S`));
    expect(check.output).not.toMatch(/1AbC-sheet-id-xyz|googleapis|SQLITE|\/data/);
  });

  it('an ok store and an ok source carry no output', () => {
    const r = report({ stores: [{ kind: 'sqlite', health: { status: 'ok', lastSuccessAt: NOW } }] });
    expect(r.checks['store:sqlite']![0]).not.toHaveProperty('output');
    expect(r.checks['plex:responseTime']![0]).not.toHaveProperty('output');
  });
});

describe("the report in the API health-check draft's terms", () => {
  it('keys each source "component:measurement", types it, and gives a release id', () => {
    const r = report();
    expect(Object.keys(r.checks)).toEqual(
      expect.arrayContaining(['plex:responseTime', 'tautulli:responseTime', 'host:responseTime', 'snapshot:age']),
    );
    expect(r.checks['plex:responseTime']![0]).toMatchObject({ componentType: 'datastore', observedUnit: 'ms', status: 'pass' });
    expect(r.checks['host:responseTime']![0]!.componentType).toBe('system');
    expect(r.releaseId).toBe('test');
  });

  it('gives a source that did not answer a time, and no response time (never "0 ms")', () => {
    const failed = report({
      sources: { tautulli: { status: 'error', updatedAt: null, durationMs: 0, error: { code: 'timeout', message: 'x' } } },
    }).checks['tautulli:responseTime']![0]!;
    expect(failed).not.toHaveProperty('observedValue');
    expect(failed).not.toHaveProperty('observedUnit');
    expect(failed.time).toBe(new Date(sampleSnapshot().takenAt).toISOString());
  });
});

describe('render:fonts: characters no configured font draws', () => {
  const healthy = (): Snapshot => {
    const s = sampleSnapshot();
    return { ...s, sources: { ...s.sources, tautulli: { status: 'ok', updatedAt: s.takenAt, durationMs: 3 } } };
  };
  const withFonts = (fonts: Parameters<typeof buildHealth>[0]['fonts']) =>
    buildHealth({ snapshot: healthy(), stores: [], now: healthy().takenAt, staleAfterMs: 120_000, version: 'test', fonts });

  it('passes when every locale and drawn title is covered, and is absent when not asked', () => {
    expect(withFonts({ locales: [{ locale: 'ja', missing: [] }], drawn: [] }).checks['render:fonts']).toEqual([
      { status: 'pass', componentType: 'component', observedValue: 0, observedUnit: 'characters without a glyph' },
    ]);
    expect(report().checks).not.toHaveProperty('render:fonts');
  });

  it('warns, naming the locale and the code points, and does not fail the report for it', () => {
    const r = withFonts({ locales: [{ locale: 'ja', missing: ['映', '画'] }], drawn: ['\u{10FFFC}'] });
    expect(r.checks['render:fonts']![0]).toMatchObject({
      status: 'warn',
      observedValue: 3,
      output: expect.stringMatching(/^locale ja: no font draws 2 character\(s\): U\+6620 U\+753B; drawn text .*: U\+10FFFC /),
    });
    expect(r.status).not.toBe('fail');
  });

  it('names at most eight characters per line', () => {
    const many = [...'ABCDEFGHIJKL'];
    const out = withFonts({ locales: [], drawn: many }).checks['render:fonts']![0]!.output!;
    expect(out).toContain('12 character(s): U+0041 U+0042 U+0043 U+0044 U+0045 U+0046 U+0047 U+0048 …');
  });
});
