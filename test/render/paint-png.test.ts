import { describe, expect, it } from 'vitest';
import { encodePng, INLINE_MAX_PIXELS } from '../../src/render/paint/encode.js';
import { writeTruecolourPng } from '../../src/render/paint/png.js';
import type { Pixels } from '../../src/render/paint/paint.js';
import { PixelPool } from '../../src/render/paint/pool.js';
import { encodeSchema } from '../../src/render/template/schema.js';
import { decodePng, pngChunks } from '../support/png.js';

/** Straight-alpha RGBA from a per-pixel function, as takePixels hands it to the encoder. */
function pixels(width: number, height: number, at: (x: number, y: number) => [number, number, number, number]): Pixels {
  const data = Buffer.alloc(width * height * 4);
  let opaque = true;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const px = at(x, y);
      data.set(px, (y * width + x) * 4);
      if (px[3] !== 255) opaque = false;
    }
  return { data, width, height, opaque };
}

const stripes = (x: number, y: number): [number, number, number, number] => [(x * 7) % 256, (y * 13) % 256, (x + y) % 256, 255];
const defaults = encodeSchema.parse({});

describe('writeTruecolourPng', () => {
  it('writes pixels a PNG decoder reads back exactly: RGB when opaque', () => {
    const img = pixels(37, 5, stripes);
    const png = writeTruecolourPng(img, 6);
    expect(pngChunks(png)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(png[25]).toBe(2); // IHDR colour type: truecolour, no alpha
    const back = decodePng(png);
    expect([back.width, back.height]).toEqual([37, 5]);
    expect(back.data.equals(img.data)).toBe(true);
  });

  it('keeps the alpha channel when a pixel is not opaque', () => {
    const img = pixels(9, 4, (x, y) => [x * 20, y * 40, 200, x === 0 ? 0 : 30 * y + 10]);
    const png = writeTruecolourPng(img, 6);
    expect(png[25]).toBe(6); // truecolour with alpha
    expect(decodePng(png).data.equals(img.data)).toBe(true);
  });

  it('borrows its scanlines from the pool and gives them back, whatever they held before', () => {
    const pool = new PixelPool(1_000_000);
    const first = pixels(40, 10, stripes);
    const second = pixels(40, 10, (x, y) => [255 - x, 3 * y, 77, 255]);
    expect(decodePng(writeTruecolourPng(first, 6, pool)).data.equals(first.data)).toBe(true);
    expect(pool.idleBytes).toBe((40 * 3 + 1) * 10);
    expect(decodePng(writeTruecolourPng(second, 6, pool)).data.equals(second.data)).toBe(true);
    expect(pool.idleBytes).toBe((40 * 3 + 1) * 10);
  });

  it('gives the same bytes for the same pixels', () => {
    const img = pixels(50, 20, stripes);
    expect(writeTruecolourPng(img, 6).equals(writeTruecolourPng(pixels(50, 20, stripes), 6))).toBe(true);
  });
});

describe('encodePng', () => {
  it('draws the same pixels whether the image is written inline or by sharp', async () => {
    const small = pixels(600, 200, stripes);
    const wide = Math.ceil(INLINE_MAX_PIXELS / 200) + 1; // just over the inline bound
    const large = pixels(wide, 200, stripes);
    for (const img of [small, large]) {
      const png = await encodePng(img, defaults);
      expect(new Set(pngChunks(png))).toEqual(new Set(['IHDR', 'IDAT', 'IEND']));
      expect(decodePng(png).data.equals(img.data)).toBe(true);
    }
  });

  it('still quantises to a palette when the template asks, or when truecolour misses the byte budget', async () => {
    const img = pixels(60, 20, stripes);
    expect(pngChunks(await encodePng(img, { ...defaults, palette: true }))).toContain('PLTE');
    const truecolour = await encodePng(img, defaults);
    expect(pngChunks(truecolour)).not.toContain('PLTE');
    expect(pngChunks(await encodePng(img, defaults, truecolour.length - 1))).toContain('PLTE');
  });
});
