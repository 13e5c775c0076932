import { createCanvas } from '@napi-rs/canvas';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DrawList, DrawOp, Renderer } from '../../src/render/index.js';
import type { TextOp } from '../../src/render/drawlist.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { input, repoRenderer, textOp } from './helpers.js';
import { NOW, sampleNetworkSnapshot, sampleSnapshot, stream } from './sample.js';

/**
 * Legible and accessible at 1x, asserted on the draw list for every template x theme x state:
 * - no text under 9 px;
 * - every text run meets WCAG 2.x AA contrast against the colour actually behind it.
 *
 * Oracle: WCAG's own definitions, written out here and not imported from src/render/colour.ts:
 * relative luminance of sRGB (https://www.w3.org/TR/WCAG21/#dfn-relative-luminance), contrast
 * ratio (L1 + 0.05) / (L2 + 0.05), AA minimum 4.5:1, or 3:1 for large text (18 pt = 24 px, or
 * 14 pt = 18.67 px bold). What is "behind" a glyph is found by compositing, in paint order, every
 * filled shape drawn before the text that covers the sample point (source-over alpha blending),
 * over the page: a white page and Discord's dark (#313338), so `transparent` is checked on both.
 */

interface Rgb {
  r: number;
  g: number;
  b: number;
}
interface Rgba extends Rgb {
  a: number;
}

const WHITE_PAGE: Rgb = { r: 255, g: 255, b: 255 };
const DISCORD_DARK: Rgb = { r: 0x31, g: 0x33, b: 0x38 };
const MIN_SIZE_PX = 9;

function channel(v: number): number {
  const s = v / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}
function relativeLuminance(c: Rgb): number {
  return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
}
function contrast(a: Rgb, b: Rgb): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}
function over(top: Rgba, under: Rgb): Rgb {
  const a = Math.min(Math.max(top.a, 0), 1);
  return { r: top.r * a + under.r * (1 - a), g: top.g * a + under.g * (1 - a), b: top.b * a + under.b * (1 - a) };
}
function isLarge(op: TextOp): boolean {
  return op.font.size >= 24 || (op.font.size >= 18.66 && op.font.weight >= 700);
}

/** A linear gradient as github-readme-stats draws it: 0 degrees left to right, stops evenly spaced. */
function gradientAt(
  g: { angle: number; stops: Rgba[] },
  box: { x: number; y: number; w: number; h: number },
  px: number,
  py: number,
): Rgba {
  const a = (g.angle * Math.PI) / 180;
  const proj = (x: number, y: number) => x * Math.cos(a) + y * Math.sin(a);
  const ends = [proj(box.x, box.y), proj(box.x + box.w, box.y), proj(box.x, box.y + box.h), proj(box.x + box.w, box.y + box.h)];
  const t0 = Math.min(...ends);
  const t = Math.min(Math.max((proj(px, py) - t0) / (Math.max(...ends) - t0 || 1), 0), 1);
  const pos = t * (g.stops.length - 1);
  const i = Math.min(Math.floor(pos), g.stops.length - 2);
  const [p, q] = [g.stops[i]!, g.stops[i + 1]!];
  const f = pos - i;
  return { r: p.r + (q.r - p.r) * f, g: p.g + (q.g - p.g) * f, b: p.b + (q.b - p.b) * f, a: p.a + (q.a - p.a) * f };
}

function inRoundedRect(x: number, y: number, w: number, h: number, radius: number | number[], px: number, py: number): boolean {
  if (px < x || px > x + w || py < y || py > y + h) return false;
  const r = Array.isArray(radius) ? Math.max(...radius) : radius;
  const rr = Math.min(r, w / 2, h / 2);
  const cx = Math.min(Math.max(px, x + rr), x + w - rr);
  const cy = Math.min(Math.max(py, y + rr), y + h - rr);
  return (px - cx) ** 2 + (py - cy) ** 2 <= rr * rr + 1e-6;
}

