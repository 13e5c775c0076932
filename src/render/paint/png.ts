import { crc32, deflateSync } from 'node:zlib';
import type { Pixels } from './paint.js';
import type { PixelPool } from './pool.js';

/**
 * A truecolour PNG written on the calling thread: scanlines with filter None, one zlib stream
 * (node:zlib), and only the IHDR, IDAT and IEND chunks, so the same pixels always give the same
 * bytes. What sharp writes for `{ adaptiveFiltering: false }`, without the thread hops: sharp runs
 * on libuv's pool and hands the image between libvips threads, and on a busy core each hop can wait
 * for the scheduler. For a small image those waits, not the deflate, were the fresh-render tail
 * (`npm run bench`, phase 2); see encodePng for which images come here.
 *
 * `pixels` is straight-alpha RGBA; an opaque image is written as RGB.
 */
export function writeTruecolourPng(pixels: Pixels, level: number, pool?: PixelPool): Buffer {
  const { width, height, opaque } = pixels;
  const stride = width * (opaque ? 3 : 4) + 1;
  // Read synchronously by deflateSync, so it can go back to the pool as soon as that returns.
  const raw = pool?.acquire(stride * height) ?? Buffer.allocUnsafeSlow(stride * height);
  try {
    return encode(raw, pixels, stride, level);
  } finally {
    pool?.release(raw);
  }
}

function encode(raw: Buffer, pixels: Pixels, stride: number, level: number): Buffer {
  const { data, width, height, opaque } = pixels;
  if (opaque) {
    let o = 0;
    let i = 0;
    for (let y = 0; y < height; y++) {
      raw[o++] = 0; // filter: None
      for (let x = 0; x < width; x++, i += 4) {
        raw[o++] = data[i] as number;
        raw[o++] = data[i + 1] as number;
        raw[o++] = data[i + 2] as number;
      }
    }
  } else {
    const row = width * 4;
    for (let y = 0; y < height; y++) {
      raw[y * stride] = 0;
      data.copy(raw, y * stride + 1, y * row, (y + 1) * row);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = opaque ? 2 : 6; // colour type: RGB or RGBA
  // compression 0, filter method 0, interlace 0: already zero
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level })), chunk('IEND', EMPTY)]);
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const EMPTY = Buffer.alloc(0);

/** length, type, data, CRC of type + data (PNG spec, 5.3). */
function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc32(body, crc32(head.subarray(4))), 0);
  return Buffer.concat([head, body, tail]);
}
