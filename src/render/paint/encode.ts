import sharp, { type Sharp } from 'sharp';
import type { EncodeOptions } from '../template/schema.js';
import type { Pixels } from './paint.js';
import { writeTruecolourPng } from './png.js';
import type { PixelPool } from './pool.js';

/**
 * Canvas pixels -> PNG through sharp, not canvas.encode: @napi-rs/canvas has no PNG options and
 * its encoder is most of the render cost (render-baseline.md §3a). We never call withMetadata and
 * strip what sharp adds anyway (pHYs), so the PNG has no tEXt/iTXt/eXIf/tIME and the same pixels
 * always give the same bytes.
 */

/** Chunks an image needs; anything else (pHYs, sRGB, text, time) is dropped. */
const keep = new Set(['IHDR', 'PLTE', 'tRNS', 'IDAT', 'IEND']);

/**
 * Removes every ancillary chunk. Chunk CRCs cover only their own chunk, so dropping whole chunks
 * leaves a valid PNG; this is a copy of slices, no re-encode.
 */
export function stripPng(png: Buffer): Buffer {
  const parts: Buffer[] = [png.subarray(0, 8)];
  let off = 8;
  while (off + 12 <= png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    if (keep.has(type)) parts.push(png.subarray(off, off + 12 + len));
    off += 12 + len;
  }
  return Buffer.concat(parts);
}

function toPng(img: Sharp, opts: EncodeOptions, palette: boolean): Promise<Buffer> {
  return img
    .png(
      palette
        ? { palette: true, colours: opts.colours, effort: opts.effort, compressionLevel: 9, dither: 0 }
        : { compressionLevel: opts.compressionLevel, adaptiveFiltering: opts.adaptiveFiltering },
    )
    .toBuffer()
    .then(stripPng);
}

/**
 * Truecolour PNGs up to this many pixels are written on the calling thread (writeTruecolourPng):
 * deflating the signature's 120k pixels takes ~1.5 ms there, as long as sharp takes, without
 * sharp's thread hops. Larger ones (the 2x of most templates, og) go to sharp, off the event loop.
 */
export const INLINE_MAX_PIXELS = 250_000;

/**
 * Truecolour first (2-3 ms for 600x200); only when that misses the template's byte budget, as a
 * gradient background or a big poster can make it, pay for palette quantisation (10-20 ms) which
 * is 2-4x smaller. Templates for tiny forum images ask for the palette up front.
 *
 * `pool` lends the inline writer its scanline buffer. sharp reads `pixels.data` on its own threads until the returned promise settles: the buffer must
 * not be changed or reused before then.
 */
export async function encodePng(pixels: Pixels, opts: EncodeOptions, maxBytes?: number, pool?: PixelPool): Promise<Buffer> {
  const { data, width, height, opaque } = pixels;
  const img = (): Sharp => {
    const s = sharp(data, { raw: { width, height, channels: 4 } });
    // An opaque image needs no alpha channel: a quarter less to filter and compress.
    return opaque ? s.removeAlpha() : s;
  };
  const inline = !opts.palette && !opts.adaptiveFiltering && width * height <= INLINE_MAX_PIXELS;
  const first = inline ? writeTruecolourPng(pixels, opts.compressionLevel, pool) : await toPng(img(), opts, opts.palette);
  if (opts.palette || maxBytes === undefined || first.length <= maxBytes) return first;
  return toPng(img(), opts, true);
}
