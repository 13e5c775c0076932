/**
 * Gives dead pixel buffers back to the OS sooner than V8 would on its own.
 *
 * Each render leaves a W x H x 4 pixel copy behind (`canvas.data()`, then sharp's input): 12 MB for
 * og at 2x. V8 counts those bytes as external memory but only starts a full collection once ~64 MB
 * more of it has piled up since the last one, and by then the buffers have outlived the young
 * generation, so nothing smaller reclaims them. Under a burst of large renders that pile is most
 * of the server's peak RSS (`npm run bench`, phase 5). When the process runs with --expose-gc (as
 * `npm start` and the image do), a full collection is requested once `thresholdBytes` of pixels
 * have died since the last request; without it this does nothing and V8 decides alone.
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
