import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DrawList, TextOp } from '../../src/render/drawlist.js';
import { buildIconPaths, paint, paintSvg } from '../../src/render/paint/paint.js';
import { TextStamps } from '../../src/render/paint/stamps.js';
import { input, repoRenderer, textOp } from './helpers.js';
import { differingShare, GOLDEN_SHARE, onPage } from './pixels.js';

/**
 * A PNG's text is the outline the SVG carries, filled (paint/outlines.ts) and kept as a stamp
 * (paint/stamps.ts). Oracle: librsvg (through sharp) rasterising Skia's SVG of the same draw list,
 * which never goes through the outline or stamp caches; pngjs reads both. The measure is the
 * golden test's: a pixel differs when a channel moves more than 40, and 0.15% may.
 */

let base: DrawList;
beforeAll(() => {
  base = repoRenderer().layout(input({ template: 'signature', theme: 'light' }));
});

const run = textOp;

const listOf = (ops: TextOp[], scale: 1 | 2 = 1): DrawList => ({ ...base, scale, ops });

/** Over a white page (inkColumns looks for dark pixels). */
const decode = (image: Buffer) => onPage(image, '#ffffff');

const png = async (list: DrawList, stamps = new TextStamps()) =>
  decode(await paint(list, buildIconPaths(), new Map(), stamps).encode('png'));
const svg = async (list: DrawList) => decode(paintSvg(list, buildIconPaths(), new Map()));

/** The leftmost and rightmost columns with ink (a pixel darker than the white page). */
function inkColumns(img: PNG): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (img.data[(y * img.width + x) * 4]! < 200) {
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
      }
    }
  }
  return [lo, hi];
}

describe('text in a PNG is the SVG outline, filled', () => {
  it.each([1, 2] as const)('draws every alignment at whole and fractional positions as the SVG does, at %ix', async (scale) => {
    const ops = (['left', 'center', 'right'] as const).flatMap((align, i) =>
      [100, 100.3, 100.5, 100.97].map((x, j) => run({ align, x: x + i * 180, y: 20 + j * 30.4, text: `Bandwidth ${align} ${j}` })),
    );
    const list = listOf(ops, scale);
    expect(differingShare(await png(list), await svg(list))).toBeLessThanOrEqual(GOLDEN_SHARE);
  });

  // Skia lays a run out as wide as its canvas allows and keeps the first line: an outline made on
  // a canvas narrower than the run came back as its first words.
  it('draws a long run whole, to its last glyph', async () => {
    const text = '1,234 movies · 156 shows · 8,765 episodes · 48.2 TB on disk · 3,002 tracks';
    const list = listOf([run({ text, x: 6, font: { size: 12, weight: 400 } })]);
    const [a, b] = [await png(list), await svg(list)];
    const [, right] = inkColumns(b);
    expect(right).toBeGreaterThan(350);
    expect(Math.abs(inkColumns(a)[1] - right)).toBeLessThanOrEqual(1);
    expect(differingShare(a, b)).toBeLessThanOrEqual(GOLDEN_SHARE);
  });

  it('fills a run in its own colour, whatever colour the same run had before', async () => {
    const stamps = new TextStamps();
    const bold = { size: 28, weight: 700 } as const;
    const red = listOf([run({ text: 'I', x: 20, y: 50, font: bold, colour: { r: 220, g: 20, b: 20, a: 1 } })]);
    const blue = listOf([run({ text: 'I', x: 20, y: 50, font: bold, colour: { r: 20, g: 20, b: 220, a: 1 } })]);
    await png(red, stamps);
    const img = await png(blue, stamps);
    // The middle of the I's stem, a fully covered pixel: exactly the run's colour.
    const [lo, hi] = inkColumns(img);
    const x = Math.round((lo + hi) / 2);
    const k = (40 * img.width + x) * 4;
    expect([img.data[k], img.data[k + 1], img.data[k + 2]]).toEqual([20, 20, 220]);
  });

  it('keeps its stamps within their byte budget, and still draws a run too large to keep', async () => {
    const stamps = new TextStamps({ maxBytes: 64 * 1024, maxStampBytes: 8 * 1024 });
    for (let i = 0; i < 40; i++) await png(listOf([run({ text: `Run number ${i} of forty`, x: 10 + i / 7 })]), stamps);
    expect(stamps.bytes).toBeGreaterThan(0);
    expect(stamps.bytes).toBeLessThanOrEqual(64 * 1024);
    // 48 px bold: well over 8 KB of stamp.
    const large = listOf([run({ text: 'Plex Media Server', x: 10, y: 80, font: { size: 48, weight: 700 } })]);
    const before = stamps.bytes;
    expect(differingShare(await png(large, stamps), await svg(large))).toBeLessThanOrEqual(GOLDEN_SHARE);
    expect(stamps.bytes).toBe(before);
  });

  it('reuses a stamp for the same run in the same place, and draws it the same', async () => {
    const stamps = new TextStamps();
    const list = listOf([run({ x: 10.25 }), run({ x: 200.25, y: 80 })]);
    const first = await png(list, stamps);
    const kept = stamps.bytes;
    const again = await png(list, stamps);
    expect(stamps.bytes).toBe(kept);
    expect(Buffer.compare(first.data, again.data)).toBe(0);
  });

  it('draws nothing for a blank run', async () => {
    const blank = await png(listOf([run({ text: '   ' })]));
    expect(inkColumns(blank)).toEqual([Infinity, -Infinity]);
  });
});
