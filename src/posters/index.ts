import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LRUCache } from 'lru-cache';
import { processPoster, type PosterMode } from './process.js';

export type { PosterMode } from './process.js';

export interface PosterCacheOptions {
  /** Folder for processed posters (created on first write). */
  dir: string;
  /** e.g. http://127.0.0.1:32400 ; with plexToken, posters are fetched from Plex. */
  plexUrl?: string;
  /** Sent as the X-Plex-Token header, never in a URL, so it cannot leak into logs or images. */
  plexToken?: string;
  mode: PosterMode;
  blurSigma: number;
  /** Demo artwork; used when no Plex URL/token is configured. */
  demoDir?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Upper bound of a poster download; larger answers are dropped. */
  maxBytes?: number;
  /** Bytes of processed posters kept in memory (default 4 MB: a poster is ~5-15 kB). */
  memoryBytes?: number;
  /**
   * Bytes of processed posters kept on disk (default 64 MB), least recently used out first. A big
   * library scrolls thousands of different posters through "recently added" and now-playing over
   * the months; without a bound the folder only grew.
   */
  diskBytes?: number;
  /** Told about failures (the cache itself never throws at its caller). */
  onError?: (thumb: string, err: unknown) => void;
}

export interface PosterCache {
  /** Processed image bytes for a Plex thumb path, or null (hidden, unknown, unreachable). */
  get(thumb: string): Promise<Buffer | null>;
  /** The posters for many thumbs at once, ready for RenderInput.posters. */
  getMany(thumbs: Iterable<string | null | undefined>): Promise<Map<string, Buffer>>;
}

/**
 * Plex thumb paths look like /library/metadata/123/thumb/1699999999. Anything else (a full URL,
 * "..", odd characters) is refused so a snapshot can never make us fetch another host or path.
 */
const THUMB = /^\/[A-Za-z0-9/_.:-]{1,300}$/;

export function isThumbPath(p: string): boolean {
  return THUMB.test(p) && !p.includes('..') && !p.includes('//');
}

function key(thumb: string, o: PosterCacheOptions, source: string): string {
  return createHash('sha256').update(`${o.mode}|${o.blurSigma}|${source}|${thumb}`).digest('hex').slice(0, 32);
}

async function readIfExists(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch {
    return null;
  }
}

/** Maps a thumb path to one of the demo posters, the same one every time (by hash). */
export function demoPosterFor(thumb: string, files: readonly string[]): string | null {
  if (files.length === 0) return null;
  const h = createHash('sha256').update(thumb).digest().readUInt32BE(0);
  return files[h % files.length] ?? null;
}

async function fetchFromPlex(thumb: string, o: PosterCacheOptions): Promise<Buffer> {
  const base = new URL(o.plexUrl ?? '');
  const url = new URL(thumb, base);
  // Belt and braces after the path check: never leave the configured server.
  if (url.origin !== base.origin) throw new Error('thumb resolves outside the Plex server');
  const res = await (o.fetch ?? fetch)(url, {
    headers: { 'X-Plex-Token': o.plexToken ?? '', Accept: 'image/*' },
    signal: AbortSignal.timeout(o.timeoutMs ?? 5000),
    redirect: 'error',
  });
  if (!res.ok) throw new Error(`Plex answered ${res.status} for a poster`);
  const limit = o.maxBytes ?? 10 * 1024 * 1024;
  if (Number(res.headers.get('content-length') ?? 0) > limit) throw new Error('poster too large');
  const body = Buffer.from(await res.arrayBuffer());
  if (body.length > limit) throw new Error('poster too large');
  return body;
}

