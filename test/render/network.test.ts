import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGlyphCheck } from '../../src/render/coverage.js';
import type { CircleOp, PolyOp, TextOp } from '../../src/render/drawlist.js';
import type { DrawOp, Renderer } from '../../src/render/index.js';
import { halfHourMaxima } from '../../src/snapshot/sparkline.js';
import type { HistoryPoint, Snapshot } from '../../src/snapshot/schema.js';
import { input, repoRenderer, root } from './helpers.js';
import { NOW, sampleNetworkSnapshot, sampleSnapshot, stream } from './sample.js';

/**
 * The network template (issue 20): a row per server of `network.rows`, a total row, legible from
 * one server to eight. Expected texts are derived here from the snapshot's raw numbers (streams as
 * integers, kbps to CLDR's English "Mb/s" / "kb/s" by hand), and colours from the theme file read
 * as JSON, never through the renderer's formatter or theme loader.
 */
let r: Renderer;
beforeAll(() => {
  r = repoRenderer();
});

const texts = (ops: DrawOp[]) => ops.filter((o): o is TextOp => o.op === 'text');
const textOf = (ops: DrawOp[], tag: string): string | undefined => texts(ops).find((o) => o.tag === tag)?.text;
const network = (snapshot: Snapshot | null, over: Parameters<typeof input>[0] = {}) =>
  r.layout(input({ template: 'network', snapshot, history: [], ...over })).ops;

/** English short units as CLDR writes them, one fraction digit, no trailing ".0". */
function mbps(kbps: number | null): string {
  if (kbps === null) return '—';
  if (kbps < 1000) return `${kbps} kb/s`;
  return `${Math.round(kbps / 100) / 10} Mb/s`;
}

function themeHex(theme: string, role: string): { r: number; g: number; b: number } {
  const file = JSON.parse(readFileSync(`${root}themes/${theme}.json`, 'utf8')) as { colours: Record<string, string> };
  const hex = file.colours[role]!.slice(1);
  return { r: parseInt(hex.slice(0, 2), 16), g: parseInt(hex.slice(2, 4), 16), b: parseInt(hex.slice(4, 6), 16) };
}

type Row = NonNullable<Snapshot['network']>['rows'][number];

/** Three servers, one of them down: the network snapshot.ts would make from them. */
function threeServers(): Snapshot {
  const rows: Row[] = [
    { id: 'home', name: 'Home', state: 'busy', streams: 7, bandwidthKbps: 45_678, sparkline: [0, 1, 4, 2] },
    { id: '4k', name: '4K', state: 'online', streams: 0, bandwidthKbps: 0, sparkline: [2, 2] },
    { id: 'eu', name: 'Europe', state: 'offline', streams: null, bandwidthKbps: null },
  ];
  const s = sampleSnapshot();
  const streams = Array.from({ length: 7 }, () => stream({ bandwidthKbps: 45_678 / 7 }));
  return {
    ...s,
    state: 'busy',
    activity: { ...s.activity!, streamCount: 7, streams, bandwidthKbps: { total: 45_678, lan: 45_678, wan: 0 } },
    network: { servers: 3, online: 2, partial: true, rows },
  };
}

describe('a row per server and a total', () => {
  it('prints each row from its raw numbers, in the order of network.rows', () => {
    const s = threeServers();
    const ops = network(s);
    s.network!.rows.forEach((row, i) => {
      expect(textOf(ops, `network.row.${i}.name`)).toBe(row.name);
      expect(textOf(ops, `network.row.${i}.streams`)).toBe(row.streams === null ? '—' : String(row.streams));
      expect(textOf(ops, `network.row.${i}.bandwidth`)).toBe(mbps(row.bandwidthKbps));
    });
    expect(texts(ops).filter((t) => /^network\.row\.\d+\.name$/.test(t.tag ?? ''))).toHaveLength(3);
    // A state other than online is said in words too, not by the dot's colour alone.
    expect(textOf(ops, 'network.row.0.note')).toBe('busy');
    expect(textOf(ops, 'network.row.1.note')).toBeUndefined();
    expect(textOf(ops, 'network.row.2.note')).toBe('offline');
  });

  it("gives each row's dot its state's colour from the theme", () => {
    for (const theme of ['dark', 'light', 'nord']) {
      const ops = network(threeServers(), { theme });
      const dots = ops.filter((o): o is CircleOp => o.op === 'circle' && /^network\.row\.\d\.dot$/.test(o.tag ?? ''));
      const rgb = (d: CircleOp) => ({ r: d.fill.r, g: d.fill.g, b: d.fill.b });
      expect(dots.map(rgb), theme).toEqual([themeHex(theme, 'warn'), themeHex(theme, 'ok'), themeHex(theme, 'offline')]);
    }
  });

  it("totals the network's activity and says how many servers answer", () => {
    const s = threeServers();
    const ops = network(s);
    expect(textOf(ops, 'network.total.name')).toBe('Total');
    expect(textOf(ops, 'network.total.streams')).toBe(String(s.activity!.streamCount));
    expect(textOf(ops, 'network.total.bandwidth')).toBe(mbps(s.activity!.bandwidthKbps.total));
    expect(textOf(ops, 'network.total.note')).toBe(`${s.network!.online} of ${s.network!.servers} online · partial`);
    expect(textOf(network({ ...s, network: { ...s.network!, partial: false } }), 'network.total.note')).toBe('2 of 3 online');
  });

  it('speaks the language of the image', () => {
    const ops = network(threeServers(), { params: { scale: 1, locale: 'de' } });
    expect(textOf(ops, 'network.head.name')).toBe('Server');
    expect(textOf(ops, 'network.total.name')).toBe('Gesamt');
    expect(textOf(ops, 'network.total.note')).toBe('2 von 3 online · lückenhaft');
    expect(textOf(ops, 'network.row.0.bandwidth')).toBe('45,7 Mb/s');
    expect(textOf(ops, 'network.row.2.note')).toBe('offline');
  });
});

