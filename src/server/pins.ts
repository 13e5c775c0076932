import { LRUCache } from 'lru-cache';
import type { PinKey, SqlitePinStore, StoredPin } from '../stores/sqlite/pin-store.js';

export type { PinKey } from '../stores/sqlite/pin-store.js';

export interface PinnedVersionsOptions {
  /** Where pins live across restarts (Marquee's own database). */
  store: Pick<SqlitePinStore, 'get' | 'put' | 'touch'>;
  clock: () => number;
  /** Bytes of recently served pins kept in memory in front of the store. */
  memoryBytes?: number;
  /**
   * A fetch is written to the store at most this often per pin. Eviction is least recently
   * fetched at the scale of a 200 MB bound (days of embeds), so an hour's precision is plenty, and
   * a burst of re-fetches (a Discord channel scrolled) costs memory lookups, not writes.
   */
  touchEveryMs?: number;
}

interface Held extends StoredPin {
  etag: string;
}

const HOUR_MS = 3_600_000;

/**
 * The renders behind versioned URLs, and their only owner. `/embed` pins what it links, `/v/`
 * serves only what is pinned and never renders: a version that is not here was never handed out
 * or has been evicted, and answers 404 like any unknown image.
 */
export class PinnedVersions {
  private readonly memory: LRUCache<string, Held>;

  constructor(private readonly o: PinnedVersionsOptions) {
    this.memory = new LRUCache<string, Held>({
      maxSize: o.memoryBytes ?? 8 * 1024 * 1024,
      sizeCalculation: (held) => held.png.length + 256,
    });
  }

  /** Keeps a render under its versioned URL (idempotent: pinning again counts as a fetch). */
  pin(key: PinKey, png: Buffer): void {
    const now = this.o.clock();
    // /embed is public: a burst of it within one render-minute pins one version, written once.
    const held = this.memory.get(memoryKey(key));
    if (held && now - held.fetchedAt < (this.o.touchEveryMs ?? HOUR_MS)) return;
    const evicted = this.o.store.put(key, png, now);
    for (const k of evicted) this.memory.delete(memoryKey(k));
    if (!evicted.some((k) => memoryKey(k) === memoryKey(key))) this.memory.set(memoryKey(key), { png, fetchedAt: now, etag: key.etag });
  }

  /** The pinned bytes and their ETag (quoted, as sent), recording the fetch; undefined when not pinned. */
  get(key: PinKey): { png: Buffer; etag: string } | undefined {
    const k = memoryKey(key);
    let held = this.memory.get(k);
    if (!held) {
      const stored = this.o.store.get(key);
      if (!stored) return undefined;
      held = { ...stored, etag: key.etag };
      this.memory.set(k, held);
    }
    const now = this.o.clock();
    if (now - held.fetchedAt >= (this.o.touchEveryMs ?? HOUR_MS)) {
      this.o.store.touch(key, now);
      held.fetchedAt = now;
    }
    return { png: held.png, etag: `"${held.etag}"` };
  }
}

const memoryKey = (k: PinKey) => `${k.server}/${k.etag}/${k.file}`;