export function createPosterCache(o: PosterCacheOptions): PosterCache {
  const live = Boolean(o.plexUrl && o.plexToken);
  const source = live ? `plex:${o.plexUrl}` : 'demo';
  const inflight = new Map<string, Promise<Buffer | null>>();
  // Hot posters stay in memory: every render of a busy server asks for the same few.
  const memory = new LRUCache<string, Buffer>({ maxSize: o.memoryBytes ?? 4 * 1024 * 1024, sizeCalculation: (b) => b.length + 64 });
  const disk = diskIndex(o.dir, o.diskBytes ?? 64 * 1024 * 1024);
  const remember = (thumb: string, b: Buffer): Buffer => {
    memory.set(thumb, b);
    return b;
  };
  let demoFiles: Promise<string[]> | null = null;

  const listDemo = (): Promise<string[]> => {
    demoFiles ??= o.demoDir
      ? readdir(o.demoDir).then((fs) =>
          fs
            .filter((f) => /\.(png|jpe?g|webp)$/i.test(f))
            .sort()
            .map((f) => join(o.demoDir ?? '', f)),
        )
      : Promise.resolve([]);
    return demoFiles.catch(() => []);
  };

  const original = async (thumb: string): Promise<Buffer | null> => {
    if (live) return fetchFromPlex(thumb, o);
    const file = demoPosterFor(thumb, await listDemo());
    return file ? readFile(file) : null;
  };

  const load = async (thumb: string): Promise<Buffer | null> => {
    const name = `${key(thumb, o, source)}.jpg`;
    const file = join(o.dir, name);
    const index = await disk;
    const cached = await readIfExists(file);
    if (cached) {
      index.set(name, cached.length);
      return remember(thumb, cached);
    }
    const raw = await original(thumb);
    if (!raw || o.mode === 'hide') return null;
    const out = await processPoster(raw, o.mode, o.blurSigma);
    await mkdir(o.dir, { recursive: true });
    // Write then rename, so a concurrent reader never sees half a file.
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, out);
    await rename(tmp, file);
    index.set(name, out.length);
    return remember(thumb, out);
  };

  const get = (thumb: string): Promise<Buffer | null> => {
    if (o.mode === 'hide' || !isThumbPath(thumb)) return Promise.resolve(null);
    const hot = memory.get(thumb);
    if (hot) {
      // A poster drawn from memory is still in use: keep its file from being the next one evicted.
      void disk.then((index) => index.get(`${key(thumb, o, source)}.jpg`));
      return Promise.resolve(hot);
    }
    const pending = inflight.get(thumb);
    if (pending) return pending;
    const p = load(thumb)
      .catch((err: unknown) => {
        o.onError?.(thumb, err);
        return null;
      })
      .finally(() => inflight.delete(thumb));
    inflight.set(thumb, p);
    return p;
  };

  return {
    get,
    async getMany(thumbs) {
      const unique = [...new Set([...thumbs].filter((t): t is string => typeof t === 'string'))];
      const got = await Promise.all(unique.map(async (t) => [t, await get(t)] as const));
      return new Map(got.filter((e): e is readonly [string, Buffer] => e[1] !== null));
    },
  };
}

/**
 * The files in the poster folder, by name, least recently used first out once their bytes pass
 * `maxBytes` (the evicted file is deleted). Built once from the folder, oldest modification first,
 * so a restart keeps the bound and roughly the order.
 */
async function diskIndex(dir: string, maxBytes: number): Promise<LRUCache<string, number>> {
  const index = new LRUCache<string, number>({
    maxSize: maxBytes,
    sizeCalculation: (bytes) => Math.max(1, bytes),
    dispose: (_bytes, name, reason) => {
      if (reason === 'evict') void unlink(join(dir, name)).catch(() => undefined);
    },
  });
  const names = await readdir(dir).catch(() => [] as string[]);
  const files = await Promise.all(
    names.map(async (name) => {
      const path = join(dir, name);
      const s = await stat(path).catch(() => null);
      if (!s?.isFile()) return null;
      // A write interrupted by a crash: never renamed into place, never read.
      if (name.endsWith('.tmp')) {
        await unlink(path).catch(() => undefined);
        return null;
      }
      return { name, bytes: s.size, mtime: s.mtimeMs };
    }),
  );
  for (const f of files.filter((f) => f !== null).sort((a, b) => a.mtime - b.mtime)) index.set(f.name, f.bytes);
  return index;
}