function inPolygon(points: number[], px: number, py: number): boolean {
  let inside = false;
  for (let i = 0, j = points.length - 2; i < points.length; j = i, i += 2) {
    const [xi, yi, xj, yj] = [points[i]!, points[i + 1]!, points[j]!, points[j + 1]!];
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** The colour under (px, py) just before op `upto` is painted, on a given page. */
function behind(ops: readonly DrawOp[], upto: number, px: number, py: number, page: Rgb): Rgb | 'image' {
  let c = page;
  for (let i = 0; i < upto; i++) {
    const o = ops[i]!;
    if (o.op === 'rect' && o.fill && inRoundedRect(o.x, o.y, o.w, o.h, o.radius, px, py)) {
      c = over('stops' in o.fill ? gradientAt(o.fill, o, px, py) : o.fill, c);
    } else if (o.op === 'circle' && (px - o.cx) ** 2 + (py - o.cy) ** 2 <= o.r * o.r) {
      c = over(o.fill, c);
    } else if (o.op === 'poly' && o.closed && o.fill && inPolygon(o.points, px, py)) {
      c = over(o.fill, c);
    } else if (o.op === 'image' && px >= o.x && px <= o.x + o.w && py >= o.y && py <= o.y + o.h) {
      return 'image';
    }
  }
  return c;
}

const measureCtx = createCanvas(1, 1).getContext('2d');
function textWidth(op: TextOp): number {
  measureCtx.font = `${op.font.weight} ${op.font.size}px MarqueeInter`;
  return measureCtx.measureText(op.text).width;
}

/** Points across the glyphs' body: five along the x-height middle line. */
function samplePoints(op: TextOp): [number, number][] {
  const w = textWidth(op);
  const left = op.align === 'left' ? op.x : op.align === 'center' ? op.x - w / 2 : op.x - w;
  const y = op.y - op.font.size * 0.35;
  return [0.02, 0.25, 0.5, 0.75, 0.98].map((f) => [left + w * f, y]);
}

interface Finding {
  where: string;
  tag: string;
  text: string;
  detail: string;
}

function check(list: DrawList, where: string): Finding[] {
  const out: Finding[] = [];
  list.ops.forEach((op, i) => {
    if (op.op !== 'text' || op.text.trim() === '') return;
    const base = { where, tag: op.tag ?? '?', text: op.text };
    if (op.font.size < MIN_SIZE_PX) out.push({ ...base, detail: `${op.font.size} px < ${MIN_SIZE_PX} px` });
    const need = isLarge(op) ? 3 : 4.5;
    let worst = Infinity;
    let worstPage = '';
    for (const [page, name] of [
      [WHITE_PAGE, 'white page'],
      [DISCORD_DARK, 'Discord dark'],
    ] as const) {
      for (const [px, py] of samplePoints(op)) {
        const bg = behind(list.ops, i, px, py, page);
        if (bg === 'image') {
          out.push({ ...base, detail: 'text drawn over an image' });
          return;
        }
        const ratio = contrast(over(op.colour, bg), bg);
        if (ratio < worst) {
          worst = ratio;
          worstPage = name;
        }
      }
    }
    if (worst < need) out.push({ ...base, detail: `contrast ${worst.toFixed(2)}:1 < ${need}:1 (${op.font.size} px, on ${worstPage})` });
  });
  return out;
}

/** The states every image must stay legible in, each state colour included. */
function states(): [string, Snapshot | null][] {
  const s = sampleSnapshot();
  const typeOnly = sampleSnapshot({
    activity: { ...s.activity!, streams: s.activity!.streams.map((st) => ({ ...st, watching: null, viewer: null, durationMs: null })) },
  });
  const many = sampleSnapshot({
    activity: { ...s.activity!, streamCount: 6, streams: [...s.activity!.streams, stream({ state: 'buffering' }), stream(), stream()] },
  });
  return [
    ['busy', s],
    ['online', sampleSnapshot({ state: 'online' })],
    ['overloaded', sampleSnapshot({ state: 'overloaded' })],
    ['offline', sampleSnapshot({ state: 'offline', activity: null, host: null })],
    ['stale', sampleSnapshot({ takenAt: NOW - 47 * 60_000 })],
    ['no data', null],
    ['type-only', typeOnly],
    ['six streams', many],
    [
      'nine type-only',
      sampleSnapshot({
        activity: { ...typeOnly.activity!, streamCount: 9, streams: Array.from({ length: 9 }, () => typeOnly.activity!.streams[1]!) },
      }),
    ],
  ];
}

let r: Renderer;
beforeAll(() => {
  r = repoRenderer();
});

describe('legibility of every built-in template in every built-in theme', () => {
  it('draws no text under 9 px and meets WCAG AA contrast everywhere', () => {
    const findings: Finding[] = [];
    for (const template of r.templates.keys()) {
      for (const theme of r.themes.keys()) {
        for (const [state, snapshot] of states()) {
          const list = r.layout(input({ template, theme, snapshot }));
          findings.push(...check(list, `${template}/${theme}/${state}`));
        }
      }
    }
    // One line per distinct problem keeps a failure readable.
    const lines = [...new Set(findings.map((f) => `${f.where} ${f.tag} "${f.text}": ${f.detail}`))];
    expect(lines).toEqual([]);
  });
});

/**
 * The network template with 1 to 8 servers: rows share the box, so the most crowded case sets the
 * smallest text. One server without `network` is the one-server Marquee's view of the template.
 */
function networkStates(): [string, Snapshot | null][] {
  const eight = sampleNetworkSnapshot(8);
  return [
    ['one server, no network field', sampleSnapshot()],
    ...[1, 2, 3, 8].map((n): [string, Snapshot] => [`${n} row(s)`, sampleNetworkSnapshot(n)]),
    ['8 rows, stale', { ...eight, takenAt: NOW - 47 * 60_000 }],
    [
      '8 rows, all offline',
      {
        ...eight,
        state: 'offline',
        activity: null,
        network: {
          ...eight.network!,
          online: 0,
          rows: eight.network!.rows.map((row) => ({ ...row, state: 'offline' as const, streams: null, bandwidthKbps: null })),
        },
      },
    ],
  ];
}

describe('legibility of the network template with 1, 2, 3 and 8 servers in every built-in theme', () => {
  it('draws no text under 9 px and meets WCAG AA contrast everywhere', () => {
    const findings: Finding[] = [];
    for (const theme of r.themes.keys()) {
      for (const [state, snapshot] of networkStates()) {
        for (const locale of ['en', 'de']) {
          const list = r.layout(input({ template: 'network', theme, snapshot, params: { scale: 1, locale } }));
          findings.push(...check(list, `network/${theme}/${state}/${locale}`));
        }
      }
    }
    const lines = [...new Set(findings.map((f) => `${f.where} ${f.tag} "${f.text}": ${f.detail}`))];
    expect(lines).toEqual([]);
  });

  it('draws a row per server in each of those states (the check above saw them)', () => {
    for (const [state, snapshot] of networkStates()) {
      const ops = r.layout(input({ template: 'network', snapshot })).ops;
      const rows = new Set(ops.flatMap((o) => (/^network\.row\.(\d+)\.name$/.exec(o.tag ?? '') ?? []).slice(1)));
      expect(rows.size, state).toBe(snapshot?.network?.rows.length ?? 1);
    }
  });
});

describe('the checker itself', () => {
  it('computes the WCAG reference ratios', () => {
    expect(contrast({ r: 0, g: 0, b: 0 }, WHITE_PAGE)).toBeCloseTo(21, 5);
    expect(contrast(WHITE_PAGE, WHITE_PAGE)).toBe(1);
    // #767676 on white is the classic "just passes AA" grey: 4.54:1.
    expect(contrast({ r: 0x76, g: 0x76, b: 0x76 }, WHITE_PAGE)).toBeCloseTo(4.54, 2);
  });

  it('finds grey text on grey, a 7 px label, and the page under a transparent panel', () => {
    const ops: DrawOp[] = [
      { op: 'rect', x: 0, y: 0, w: 100, h: 40, radius: 0, fill: { r: 0, g: 0, b: 0, a: 0 }, stroke: null, strokeWidth: 1 },
      textOp({ x: 4, y: 20, text: 'abc', font: { size: 7, weight: 400 }, colour: { r: 0x80, g: 0x80, b: 0x80, a: 1 }, tag: 't' }),
    ];
    const list: DrawList = { width: 100, height: 40, scale: 1, stale: false, encode: {} as DrawList['encode'], ops };
    const found = check(list, 'x').map((f) => f.detail);
    expect(found[0]).toMatch(/7 px/);
    // #808080 is 3.95:1 on white and 2.7:1 on Discord's dark: the worse page is reported.
    expect(found[1]).toMatch(/on Discord dark/);
  });
});
