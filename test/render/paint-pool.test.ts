import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { PixelPool } from '../../src/render/paint/pool.js';
import { input, repoRenderer } from './helpers.js';

describe('PixelPool', () => {
  it('hands a released buffer to the next request of its size', () => {
    const pool = new PixelPool(1000);
    const a = pool.acquire(100);
    expect(a.length).toBe(100);
    pool.release(a);
    expect(pool.idleBytes).toBe(100);
    expect(pool.acquire(100)).toBe(a);
    expect(pool.idleBytes).toBe(0);
  });

  it('never hands out a buffer that is still leased', () => {
    const pool = new PixelPool(1000);
    const a = pool.acquire(100);
    const b = pool.acquire(100);
    expect(b).not.toBe(a);
    pool.release(a);
    const c = pool.acquire(100);
    expect(c).toBe(a);
    expect(pool.acquire(100)).not.toBe(b);
  });

  it('does not pool a buffer twice, nor one it never leased', () => {
    const pool = new PixelPool(1000);
    const a = pool.acquire(100);
    pool.release(a);
    pool.release(a);
    pool.release(Buffer.alloc(100));
    expect(pool.idleBytes).toBe(100);
    expect(pool.acquire(100)).toBe(a);
    expect(pool.acquire(100)).not.toBe(a);
  });

  it('keeps idle bytes under its bound, dropping the least recently used size first', () => {
    const dropped: number[] = [];
    const pool = new PixelPool(250, 250, (bytes) => dropped.push(bytes));
    const [a, b, c] = [pool.acquire(100), pool.acquire(100), pool.acquire(120)];
    pool.release(a);
    pool.release(c);
    expect(pool.idleBytes).toBe(220);
    expect(dropped).toEqual([]);
    // 100 more would make 320: the 100-byte size was used least recently, so a goes (and is garbage).
    pool.release(b);
    expect(dropped).toEqual([100]);
    expect(pool.idleBytes).toBe(220);
    expect(pool.acquire(100)).toBe(b);
    expect(pool.acquire(120)).toBe(c);
  });

  it('keeps no buffer larger than its bound, nor than its per-buffer bound, and says it let it go', () => {
    const dropped: number[] = [];
    const pool = new PixelPool(50, 50, (bytes) => dropped.push(bytes));
    pool.release(pool.acquire(100));
    expect(pool.idleBytes).toBe(0);
    const small = new PixelPool(1000, 60, (bytes) => dropped.push(bytes));
    const big = small.acquire(100);
    small.release(big);
    small.release(small.acquire(60));
    expect(dropped).toEqual([100, 100]);
    expect(small.idleBytes).toBe(60);
    expect(small.acquire(100)).not.toBe(big);
  });

  it('leases a copy in a pooled buffer, or the source itself for a size it never keeps', () => {
    const dropped: number[] = [];
    const pool = new PixelPool(1000, 60, (bytes) => dropped.push(bytes));
    const source = Buffer.from([1, 2, 3, 4]);
    const copy = pool.leaseCopy(source);
    expect(copy).not.toBe(source);
    expect([...copy]).toEqual([1, 2, 3, 4]);
    pool.release(copy);
    expect(pool.leaseCopy(Buffer.from([5, 6, 7, 8]))).toBe(copy);
    expect([...copy]).toEqual([5, 6, 7, 8]);
    const large = Buffer.alloc(100, 9);
    expect(pool.leaseCopy(large)).toBe(large);
    pool.release(large);
    expect(dropped).toEqual([100]);
  });
});

describe('pooled pixel buffers under concurrent renders', () => {
  // sharp reads the pixel buffer on its own threads after paint has returned: a buffer reused
  // before the encode settled would leave one image with another's pixels.
  it('draws each image as it draws alone, whatever else is drawn at the same time and size', async () => {
    const renderer = repoRenderer();
    const themes = ['dark', 'light', 'nord', 'dracula', 'gruvbox', 'solarized_light'].filter((t) => renderer.themes.has(t));
    expect(themes.length).toBeGreaterThanOrEqual(4);
    const pixelsOf = async (png: Buffer) => sharp(png).raw().toBuffer();
    const alone: Buffer[] = [];
    for (const theme of themes) alone.push(await pixelsOf((await renderer.render(input({ theme }))).png));
    // Each theme draws other pixels, so a mix-up cannot go unseen.
    expect(new Set(alone.map((px) => px.toString('base64'))).size).toBe(themes.length);
    // Several rounds: each round's renders share one size and so compete for the same buffers.
    for (let round = 0; round < 3; round++) {
      const together = await Promise.all(themes.map((theme) => renderer.render(input({ theme }))));
      for (const [i, image] of together.entries()) expect((await pixelsOf(image.png)).equals(alone[i]!), themes[i]).toBe(true);
    }
  });
});
