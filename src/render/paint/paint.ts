import { createHash } from 'node:crypto';
import { Path2D, SvgExportFlag, createCanvas, loadImage, type Canvas, type Image, type SKRSContext2D } from '@napi-rs/canvas';
import { css, isGradient, type Fill } from '../colour.js';
import { fillBands, linearGradient } from './bands.js';
import type { DrawList, DrawOp, ImageOp, PolyOp, RectOp, TextOp } from '../drawlist.js';
import { fontString } from '../fonts.js';
import { icons, type IconName } from '../icons.js';
import type { PixelPool } from './pool.js';
import type { Ink, TextStamps } from './stamps.js';

/**
 * paint(draw list) -> canvas. The only stage that touches Skia. It reads nothing but the draw
 * list and the poster bytes it is handed, and it decides nothing: every colour, position and
 * string was settled by layout.
 */

export type IconPaths = ReadonlyMap<IconName, Path2D>;

/** Parsed once per renderer: Path2D parsing is not free and icons repeat on every image. */
export function buildIconPaths(): IconPaths {
  return new Map(Object.entries(icons).map(([k, d]) => [k as IconName, new Path2D(d)]));
}

type Radius = number | [number, number, number, number];

function roundRect(ctx: SKRSContext2D, x: number, y: number, w: number, h: number, r: Radius): void {
  ctx.beginPath();
  const clamp = (v: number): number => Math.max(0, Math.min(v, w / 2, h / 2));
  const rr = typeof r === 'number' ? clamp(r) : r.map(clamp);
  if (rr === 0) ctx.rect(x, y, w, h);
  else ctx.roundRect(x, y, w, h, rr);
}

/** How the canvas is drawn: raster (a PNG's pixels) or vector (Skia's SVG backend). */
interface Target {
  scale: number;
  vector: boolean;
}

function fillShape(ctx: SKRSContext2D, fill: Fill, x: number, y: number, w: number, h: number, r: Radius, target: Target): void {
  if (!isGradient(fill)) {
    if (fill.a <= 0) return;
    ctx.fillStyle = css(fill);
    roundRect(ctx, x, y, w, h, r);
    ctx.fill();
    return;
  }
  if (target.vector) {
    ctx.fillStyle = linearGradient(ctx, fill, x, y, w, h);
    roundRect(ctx, x, y, w, h, r);
    ctx.fill();
    return;
  }
  const { scale } = target;
  ctx.save();
  roundRect(ctx, x, y, w, h, r);
  ctx.clip();
  fillBands(ctx, fill, x, y, w, h, 1 / scale);
  ctx.restore();
}

function paintRect(ctx: SKRSContext2D, op: RectOp, target: Target): void {
  if (op.w <= 0 || op.h <= 0) return;
  if (op.fill) fillShape(ctx, op.fill, op.x, op.y, op.w, op.h, op.radius, target);
  if (op.stroke && op.stroke.a > 0 && op.strokeWidth > 0) {
    ctx.strokeStyle = css(op.stroke);
    ctx.lineWidth = op.strokeWidth;
    roundRect(ctx, op.x, op.y, op.w, op.h, op.radius);
    ctx.stroke();
  }
}

function paintImage(ctx: SKRSContext2D, op: ImageOp, img: Image | undefined): void {
  if (!img) return;
  // Cover-fit: crop the poster to the slot's aspect instead of squashing it.
  const sr = img.width / img.height;
  const dr = op.w / op.h;
  const sw = sr > dr ? img.height * dr : img.width;
  const sh = sr > dr ? img.height : img.width / dr;
  ctx.save();
  roundRect(ctx, op.x, op.y, op.w, op.h, op.radius);
  ctx.clip();
  ctx.drawImage(img, (img.width - sw) / 2, (img.height - sh) / 2, sw, sh, op.x, op.y, op.w, op.h);
  ctx.restore();
}

function paintPoly(ctx: SKRSContext2D, op: PolyOp): void {
  if (op.points.length < 4) return;
  ctx.beginPath();
  ctx.moveTo(op.points[0] ?? 0, op.points[1] ?? 0);
  for (let i = 2; i + 1 < op.points.length; i += 2) ctx.lineTo(op.points[i] ?? 0, op.points[i + 1] ?? 0);
  if (op.closed) ctx.closePath();
  if (op.fill) {
    ctx.fillStyle = css(op.fill);
    ctx.fill();
  }
  if (op.stroke && op.lineWidth > 0) {
    ctx.strokeStyle = css(op.stroke);
    ctx.lineWidth = op.lineWidth;
    ctx.lineJoin = 'round';
    ctx.stroke();
  }
}