describe('one server (a snapshot without `network`)', () => {
  it("draws that server as the one row, named by the image's title", () => {
    const s = sampleSnapshot();
    const ops = network(s, { params: { scale: 1, title: 'Basement' } });
    expect(textOf(ops, 'network.row.0.name')).toBe('Basement');
    expect(textOf(ops, 'network.row.0.streams')).toBe(String(s.activity!.streamCount));
    expect(textOf(ops, 'network.row.0.bandwidth')).toBe(mbps(s.activity!.bandwidthKbps.total));
    expect(textOf(ops, 'network.row.1.name')).toBeUndefined();
    expect(textOf(ops, 'network.total.streams')).toBe(String(s.activity!.streamCount));
    expect(textOf(ops, 'network.total.note')).toBe('1 of 1 online');
    expect(textOf(network(sampleSnapshot({ state: 'offline', activity: null })), 'network.total.note')).toBe('0 of 1 online');
  });

  it('names the row after its server when it is one of several (/i/4k/network.png)', () => {
    const ops = network(sampleSnapshot({ server: { id: '4k', name: '4K' } }), { params: { scale: 1, title: 'Basement' } });
    expect(textOf(ops, 'network.row.0.name')).toBe('4K');
  });
});

describe('never old live numbers as current', () => {
  it('prints every row and the total as missing once the snapshot is old, the dots in the stale colour', () => {
    const s = { ...threeServers(), takenAt: NOW - 47 * 60_000 };
    const ops = network(s);
    for (const part of ['row.0.streams', 'row.0.bandwidth', 'row.1.streams', 'total.streams', 'total.bandwidth']) {
      expect(textOf(ops, `network.${part}`), part).toBe('—');
    }
    const dots = ops.filter((o): o is CircleOp => o.op === 'circle' && /^network\.row/.test(o.tag ?? ''));
    expect(dots.map((d) => ({ r: d.fill.r, g: d.fill.g, b: d.fill.b }))).toEqual(Array(3).fill(themeHex('dark', 'stale')));
    expect(textOf(ops, 'network.total.note')).toBeUndefined();
  });

  it('draws a header and a total of dashes without a snapshot', () => {
    const ops = network(null);
    expect(textOf(ops, 'network.total.streams')).toBe('—');
    expect(textOf(ops, 'network.row.0.name')).toBeUndefined();
  });
});

describe('one to eight servers, and more', () => {
  const box = { x: 16, y: 48, w: 488, h: 204 };

  it.each([1, 2, 3, 8])('%d server(s): every line inside the box, one above the next, text at 9 px or more', (n) => {
    const s = sampleNetworkSnapshot(n);
    expect(s.network!.rows).toHaveLength(n);
    const ops = network(s);
    const names = texts(ops).filter((t) => /^network\.(row\.\d+|total)\.name$/.test(t.tag ?? ''));
    expect(names.map((t) => t.text)).toEqual([...s.network!.rows.map((row) => row.name), 'Total']);
    for (const t of texts(ops).filter((o) => o.tag?.startsWith('network.'))) {
      expect(t.font.size, t.tag).toBeGreaterThanOrEqual(9);
      expect(t.y - t.font.size * 0.75, t.tag).toBeGreaterThanOrEqual(box.y);
      expect(t.y + t.font.size * 0.25, t.tag).toBeLessThanOrEqual(box.y + box.h);
    }
    const baselines = names.map((t) => t.y);
    for (let i = 1; i < baselines.length; i++) expect(baselines[i]! - baselines[i - 1]!).toBeGreaterThanOrEqual(names[i]!.font.size + 4);
  });

  it('shrinks rows as servers are added, and keeps the two-server card roomy', () => {
    const size = (n: number) => texts(network(sampleNetworkSnapshot(n))).find((t) => t.tag === 'network.row.0.name')!.font.size;
    const sizes = [1, 2, 3, 8].map(size);
    expect([...sizes].sort((a, b) => b - a)).toEqual(sizes);
    expect(sizes[1]).toBeGreaterThanOrEqual(12);
    expect(sizes[3]).toBeGreaterThanOrEqual(9);
  });

  it('folds servers past eight into "+N more servers", while the total still counts them all', () => {
    const eight = sampleNetworkSnapshot(8);
    const rows = Array.from({ length: 12 }, (_, i) => ({ ...eight.network!.rows[i % 8]!, id: `s${i}`, name: `Server ${i + 1}` }));
    const ops = network({ ...eight, network: { ...eight.network!, servers: 12, rows } });
    const drawn = texts(ops).filter((t) => /^network\.row\.\d+\.name$/.test(t.tag ?? ''));
    expect(drawn.map((t) => t.text)).toEqual(rows.slice(0, 7).map((row) => row.name));
    expect(textOf(ops, 'network.more')).toBe('+5 more servers');
    expect(textOf(ops, 'network.total.streams')).toBe(String(eight.activity!.streamCount));
  });
});

