/**
 * Gives dead pixel buffers back to the OS sooner than V8 would on its own.
 *
 * A render's pixel buffer that PixelPool does not keep (over its per-buffer bound, as og is, or
 * pushed out of it) dies after the encode, by when it has outlived the young generation, so
 * nothing smaller than a full collection reclaims it. V8 counts those bytes as external memory but
 * only starts a full collection once ~64 MB more of it has piled up since the last one. Under a
 * burst of large renders that pile is most of the server's peak RSS (`npm run bench`, phase 5).
 * When the process runs with --expose-gc (as `npm start` and the image do), a full collection is
 * requested once `thresholdBytes` of pixels have died since the last request; without it this does
 * nothing and V8 decides alone. Each request is a ~25 ms pause, which is why the pool keeps the
 * common sizes and only what it lets go is counted here.
 */
export class PixelReclaimer {
  private dead = 0;

  constructor(
    private readonly thresholdBytes: number,
    private readonly collect: (() => void) | undefined = exposedGc(),
  ) {}

  /** Records that a pixel buffer of `bytes` is no longer referenced. */
  released(bytes: number): void {
    if (!this.collect) return;
    this.dead += bytes;
    if (this.dead < this.thresholdBytes) return;
    this.dead = 0;
    this.collect();
  }
}

function exposedGc(): (() => void) | undefined {
  const gc = (globalThis as { gc?: (options?: { type: 'major'; execution: 'async' }) => void }).gc;
  // Asynchronous: V8 runs the collection in its incremental, concurrent steps instead of stopping
  // the event loop for the whole of it.
  return gc ? () => gc({ type: 'major', execution: 'async' }) : undefined;
}