/** Ink of a draw list's text runs (TextStamps); absent, or null for a run: Skia's raster text. */
type RunInk = ReadonlyMap<TextOp, Ink | null>;

/**
 * Layout centres baselines in their boxes, at fractions of a pixel. Every run's baseline goes on
 * a whole device-pixel row, as Skia's raster text puts it (a run asked at y = 13.96 sits on row
 * 14; at 13.4, on row 13): the bottoms of the letters stay sharp, and the PNG's outlines, the
 * SVG's and any run Skia draws as raster text sit on the same row.
 */
const baseline = (y: number, scale: number): number => Math.round(y * scale) / scale;

function paintText(ctx: SKRSContext2D, op: TextOp, target: Target, ink: RunInk | undefined): void {
  if (op.text === '') return;
  const y = baseline(op.y, target.scale);
  const run = ink?.get(op);
  if (run) {
    // In device pixels: a stamp lands on whole pixels, copied, never resampled.
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    if ('stamp' in run) ctx.drawImage(run.stamp, run.x, run.y);
    else {
      ctx.translate(run.x, run.y);
      ctx.scale(target.scale, target.scale);
      ctx.fillStyle = css(op.colour);
      ctx.fill(run.path);
    }
    ctx.restore();
    return;
  }
  ctx.fillStyle = css(op.colour);
  ctx.font = fontString(op.font);
  ctx.textAlign = op.align;
  ctx.fillText(op.text, op.x, y);
}

function paintOp(
  ctx: SKRSContext2D,
  op: DrawOp,
  target: Target,
  icons: IconPaths,
  images: ReadonlyMap<string, Image>,
  ink: RunInk | undefined,
): void {
  switch (op.op) {
    case 'rect':
      return paintRect(ctx, op, target);
    case 'text':
      return paintText(ctx, op, target, ink);
    case 'poly':
      return paintPoly(ctx, op);
    case 'arc':
      ctx.beginPath();
      ctx.arc(op.cx, op.cy, op.r, op.start, op.end);
      ctx.strokeStyle = css(op.colour);
      ctx.lineWidth = op.lineWidth;
      ctx.lineCap = 'round';
      ctx.stroke();
      ctx.lineCap = 'butt';
      return;
    case 'circle':
      ctx.beginPath();
      ctx.arc(op.cx, op.cy, op.r, 0, Math.PI * 2);
      ctx.fillStyle = css(op.fill);
      ctx.fill();
      return;
    case 'image':
      return paintImage(ctx, op, images.get(op.ref));
    case 'icon': {
      const path = icons.get(op.name);
      if (!path) return;
      ctx.save();
      ctx.translate(op.x, op.y);
      ctx.scale(op.size / 24, op.size / 24);
      ctx.fillStyle = css(op.colour);
      ctx.fill(path, 'evenodd');
      ctx.restore();
      return;
    }
    case 'clip':
      ctx.save();
      roundRect(ctx, op.x, op.y, op.w, op.h, op.radius);
      ctx.clip();
      return;
    case 'restore':
      ctx.restore();
      return;
  }
}

/** Decoded posters by content hash, owned by one renderer (bounded; posters repeat per request). */
export type ImageMemo = Map<string, Image>;
const MEMO_MAX = 64;

/** Decodes only the posters the draw list uses; an undecodable poster is skipped, not fatal. */
export async function decodeImages(
  list: DrawList,
  posters: ReadonlyMap<string, Buffer> | undefined,
  memo: ImageMemo = new Map(),
): Promise<Map<string, Image>> {
  const out = new Map<string, Image>();
  if (!posters) return out;
  for (const op of list.ops) {
    if (op.op !== 'image' || out.has(op.ref)) continue;
    const bytes = posters.get(op.ref);
    if (!bytes) continue;
    const key = createHash('sha1').update(bytes).digest('base64');
    let img = memo.get(key);
    if (!img) {
      try {
        img = await loadImage(bytes);
      } catch {
        // A corrupt cache file must not break the picture; the slot stays empty.
        continue;
      }
      if (memo.size >= MEMO_MAX) memo.delete(memo.keys().next().value as string);
      memo.set(key, img);
    }
    out.set(op.ref, img);
  }
  return out;
}

