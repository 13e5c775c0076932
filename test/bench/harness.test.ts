import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpuMsOf, ownPeakRss, rssOf, startScriptEnv } from '../../bench/lib/child.js';
import { atLeast, atMost, formatTable, sheetsReadsAllowed, worst, type Row } from '../../bench/lib/report.js';
import { median, medianBy, percentile } from '../../bench/lib/stats.js';
import { sourceOf, summarise } from '../../bench/profile-top.js';

/** The harness's own pieces; the benchmark itself is `npm run bench`, never a timed test. */
describe('bench statistics', () => {
  it.each([
    [[], 50, Number.NaN],
    [[5], 99, 5],
    [[3, 1, 2], 50, 2],
    [[1, 2, 3, 4], 50, 2],
    [Array.from({ length: 100 }, (_, i) => i + 1), 99, 99],
    [Array.from({ length: 100 }, (_, i) => i + 1), 100, 100],
  ])('percentile(%j, %d) = %d (nearest rank)', (xs, p, want) => {
    expect(percentile(xs, p)).toEqual(want);
  });

  it('takes the median of odd and even counts without sorting its input in place', () => {
    const xs = [4, 1, 3, 2];
    expect(median(xs)).toBe(2.5);
    expect(xs).toEqual([4, 1, 3, 2]);
    expect(median([9, 1, 5])).toBe(5);
  });

  it('picks the run whose key is the median, so its other fields belong together', () => {
    const runs = [
      { rps: 3, p99: 30 },
      { rps: 1, p99: 10 },
      { rps: 2, p99: 20 },
    ];
    expect(medianBy(runs, (r) => r.rps)).toEqual({ rps: 2, p99: 20 });
  });
});

describe('bench targets', () => {
  it('judges limits inclusively and never passes a missing figure', () => {
    expect(atMost(10, 10)).toBe('pass');
    expect(atMost(10.01, 10)).toBe('MISS');
    expect(atLeast(0.7, 0.7)).toBe('pass');
    expect(atMost(Number.NaN, 10)).toBe('MISS');
    expect(atLeast(Number.NaN, 0.7)).toBe('MISS');
  });

  it('reports the worst status of a row', () => {
    expect(worst('pass', 'MISS')).toBe('MISS');
    expect(worst('pass', 'skip')).toBe('skip');
    expect(worst('pass', 'pass')).toBe('pass');
    expect(worst()).toBe('info');
  });

  it.each([
    [10, 5, 3],
    [9.9, 5, 2],
    [60, 60, 2],
    [4, 5, 1],
  ])('allows %d s of load with a %d s TTL at most %d Sheets reads', (d, ttl, n) => {
    expect(sheetsReadsAllowed(d, ttl)).toBe(n);
  });

  it('prints one aligned Markdown table', () => {
    const rows: Row[] = [
      { phase: '1 cached hit', case: 'Marquee', result: '9 req/s', target: '>= 1', status: 'pass' },
      { phase: '1 cached hit', case: 'bare', result: '10 req/s', target: '', status: 'info' },
    ];
    const lines = formatTable(rows).split('\n');
    expect(lines).toHaveLength(4);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    expect(lines[2]).toContain('| pass   |');
    // An informational row leaves the status cell blank.
    expect(lines[3]).toMatch(/\| {8}\|$/);
  });
});

describe('bench process probes', () => {
  it('runs measured processes with the environment npm start sets', () => {
    expect(startScriptEnv()).toEqual({ MALLOC_MMAP_THRESHOLD_: '131072', NODE_OPTIONS: '--max-semi-space-size=2 --expose-gc' });
  });

  it('reads RSS, CPU time and the RSS high-water mark from /proc', () => {
    expect(rssOf(process.pid)).toBeGreaterThan(10 * 1024 * 1024);
    expect(cpuMsOf(process.pid)).toBeGreaterThan(0);
    expect(ownPeakRss()).toBeGreaterThanOrEqual(rssOf(process.pid) * 0.5);
  });
});

describe('bench profile summary', () => {
  it('names sources by package or by source path, compiled or not', () => {
    expect(sourceOf('file:///work/main/node_modules/@napi-rs/canvas/index.js')).toBe('@napi-rs/canvas');
    expect(sourceOf('file:///work/main/node_modules/express/lib/response.js')).toBe('express');
    expect(sourceOf('file:///work/main/bench/.cache/dist/src/server/app.js')).toBe('src/server/app.js');
    expect(sourceOf('file:///work/main/src/server/app.ts')).toBe('src/server/app.ts');
    expect(sourceOf('')).toBe('(native)');
  });

  it('adds self time per function and total time per source, idle excluded', () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
    const s = summarise({
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 4] },
        { id: 2, callFrame: frame('handle', 'file:///r/node_modules/express/a.js'), children: [3] },
        { id: 3, callFrame: frame('render', 'file:///r/src/render/index.ts') },
        { id: 4, callFrame: frame('(idle)', '') },
      ],
      samples: [3, 3, 2, 4],
      timeDeltas: [1000, 1000, 2000, 5000],
    });
    expect(s.totalMs).toBe(4);
    expect(s.byFunction[0]).toEqual(['render src/render/index.ts:1', 2]);
    expect(Object.fromEntries(s.bySource).express).toEqual({ self: 2, total: 4 });
  });
});

const php = spawnSync('php', ['-r', 'echo function_exists("imagecreatetruecolor") ? "gd" : "no";'], { encoding: 'utf8' });
describe.skipIf(php.stdout !== 'gd')('bench GD reference script', () => {
  it('draws a 600x200 PNG and reports one timing per iteration', () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const r = spawnSync('php', [path.join(root, 'bench/reference/gd-signature.php'), path.join(root, 'fonts'), '3', '1'], {
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { width: number; height: number; bytes: number; samplesMs: number[] };
    expect(out).toMatchObject({ width: 600, height: 200 });
    expect(out.bytes).toBeGreaterThan(5000);
    expect(out.samplesMs).toHaveLength(3);
  });
});
