import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import pLimit from 'p-limit';
import type { RenderedImage, Renderer, RenderInput, RenderParams } from '../render/index.js';
import type { HistoryPoint, Snapshot } from '../snapshot/schema.js';

export interface RenderRequest {
  template: string;
  theme: string;
  params: RenderParams;
}

export interface RenderServiceOptions {
  cacheBytes: number;
  /** Renders allowed at once; more wait in a queue. Near the core count: paint and encode are CPU-bound. */
  concurrency: number;
  timeoutMs: number;
  staleAfterMs: number;
  /** The render clock is quantised so that one minute's requests share a cache entry and an ETag. */
  clockResolutionMs?: number;
  /** The server's clock: entries age by it, so they die with their render-minute (see below). */
  clock?: () => number;
  /** Poster images a template needs for a snapshot (fetched and blurred outside the pure renderer). */
  posters?: (template: string, snapshot: Snapshot | null) => Promise<ReadonlyMap<string, Buffer>>;
}

export interface RenderedEntry extends RenderedImage {
  etag: string;
}

export class RenderTimeoutError extends Error {
  constructor(ms: number) {
    super(`render took longer than ${ms} ms`);
    this.name = 'RenderTimeoutError';
  }
}

const PURGE_EVERY_MS = 5_000;
/**
 * Renders above this many pixels take turns. Each holds ~4 bytes per pixel three times over (the
 * canvas raster, the copy canvas.data() returns, the encoder's input): two og@2x (2400x1260) at
 * once were the peak of the memory benchmark. Everything smaller shares the normal queue.
 */
const LARGE_RENDER_PIXELS = 1_000_000;

/**
 * Renders through a byte-bounded LRU keyed by the ETag, so concurrent misses for one key share a
 * single render (lru-cache's fetch is single-flight) and a cached hit costs a map lookup.
 */
export class RenderService {
  private readonly cache: LRUCache<string, RenderedEntry, RenderInput>;
  /** Renders behind versioned URLs (/v/<etag>/...) outlive the render cache: a posted embed must
   *  keep showing the data of its moment for as long as a platform may re-fetch it. */
  private readonly pinned = new LRUCache<string, RenderedEntry>({ max: 512, ttl: 7 * 86_400_000 });
  private readonly queue: ReturnType<typeof pLimit>;
  private readonly largeLane = pLimit(1);
  private renders = 0;
  private readonly purge: NodeJS.Timeout;
  /** Templates and themes are data: hashing them makes an edited template change every ETag. */
  private readonly revision: string;

  constructor(
    private readonly renderer: Renderer,
    private readonly options: RenderServiceOptions,
  ) {
    this.queue = pLimit(options.concurrency);
    this.revision = createHash('sha256')
      .update(JSON.stringify([[...renderer.templates], [...renderer.themes]]))
      .digest('base64url')
      .slice(0, 12);
    const step = options.clockResolutionMs ?? 60_000;
    this.cache = new LRUCache<string, RenderedEntry, RenderInput>({
      maxSize: options.cacheBytes,
      sizeCalculation: (entry) => entry.png.length + 256,
      fetchMethod: async (etag, _stale, { context }) => ({ ...(await this.renderQueued(context)), etag }),
      // The render-minute is part of every key, so once it has passed no request can ask for its
      // entries again: without an age they would sit in memory until evicted by newer bytes.
      ttl: 2 * step,
      ...(options.clock ? { perf: { now: options.clock } } : {}),
    });
    this.purge = setInterval(() => this.cache.purgeStale(), Math.min(step, PURGE_EVERY_MS)).unref();
  }

  /** Stops the purge timer. */
  close(): void {
    clearInterval(this.purge);
  }

  /** Number of renders actually performed (cache misses), for tests and benchmarks. */
  get renderCount(): number {
    return this.renders;
  }

  /** The time a render sees: quantised, so it is part of the ETag rather than a hidden input. */
  renderNow(now: number): number {
    const step = this.options.clockResolutionMs ?? 60_000;
    return Math.floor(now / step) * step;
  }

  etagFor(snapshot: Snapshot | null, request: RenderRequest, now: number): string {
    const hash = createHash('sha256')
      .update(
        JSON.stringify([
          snapshot?.version ?? 0,
          snapshot?.takenAt ?? 0,
          request.template,
          request.theme,
          normalise(request.params),
          this.renderNow(now),
          this.revision,
        ]),
      )
      .digest('base64url')
      .slice(0, 27);
    return `"${hash}"`;
  }

  peek(etag: string): RenderedEntry | undefined {
    return this.cache.get(etag) ?? this.pinned.get(etag);
  }

  /** Keeps a rendered version addressable by its ETag for the versioned-URL routes. */
  pin(entry: RenderedEntry): void {
    this.pinned.set(entry.etag, entry);
  }

  /** `etag`, when the caller has already computed it for the same inputs and `now`, is not hashed again. */
  async render(
    snapshot: Snapshot | null,
    history: HistoryPoint[],
    request: RenderRequest,
    now: number,
    etag = this.etagFor(snapshot, request, now),
  ): Promise<RenderedEntry> {
    const cached = this.cache.get(etag);
    if (cached) return cached;
    const posters = this.options.posters ? await this.options.posters(request.template, snapshot) : undefined;
    const context: RenderInput = {
      snapshot,
      history,
      template: request.template,
      theme: request.theme,
      params: request.params,
      now: this.renderNow(now),
      staleAfterMs: this.options.staleAfterMs,
      ...(posters ? { posters } : {}),
    };
    const entry = await this.cache.fetch(etag, { context });
    if (!entry) throw new Error('render produced no image');
    return entry;
  }

  private renderQueued(input: RenderInput): Promise<RenderedImage> {
    const run = () =>
      this.queue(() => {
        this.renders++;
        return withDeadline(this.renderer.render(input), this.options.timeoutMs);
      });
    const t = this.renderer.templates.get(input.template);
    const pixels = t ? t.width * t.height * input.params.scale ** 2 : 0;
    return pixels > LARGE_RENDER_PIXELS ? this.largeLane(run) : run();
  }
}

/** Stable key order, so {a,b} and {b,a} share an ETag and a cache entry. */
function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, normalise(v)]),
    );
  }
  return value;
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RenderTimeoutError(ms)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