function paintOnto(
  ctx: SKRSContext2D,
  list: DrawList,
  icons: IconPaths,
  images: ReadonlyMap<string, Image>,
  vector: boolean,
  ink?: RunInk,
): void {
  ctx.scale(list.scale, list.scale);
  ctx.textBaseline = 'alphabetic';
  const target = { scale: list.scale, vector };
  for (const op of list.ops) paintOp(ctx, op, target, icons, images, ink);
}

/**
 * The raster image. With `text`, runs are the outlines the SVG carries, filled (TextOutlines,
 * TextStamps), so /i/<name>.png and /i/<name>.svg draw the same glyphs; without, Skia's raster text.
 */
export function paint(list: DrawList, icons: IconPaths, images: ReadonlyMap<string, Image>, text?: TextStamps): Canvas {
  const canvas = createCanvas(Math.round(list.width * list.scale), Math.round(list.height * list.scale));
  const texts = list.ops.filter((op): op is TextOp => op.op === 'text');
  const ink = text?.forOps(texts, list.scale, (op) => baseline(op.y, list.scale));
  paintOnto(canvas.getContext('2d'), list, icons, images, false, ink);
  return canvas;
}

/**
 * The same draw list painted by Skia's SVG backend: the same calls as paint(), so the vector image
 * is the raster one. Text is converted to paths, so the SVG needs no font where it is shown (a
 * README on GitHub, a browser without Inter) and carries no text a reader could inject markup
 * through; posters are embedded as data: URIs, never linked.
 */
export function paintSvg(list: DrawList, icons: IconPaths, images: ReadonlyMap<string, Image>): Buffer {
  const canvas = createCanvas(Math.round(list.width * list.scale), Math.round(list.height * list.scale), SvgExportFlag.ConvertTextToPaths);
  paintOnto(canvas.getContext('2d'), list, icons, images, true);
  return canvas.getContent();
}

/** Device pixels read out of a painted canvas: RGBA with straight alpha, in a buffer leased from a PixelPool. */
export interface Pixels {
  data: Buffer;
  width: number;
  height: number;
  /** Every pixel has alpha 255: the encoder can drop the alpha channel. */
  opaque: boolean;
}

/**
 * Reads the pixels out of a painted canvas into a buffer leased from `pool` (the caller releases it)
 * and frees the canvas's raster at once.
 *
 * `data()` returns a fresh copy. For a size the pool keeps, it is copied on into a pooled buffer
 * and dropped in the same tick, so it dies young and the next scavenge frees it, instead of being
 * held through the encode and outliving the young generation (see PixelPool). The Skia surface behind the canvas (12 MB
 * for og at 2x) is native memory V8 does not count: left alone it lived until a full GC collected
 * the wrapper, and under load dead surfaces raised RSS by 100+ MB. Resizing to 0x0 drops it now;
 * the canvas is unusable afterwards, and it is painted once and thrown away anyway.
 */
export function takePixels(canvas: Canvas, pool: PixelPool): Pixels {
  const { width, height } = canvas;
  const copy = canvas.data();
  canvas.width = 0;
  canvas.height = 0;
  const data = pool.leaseCopy(copy);
  return { data, width, height, opaque: unpremultiplyInPlace(data) };
}

/**
 * Skia keeps premultiplied RGBA; PNG wants straight alpha. In place, on the leased buffer no one
 * else reads. Returns whether every pixel is opaque.
 */
function unpremultiplyInPlace(px: Uint8Array): boolean {
  let opaque = true;
  for (let i = 3; i < px.length; i += 4) {
    const a = px[i] as number;
    if (a === 255) continue;
    opaque = false;
    if (a === 0) {
      px[i - 3] = px[i - 2] = px[i - 1] = 0;
      continue;
    }
    for (let c = i - 3; c < i; c++) px[c] = Math.min(255, Math.round(((px[c] as number) * 255) / a));
  }
  return opaque;
}