describe('sparklines', () => {
  const near = (v: number): unknown => expect.closeTo(v, 9);
  /** Heights of a sparkline's points above its axis, as fractions of its tallest point. */
  function heights(ops: DrawOp[], tag: string): number[] {
    const line = ops.find((o): o is PolyOp => o.op === 'poly' && o.tag === tag)!;
    const axis = ops.find((o): o is PolyOp => o.op === 'poly' && o.tag === `${tag}.axis`)!;
    const bottom = axis.points[1]!;
    return line.points.filter((_, i) => i % 2 === 1).map((y) => bottom - y);
  }

  it('draws every row on one scale, so a quiet server looks quiet beside a busy one', () => {
    const ops = network(threeServers());
    const home = heights(ops, 'network.row.0.sparkline');
    const fourK = heights(ops, 'network.row.1.sparkline');
    const top = Math.max(...home);
    // Home peaks at 4, 4K stays at 2: half as high.
    expect(home.map((h) => h / top)).toEqual([0, 1, 4, 2].map((v) => near(v / 4)));
    expect(fourK.map((h) => h / top)).toEqual([near(0.5), near(0.5)]);
    // A server without history draws its axis only.
    expect(ops.some((o) => o.tag === 'network.row.2.sparkline')).toBe(false);
    expect(ops.some((o) => o.tag === 'network.row.2.sparkline.axis')).toBe(true);
  });

  it('puts the newest half hour at the right edge, however short the series', () => {
    const ops = network(threeServers());
    const axis = ops.find((o): o is PolyOp => o.op === 'poly' && o.tag === 'network.row.1.sparkline.axis')!;
    const line = ops.find((o): o is PolyOp => o.op === 'poly' && o.tag === 'network.row.1.sparkline')!;
    expect(line.points.at(-2)).toBeCloseTo(axis.points[2]!, 6);
    // Two of 48 slots: one slot's width (1/47 of the axis) apart.
    expect(line.points.at(-2)! - line.points[0]!).toBeCloseTo((axis.points[2]! - axis.points[0]!) / 47, 6);
  });

  it("takes the total's from the network's history: the most streams of each half hour", () => {
    const point = (minutesAgo: number, streams: number): HistoryPoint => ({
      at: NOW - minutesAgo * 60_000,
      streams,
      transcodes: 0,
      bandwidthKbps: 0,
      cpuPct: null,
      memPct: null,
      temperatureC: null,
    });
    // Half hours ending at NOW: (NOW-30m, NOW], (NOW-60m, NOW-30m], ...; older than 24 h is left out.
    const history = [point(24 * 60 + 5, 9), point(95, 1), point(70, 3), point(65, 5), point(40, 2), point(5, 4), point(0, 6)];
    expect(halfHourMaxima(history, NOW)).toEqual([1, 5, 2, 6]);
    expect(halfHourMaxima([], NOW)).toEqual([]);
    const ops = network(threeServers(), { history });
    const h = heights(ops, 'network.total.sparkline');
    expect(h.map((v) => v / Math.max(...h))).toEqual([1, 5, 2, 6].map((v) => near(v / 6)));
  });
});

describe('every word whole', () => {
  it('cuts no text in any locale with the demo servers, one to eight of them, the network partial', () => {
    const cut: string[] = [];
    for (const locale of r.locales) {
      for (const n of [1, 2, 3, 8]) {
        const s = sampleNetworkSnapshot(n);
        const partial = { ...s, network: { ...s.network!, partial: true } };
        for (const snapshot of [sampleSnapshot(), partial]) {
          for (const t of texts(network(snapshot, { params: { scale: 1, locale } })))
            if (t.truncated) cut.push(`${locale} ${n} ${t.tag}: ${t.full}`);
        }
      }
    }
    expect(cut).toEqual([]);
  });
});

describe('no tofu', () => {
  it('draws every character of the network template with a font, in every locale, 1 to 8 servers', () => {
    const glyphs = createGlyphCheck();
    for (const locale of r.locales) {
      for (const snapshot of [sampleSnapshot(), ...[1, 2, 3, 8].map((n) => sampleNetworkSnapshot(n))]) {
        const drawn = texts(network(snapshot, { params: { scale: 1, locale } })).map((t) => t.text);
        expect(glyphs.missing(drawn), locale).toEqual([]);
      }
    }
  });
});
