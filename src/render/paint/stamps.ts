import { createCanvas, type Canvas, type Path2D } from '@napi-rs/canvas';
import { LRUCache } from 'lru-cache';
import { css } from '../colour.js';
import type { TextOp } from '../drawlist.js';
import type { Measurer } from '../layout/context.js';
import { TextOutlines } from './outlines.js';

/**
 * How a text run reaches the PNG: its outline (TextOutlines) filled once into a small raster of
 * its colour, the stamp, then copied onto each image that draws the same run in the same place
 * within a device pixel.
 *
 * Skia fills a run's outline in ~25-65 us against ~3-8 us for its raster text, whose glyph masks
 * it caches; filled on every render, the outlines made the signature's fresh render ~25% dearer
 * (`npm run bench`, phase 2). A stamp is copied in ~4-6 us. The same run in the same colour at the
 * same sub-pixel offset is the same pixels, and a template draws its runs at the same offsets on
 * every render, so stamps are kept by run, colour, scale and offset (to 1/16 px, a shift no eye
 * and no golden sees).
 */

/** Where a run's ink goes, in device pixels: a kept stamp, or (too large to keep) its outline. */
export type Ink = { stamp: Canvas; x: number; y: number } | { path: Path2D; x: number; y: number };

/** Sub-pixel positions a stamp is kept for, per device pixel. */
const SUBPIXEL = 16;
/**
 * What a kept canvas costs besides its pixels (its Skia surface and 2D context): ~13-16 KB of RSS
 * each, measured over 5,000 small canvases. Counted, or a budget of small stamps is mostly not its
 * pixels: 16 MB of pixels by the count without it raised the server's RSS by ~30 MB (phase 5).
 */
const CANVAS_OVERHEAD = 16 * 1024;
/** Transparent pixels round the outline's bounds, so antialiased edges are never cut. */
const PAD = 1;

export interface TextStampsOptions {
  /** Bytes kept, pixels and each canvas's own cost; the least recently drawn go first. */
  maxBytes?: number;
  /** A stamp larger than this is not kept: its run is filled from its outline each time. */
  maxStampBytes?: number;
  maxRuns?: number;
  /** The renderer's measurer (TextOutlines). */
  measure?: Measurer;
}

export class TextStamps {
  readonly outlines: TextOutlines;
  private readonly stamps: LRUCache<string, { stamp: Canvas; left: number; top: number }>;
  private readonly maxStampBytes: number;

  constructor(opts: TextStampsOptions = {}) {
    this.outlines = new TextOutlines(opts.measure, opts.maxRuns);
    this.maxStampBytes = opts.maxStampBytes ?? 512 * 1024;
    this.stamps = new LRUCache({
      maxSize: opts.maxBytes ?? 8 * 1024 * 1024,
      sizeCalculation: (s) => s.stamp.width * s.stamp.height * 4 + CANVAS_OVERHEAD,
      // A stamp's pixels are native memory V8 does not count: freed now, not at some later GC.
      dispose: (s) => {
        s.stamp.width = 0;
        s.stamp.height = 0;
      },
    });
  }

  /** Bytes kept now (as maxBytes counts them). */
  get bytes(): number {
    return this.stamps.calculatedSize;
  }

  /**
   * The ink of each text run of `ops` at `scale`, by op; null for a run with no outline (paint
   * draws it as Skia's raster text). Baselines are already on whole device rows (`baseline`).
   */
  forOps(ops: readonly TextOp[], scale: number, baseline: (op: TextOp) => number): Map<TextOp, Ink | null> {
    const paths = this.outlines.forOps(ops);
    const out = new Map<TextOp, Ink | null>();
    for (const [op, path] of paths) {
      if (!path) {
        out.set(op, null);
        continue;
      }
      const deviceX = op.x * scale;
      let x = Math.floor(deviceX);
      let sub = Math.round((deviceX - x) * SUBPIXEL);
      if (sub === SUBPIXEL) {
        x += 1;
        sub = 0;
      }
      const y = Math.round(baseline(op) * scale);
      const colour = css(op.colour);
      const key = `${scale}|${sub}|${colour}|${TextOutlines.keyOf(op)}`;
      let kept = this.stamps.get(key);
      if (!kept) {
        const made = makeStamp(path, scale, sub / SUBPIXEL, colour, this.maxStampBytes);
        if (!made) {
          out.set(op, { path, x: deviceX, y });
          continue;
        }
        kept = made;
        this.stamps.set(key, kept);
      }
      out.set(op, { stamp: kept.stamp, x: x + kept.left, y: y + kept.top });
    }
    return out;
  }
}

/**
 * The run's outline filled at `offset` px right of a pixel edge, on the baseline's row, into a
 * canvas just large enough; `left`/`top` place it relative to that pixel. null when it would be
 * larger than `maxBytes`.
 */
function makeStamp(
  path: Path2D,
  scale: number,
  offset: number,
  colour: string,
  maxBytes: number,
): { stamp: Canvas; left: number; top: number } | null {
  const [minX, minY, maxX, maxY] = path.getBounds();
  const left = Math.floor(minX * scale + offset) - PAD;
  const top = Math.floor(minY * scale) - PAD;
  const width = Math.max(1, Math.ceil(maxX * scale + offset) + PAD - left);
  const height = Math.max(1, Math.ceil(maxY * scale) + PAD - top);
  if (width * height * 4 > maxBytes) return null;
  const stamp = createCanvas(width, height);
  const ctx = stamp.getContext('2d');
  ctx.translate(offset - left, -top);
  ctx.scale(scale, scale);
  ctx.fillStyle = colour;
  ctx.fill(path);
  return { stamp, left, top };
}
