import type { PosterCache, PosterMode } from '../posters/index.js';
import type { Snapshot } from '../snapshot/schema.js';

/** How a server's posters are processed: its privacy policy's `thumbnails` and `blurSigma`. */
export interface PosterPolicy {
  thumbnails: PosterMode;
  blurSigma: number;
}

export interface ServerPostersOptions {
  /** Every Plex server, in the config's order, with its own (merged) policy. */
  servers: ReadonlyArray<{ id: string; policy: PosterPolicy }>;
  /** The global policy the network's snapshot went through; null with one server (no network). */
  network: PosterPolicy | null;
  /** The cache that fetches `server`'s posters from its own Plex and processes them so. */
  cacheFor(server: string, policy: PosterPolicy): PosterCache;
  /** A server's own current snapshot (after its privacy policy), to tell whose a network thumb is. */
  snapshotOf(server: string): Promise<Snapshot | null>;
  /** The thumbs a template draws for a snapshot (Renderer.postersFor). */
  postersFor(template: string, snapshot: Snapshot | null): string[];
}

const STRICTNESS: Readonly<Record<PosterMode, number>> = { hide: 0, blur: 1, show: 2 };

/** The stricter of two policies, key by key: what neither of them would refuse. */
function stricter(a: PosterPolicy, b: PosterPolicy): PosterPolicy {
  return {
    thumbnails: STRICTNESS[a.thumbnails] <= STRICTNESS[b.thumbnails] ? a.thumbnails : b.thumbnails,
    blurSigma: Math.max(a.blurSigma, b.blurSigma),
  };
}

/** Every thumb path a snapshot carries (now playing, recently added, top lists), wherever it sits. */
export function thumbsOf(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) thumbsOf(v, into);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      // `thumb` beside a title; `poster` alone, where the policy hid the title (watching: type-only).
      if ((k === 'thumb' || k === 'poster') && typeof v === 'string') into.add(v);
      else if (v && typeof v === 'object') thumbsOf(v, into);
    }
  }
  return into;
}

/**
 * The posters of a render, by the server it is of (issue 20). A thumb path means something only on
 * the Plex server that gave it (`/library/metadata/123/thumb/...` is another film on another
 * server), and each server may process its posters by its own policy:
 *
 * - a server's image (and the only server's `/i/<name>.png`): its own Plex, its own policy;
 * - the network: each thumb is fetched from the first server whose own snapshot carries it, processed
 *   by the stricter of the global policy and that server's. A thumb no server's own snapshot carries
 *   (a server that hides its posters, or an item only the merged top lists reach) gets no poster.
 */
export function serverPosters(o: ServerPostersOptions) {
  const policies = new Map(o.servers.map((s) => [s.id, s.policy]));
  const only = o.servers.length === 1 ? o.servers[0]! : undefined;
  return async (template: string, snapshot: Snapshot | null, server: string): Promise<ReadonlyMap<string, Buffer>> => {
    const wanted = o.postersFor(template, snapshot);
    if (wanted.length === 0) return new Map();
    const id = server === '' && only ? only.id : server;
    const policy = policies.get(id);
    if (policy) return o.cacheFor(id, policy).getMany(wanted);
    if (server !== '' || !o.network) return new Map();
    const network = o.network;
    const left = new Set(wanted);
    const out = new Map<string, Buffer>();
    for (const s of o.servers) {
      if (left.size === 0) break;
      const carried = thumbsOf(await o.snapshotOf(s.id).catch(() => null));
      const theirs = [...left].filter((t) => carried.has(t));
      if (theirs.length === 0) continue;
      for (const t of theirs) left.delete(t);
      for (const [t, png] of await o.cacheFor(s.id, stricter(network, s.policy)).getMany(theirs)) out.set(t, png);
    }
    return out;
  };
}
