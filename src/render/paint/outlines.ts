import { Path2D, SvgExportFlag, createCanvas } from '@napi-rs/canvas';
import { LRUCache } from 'lru-cache';
import type { TextOp } from '../drawlist.js';
import { createMeasurer, fontString } from '../fonts.js';
import type { Measurer } from '../layout/context.js';

/**
 * Text runs as glyph outlines, so the PNG and the SVG draw the same shapes.
 *
 * Skia's raster text (fillText on a pixel canvas) comes from its font scaler, which hints glyphs
 * to the pixel grid and boosts the contrast of their coverage; no SVG can carry either, and
 * @napi-rs/canvas has no switch to turn them off. So a PNG's text and the SVG of the same draw
 * list (text as outlines, every viewer filling them as plain shapes) differed on up to 4% of
 * pixels at glyph edges. Both now draw the outlines Skia's SVG backend writes for a run: the SVG
 * carries them, the PNG fills them with Skia's path filler (through stamps.ts). Measured on the
 * built-in templates: 0.12% of pixels at most, within the golden tolerance (test/render/svg.test.ts).
 *
 * The outlines come from Skia itself (one SVG canvas per batch of new runs), so shaping, kerning
 * and font fallback are exactly those of fillText and of the measurer layout used. A run is kept
 * by its font, alignment and text; its outline is in user units with the origin on the run's
 * anchor, so it serves any position and either scale.
 *
 * A run whose SVG is anything but outlines (a colour emoji from a system font, drawn as an image)
 * has no outline: paint() draws it with fillText, and the SVG carries what Skia wrote for it.
 */
export class TextOutlines {
  /** `none`: the run has no outline (see above), remembered so it is not made again. */
  private readonly cache: LRUCache<string, Path2D | { none: true }>;
  /**
   * @param measure the renderer's measurer, which layout has already asked for these runs' widths:
   *   it sizes the outline canvas to the batch's widest run (see outline()).
   * @param maxRuns distinct runs kept (each a few hundred bytes to a few kB of native path).
   */
  constructor(
    private readonly measure: Measurer = createMeasurer(),
    maxRuns = 4096,
  ) {
    this.cache = new LRUCache({ max: maxRuns });
  }

  get size(): number {
    return this.cache.size;
  }

  /** What an outline is kept by: everything that shapes a run, nothing that places or colours it. */
  static keyOf(op: TextOp): string {
    return `${op.font.weight}|${op.font.size}|${op.align}|${op.text}`;
  }

  /** The outline of each text run of `ops`, by op, made in one batch for the runs not yet kept. */
  forOps(ops: readonly TextOp[]): Map<TextOp, Path2D | null> {
    const out = new Map<TextOp, Path2D | null>();
    const missing = new Map<string, TextOp>();
    for (const op of ops) {
      if (op.text === '') continue;
      const key = TextOutlines.keyOf(op);
      const hit = this.cache.get(key);
      if (hit) out.set(op, hit instanceof Path2D ? hit : null);
      else missing.set(key, op);
    }
    if (missing.size) {
      const made = outline([...missing.values()], this.measure);
      let i = 0;
      for (const key of missing.keys()) this.cache.set(key, made[i++] ?? { none: true });
      for (const op of ops) {
        if (out.has(op) || op.text === '') continue;
        const hit = this.cache.get(TextOutlines.keyOf(op));
        out.set(op, hit instanceof Path2D ? hit : null);
      }
    }
    return out;
  }
}

/** An element Skia's SVG backend writes (its tag and attributes), and a path's data. */
const ELEMENT = /<(\w+)([^>]*)>/g;
const PATH_DATA = /\sd="([^"]*)"/;

/**
 * Skia lays a run out on the outline canvas as a paragraph as wide as the canvas and keeps its
 * first line only: on a 1x1 canvas "3 streams · 1,234 movies" came back as "3 streams". The canvas
 * is therefore as wide as the widest run of the batch plus a margin for glyphs that overhang their
 * advance, and no wider: the SVG canvas's cost grows with its width (~0.6 us a pixel, measured).
 */
const MARGIN = 16;

/** Where a run of `width` is anchored on a canvas `canvasWidth` wide, for its alignment. */
function anchorX(align: TextOp['align'], canvasWidth: number): number {
  return align === 'left' ? MARGIN : align === 'right' ? canvasWidth - MARGIN : canvasWidth / 2;
}

/**
 * One SVG canvas, each run drawn at its anchor and followed by a 1x1 rect, the separator: Skia
 * writes one <path> per glyph run of a text run (an empty d for blanks) and nothing else for
 * outline text, so the elements between two rects are that run's.
 */
function outline(runs: readonly TextOp[], measure: Measurer): (Path2D | null)[] {
  let widest = 0;
  for (const run of runs) widest = Math.max(widest, measure.width(run.text, run.font));
  const width = Math.ceil(widest) + 2 * MARGIN;
  // One pixel high, the baseline on its top edge: Skia leaves out no glyph above or below the
  // canvas, and an SVG canvas costs time and native memory by its area (200 x 512: ~0.7 ms).
  const canvas = createCanvas(width, 1, SvgExportFlag.ConvertTextToPaths);
  const ctx = canvas.getContext('2d');
  ctx.textBaseline = 'alphabetic';
  for (const run of runs) {
    ctx.font = fontString(run.font);
    ctx.textAlign = run.align;
    ctx.fillText(run.text, anchorX(run.align, width), 0);
    ctx.fillRect(0, 0, 1, 1);
  }
  const svg = canvas.getContent().toString('utf8');
  const body = svg.slice(svg.indexOf('>', svg.indexOf('<svg')) + 1, svg.lastIndexOf('</svg>'));
  const result: (Path2D | null)[] = [];
  let path: Path2D | null = new Path2D();
  for (const [, tag, attributes] of body.matchAll(ELEMENT)) {
    if (tag === 'rect') {
      const back = { a: 1, b: 0, c: 0, d: 1, e: -anchorX(runs[result.length]!.align, width), f: 0 };
      result.push(path && path.transform(back));
      path = new Path2D();
    } else if (tag === 'path') {
      const d = PATH_DATA.exec(attributes ?? '')?.[1];
      if (d && path) path.addPath(new Path2D(d));
    } else path = null;
  }
  return result;
}
