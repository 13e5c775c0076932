/**
 * Pixel buffers kept between renders, by size, so a PNG render leaves no large garbage behind.
 *
 * Each raster render hands sharp a W x H x 4 buffer (480 kB for the signature) that must stay
 * untouched until the encode settles, a few ms later on sharp's threads. A fresh buffer per render
 * outlived the young generation during that wait, so only a full collection freed it, and the
 * full collections requested for them (PixelReclaimer) were 25 ms pauses: the fresh-render p99
 * (`npm run bench`, phase 2). A leased buffer comes back here once sharp is done with it and the
 * next render of that size reuses it.
 *
 * Idle buffers are bounded by bytes, the least recently used size dropped first, and a buffer
 * over `maxBufferBytes` is never kept: an idle og at 2x (12 MB) would be RSS that most servers
 * never use again. A lease is exclusive: a buffer is never handed out again before it is released,
 * so renders of one size running at once each get their own.
 */
export class PixelPool {
  /** Idle buffers by byte length; Map order is recency (oldest first). */
  private readonly idle = new Map<number, Buffer[]>();
  private readonly leased = new WeakSet<Buffer>();
  private idleBytesNow = 0;

  /**
   * @param onDrop told the size of each leased buffer the pool lets go (not kept, or pushed out):
   *   garbage from then on, for a PixelReclaimer.
   */
  constructor(
    private readonly maxIdleBytes: number,
    private readonly maxBufferBytes = maxIdleBytes,
    private readonly onDrop: (bytes: number) => void = () => undefined,
  ) {}

  /** Bytes held by idle buffers (never more than `maxIdleBytes`). */
  get idleBytes(): number {
    return this.idleBytesNow;
  }

  /** A buffer of exactly `bytes` bytes, the caller's alone until release(). Its contents are stale. */
  acquire(bytes: number): Buffer {
    const list = this.idle.get(bytes);
    const buf = list?.pop();
    if (list && list.length === 0) this.idle.delete(bytes);
    if (buf) this.idleBytesNow -= bytes;
    // allocUnsafeSlow: its own memory, never a slice of Node's shared slab (which a small buffer
    // would pin).
    const out = buf ?? Buffer.allocUnsafeSlow(bytes);
    this.leased.add(out);
    return out;
  }

  /**
   * Leases a buffer holding `source`'s bytes: a pooled one, so `source` can be dropped at once and
   * dies young, or `source` itself when buffers of its size are never kept (no copy for nothing).
   */
  leaseCopy(source: Buffer): Buffer {
    if (!this.keeps(source.length)) {
      this.leased.add(source);
      return source;
    }
    const out = this.acquire(source.length);
    out.set(source);
    return out;
  }

  /**
   * Takes a buffer back once nothing reads it any more. The buffer itself when it is not kept, or
   * the idle buffers it pushes out, are reported to `onDrop`. A buffer this pool did not lease, or
   * one already released, is ignored: pooling it twice would hand it to two renders at once.
   */
  release(buf: Buffer): void {
    if (!this.leased.delete(buf)) return;
    const bytes = buf.length;
    if (!this.keeps(bytes)) return this.onDrop(bytes);
    while (this.idleBytesNow + bytes > this.maxIdleBytes) this.dropOldest();
    const list = this.idle.get(bytes) ?? [];
    // Re-inserted at the end: this size is now the most recently used.
    this.idle.delete(bytes);
    list.push(buf);
    this.idle.set(bytes, list);
    this.idleBytesNow += bytes;
  }

  private keeps(bytes: number): boolean {
    return bytes <= this.maxBufferBytes && bytes <= this.maxIdleBytes;
  }

  private dropOldest(): void {
    const [bytes, list] = this.idle.entries().next().value as [number, Buffer[]];
    list.shift();
    if (list.length === 0) this.idle.delete(bytes);
    this.idleBytesNow -= bytes;
    this.onDrop(bytes);
  }
}
