import { createHash, createHmac } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import pLimit from 'p-limit';
import type { RenderedImage, Renderer, RenderInput, RenderParams } from '../render/index.js';
import type { HistoryPoint, Snapshot } from '../snapshot/schema.js';

export interface RenderRequest {
  /**
   * The Plex server drawn ('' or absent: the only one). Part of the ETag: with several servers
   * (issue 20) one cycle gives every server's snapshot the same `takenAt`, and the same image of
   * two servers must not share a cache entry or a versioned URL.
   */
  server?: string;
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
  /**
   * Poster images a template needs for a snapshot (fetched and blurred outside the pure renderer),
   * from the server the render is of (RenderRequest.server, '' for what `/i/<name>.png` shows).
   */
  posters?: (template: string, snapshot: Snapshot | null, server: string) => Promise<ReadonlyMap<string, Buffer>>;
  /**
   * Keys every ETag. Without it an ETag is a hash of public inputs (the snapshot's `takenAt`, the
   * parameters, the templates shipped in the image), so anyone could compute the `/v/` address of
   * a render that was never asked for and make the server draw it.
   */
  etagSecret: string;
  /** Told of every image drawn (not cached answers): its template and seconds taken, for /metrics. */
  onRender?: (template: string, seconds: number) => void;
}

/** What an error image shows. It depends on nothing else, so each is drawn once and kept. */
export interface ErrorImageRequest {
  message: string;
  template?: string;
  theme?: string;
  scale: 1 | 2;
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
/** The error image's size when it stands in for no known template (see renderError). */
const ERROR_FALLBACK_PIXELS = 500 * 100;
/**
 * Error images: (message, template, theme, scale) from bounded sets, the largest an og at 2x
 * (~75 kB). Uncached, a flood of bad URLs drew one full-size image per request outside the render
 * queue: 64 clients took RSS to 1 GB (issue 16).
 */
const ERROR_CACHE_ENTRIES = 256;
const ERROR_CACHE_BYTES = 8 * 1024 * 1024;

/**
 * Renders through a byte-bounded LRU keyed by the ETag, so concurrent misses for one key share a
 * single render (lru-cache's fetch is single-flight) and a cached hit costs a map lookup.
 */
export class RenderService {
  private readonly cache: LRUCache<string, RenderedEntry, RenderInput>;
  private readonly queue: ReturnType<typeof pLimit>;
  private readonly largeLane = pLimit(1);
  private readonly errors: LRUCache<string, RenderedImage, ErrorImageRequest>;
  /** Renders admitted and not yet cached, by ETag: later requests for one join it (see renderAdmitted). */
  private readonly admitted = new Map<string, Promise<RenderedEntry>>();
  private renders = 0;
  private errorRenders = 0;
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
      // Read the clock on every lookup (lru-cache otherwise reuses a reading for 1 ms of real time).
      ...(options.clock ? { perf: { now: options.clock }, ttlResolution: 0 } : {}),
    });
    this.purge = setInterval(() => this.cache.purgeStale(), Math.min(step, PURGE_EVERY_MS)).unref();
    this.errors = new LRUCache<string, RenderedImage, ErrorImageRequest>({
      max: ERROR_CACHE_ENTRIES,
      maxSize: ERROR_CACHE_BYTES,
      sizeCalculation: (image) => image.png.length + 256,
      fetchMethod: (_key, _stale, { context }) =>
        this.queued(this.pixels(context.template ?? '', context.scale), () => {
          this.errorRenders++;
          return this.renderer.renderError(context);
        }),
    });
  }

  /** Stops the purge timer. */
  close(): void {
    clearInterval(this.purge);
  }

  /** Number of renders actually performed (cache misses), for tests and benchmarks. */
  get renderCount(): number {
    return this.renders;
  }

  /** render.staleAfterS in ms: what the images call too old to be now (the shields badges follow it). */
  get staleAfterMs(): number {
    return this.options.staleAfterMs;
  }

  /** Number of error images actually drawn (cache misses). */
  get errorRenderCount(): number {
    return this.errorRenders;
  }

  /** Pixels a render of `template` at `scale` draws: what it costs in memory, time and budget. */
  pixels(template: string, scale: 1 | 2): number {
    const t = this.renderer.templates.get(template);
    return (t ? t.width * t.height : ERROR_FALLBACK_PIXELS) * scale ** 2;
  }

  /** The time a render sees: quantised, so it is part of the ETag rather than a hidden input. */
  renderNow(now: number): number {
    const step = this.options.clockResolutionMs ?? 60_000;
    return Math.floor(now / step) * step;
  }

  etagFor(snapshot: Snapshot | null, request: RenderRequest, now: number): string {
    const hash = createHmac('sha256', this.options.etagSecret)
      .update(
        JSON.stringify([
          request.server ?? '',
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

  /** The cached render for an ETag, if any. Renders behind versioned URLs are PinnedVersions' (pins.ts). */
  peek(etag: string): RenderedEntry | undefined {
    return this.cache.get(etag);
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
    const posters = this.options.posters ? await this.options.posters(request.template, snapshot, request.server ?? '') : undefined;
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

  /**
   * Like render, but `admit` (the client's render budget) is asked only by the request that starts
   * a render. Requests for a render already admitted join it and pay nothing: after a new snapshot,
   * an image proxy (Discord's, GitHub's camo: a handful of addresses for everyone) asks for the new
   * image many times before it is drawn once, and charging each of those spent its whole budget in
   * a second and turned the rest of the minute into 429s (`npm run bench -- --only realistic`).
   * A refused admission is settled within the same turn, so no one else's request can join it.
   */
  renderAdmitted(
    snapshot: Snapshot | null,
    history: HistoryPoint[],
    request: RenderRequest,
    now: number,
    etag: string,
    admit: () => Promise<void>,
  ): Promise<RenderedEntry> {
    const cached = this.cache.get(etag);
    if (cached) return Promise.resolve(cached);
    let pending = this.admitted.get(etag);
    if (!pending) {
      pending = admit().then(() => this.render(snapshot, history, request, now, etag));
      this.admitted.set(etag, pending);
      pending.then(
        () => this.admitted.delete(etag),
        () => this.admitted.delete(etag),
      );
    }
    return pending;
  }

  /**
   * The error image for a request that cannot have its own, drawn through the same queue as every
   * render and then kept. An unknown template or theme is drawn (and kept) as the default, so a
   * stranger's strings never become cache keys.
   */
  async errorImage(request: ErrorImageRequest): Promise<RenderedImage> {
    const template = request.template !== undefined && this.renderer.templates.has(request.template) ? request.template : undefined;
    const theme = request.theme !== undefined && this.renderer.themes.has(request.theme) ? request.theme : undefined;
    const context: ErrorImageRequest = {
      message: request.message,
      scale: request.scale,
      ...(template ? { template } : {}),
      ...(theme ? { theme } : {}),
    };
    const image = await this.errors.fetch(JSON.stringify([context.message, template, theme, context.scale]), { context });
    if (!image) throw new Error('error image produced no image');
    return image;
  }

  private renderQueued(input: RenderInput): Promise<RenderedImage> {
    return this.queued(this.pixels(input.template, input.params.scale), async () => {
      this.renders++;
      const started = performance.now();
      const image = await withDeadline(this.renderer.render(input), this.options.timeoutMs);
      this.options.onRender?.(input.template, (performance.now() - started) / 1000);
      return image;
    });
  }

  /** Every drawing takes a turn in the render queue; those over LARGE_RENDER_PIXELS one at a time. */
  private queued(pixels: number, draw: () => Promise<RenderedImage>): Promise<RenderedImage> {
    const run = () => this.queue(draw);
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
