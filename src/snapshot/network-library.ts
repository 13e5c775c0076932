import type { PlexIdentities, TypeIdentities } from './source-results.js';
import type { Library, MediaCounts } from './schema.js';

/** One server's library as the network sees it: its snapshot section and, when read, its identities. */
export interface LibraryInput {
  name: string;
  library: Library | null;
  identities: PlexIdentities | null;
}

const COUNT_KEYS = [
  'movies',
  'shows',
  'seasons',
  'episodes',
  'artists',
  'albums',
  'tracks',
  'photos',
] as const satisfies readonly (keyof MediaCounts)[];

/** Union-find over the items 0..n-1, with path halving and union by size. */
class Partition {
  private readonly parent: Int32Array;
  private readonly size: Int32Array;

  constructor(n: number) {
    this.parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
    this.size = new Int32Array(n).fill(1);
  }

  find(node: number): number {
    let n = node;
    while (this.parent[n] !== n) {
      const up = this.parent[this.parent[n]!]!;
      this.parent[n] = up;
      n = up;
    }
    return n;
  }

  union(a: number, b: number): void {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if (this.size[ra]! < this.size[rb]!) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra]! += this.size[rb]!;
  }

  /** Sets of the partition: nodes that are their own root. */
  count(): number {
    let n = 0;
    for (let i = 0; i < this.parent.length; i++) if (this.parent[i] === i) n++;
    return n;
  }
}

/**
 * 64-bit keys (two 32-bit halves) -> the first item node that had each: open addressing with linear
 * probing over typed arrays. A Map over ~10^6 keys of three large servers cost about a second a
 * merge (every key a boxed number) where this costs a tenth of that.
 */
class KeyTable {
  private his: Uint32Array;
  private los: Uint32Array;
  private nodes: Int32Array;
  private size = 0;

  /** Room for `expected` keys at most half full, so a merge that counted its keys never grows. */
  constructor(expected: number) {
    const slots = 2 ** Math.max(10, Math.ceil(Math.log2(expected * 2 + 1)));
    this.his = new Uint32Array(slots);
    this.los = new Uint32Array(slots);
    this.nodes = new Int32Array(slots).fill(-1);
  }

  /** The node first recorded under (hi, lo); `node` itself when it is the first. */
  firstOf(hi: number, lo: number, node: number): number {
    let mask = this.nodes.length - 1;
    if ((this.size + 1) * 2 > this.nodes.length) mask = this.grow();
    // The halves come from a hash (or a parent's node and a number): mixed once more for the slot.
    let slot = Math.imul(hi ^ Math.imul(lo, 0x9e3779b1), 0x85ebca6b) >>> 0;
    for (slot &= mask; ; slot = (slot + 1) & mask) {
      const at = this.nodes[slot]!;
      if (at === -1) {
        this.his[slot] = hi;
        this.los[slot] = lo;
        this.nodes[slot] = node;
        this.size++;
        return node;
      }
      if (this.his[slot] === hi >>> 0 && this.los[slot] === lo >>> 0) return at;
    }
  }

  private grow(): number {
    const { his, los, nodes } = this;
    this.his = new Uint32Array(nodes.length * 2);
    this.los = new Uint32Array(nodes.length * 2);
    this.nodes = new Int32Array(nodes.length * 2).fill(-1);
    this.size = 0;
    for (let i = 0; i < nodes.length; i++) if (nodes[i] !== -1) this.firstOf(his[i]!, los[i]!, nodes[i]!);
    return this.nodes.length - 1;
  }
}

/**
 * The key `s[start, end)` as 64 bits, read in place so no substring is made: cyrb53's two 32-bit
 * lanes (bryc's public-domain string hash), both kept. Two different keys with one hash would
 * join two items: with n distinct keys of a type the chance is about n^2 / 2^65, 1 in 3 * 10^7 for
 * the ~10^6 episode keys of three large servers, against the ~2 million strings (about 300 MB) an
 * exact Map of keys held.
 */
function hashInto(table: KeyTable, s: string, start: number, end: number, node: number): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return table.firstOf(h2 >>> 0, h1 >>> 0, node);
}

/** Item nodes of one type: each server's first node, and (for parents) metadata item id -> node. */
type Placed = { partition: Partition; nodes: Array<Map<number, number> | null> };

/** A season or episode number that fits the exact (parent, number) key. */
const placeable = (index: number) => Number.isInteger(index) && index >= 0 && index < 2 ** 32;

/**
 * Items of one type across servers, merged wherever they share a key (identities.ts says what a key
 * is). Seasons and episodes also share the key "number N under the parent's merged identity". Only
 * items are nodes: a key points at the first item that had it, and later items join that one.
 */
function mergeType(
  servers: ReadonlyArray<TypeIdentities | null>,
  parent: Placed | null,
  keepNodes: boolean,
): { count: number; placed: Placed } {
  const total = servers.reduce((n, list) => n + (list?.ids.length ?? 0), 0);
  const partition = new Partition(total);
  let keyCount = 0;
  let placeCount = 0;
  for (const list of servers) {
    if (!list) continue;
    for (let i = 0; i < list.ids.length; i++) {
      const keys = list.keys[i]!;
      if (keys) keyCount++;
      for (let at = keys.indexOf('\n'); at !== -1; at = keys.indexOf('\n', at + 1)) keyCount++;
      if (list.parents[i] != null) placeCount++;
    }
  }
  const byKey = new KeyTable(keyCount);
  // (the parent's merged node, the number): exact, in a table of its own.
  const byPlace = new KeyTable(placeCount);
  // Numbers the exact key cannot hold, and parents the totals do not count (none should exist).
  const byOddPlace = new Map<string, number>();
  const nodes: Placed['nodes'] = [];
  let node = 0;
  servers.forEach((list, server) => {
    const byId = keepNodes && list ? new Map<number, number>() : null;
    nodes.push(byId);
    if (!list) return;
    for (let i = 0; i < list.ids.length; i++, node++) {
      byId?.set(list.ids[i]!, node);
      const keys = list.keys[i]!;
      for (let from = 0; from < keys.length;) {
        const to = keys.indexOf('\n', from);
        const end = to === -1 ? keys.length : to;
        if (end > from) partition.union(node, hashInto(byKey, keys, from, end, node));
        from = end + 1;
      }
      const parentId = list.parents[i];
      const index = list.indexes[i];
      if (parent && parentId != null && index != null) {
        const parentNode = parent.nodes[server]?.get(parentId);
        const root = parentNode === undefined ? -1 : parent.partition.find(parentNode);
        if (root >= 0 && placeable(index)) partition.union(node, byPlace.firstOf(root, index, node));
        else {
          const key = `${root < 0 ? `${server}:${parentId}` : root}/${index}`;
          const first = byOddPlace.get(key);
          if (first === undefined) byOddPlace.set(key, node);
          else partition.union(node, first);
        }
      }
    }
  });
  return { count: partition.count(), placed: { partition, nodes } };
}

/**
 * What a network collection keeps between cycles: the totals of the last identities merged. A
 * server's identities stay the same object while its library's token holds (read-all.ts), so most
 * cycles merge nothing.
 */
export class NetworkLibraryMemo {
  last: { identities: ReadonlyArray<PlexIdentities | null>; totals: MediaCounts } | null = null;
}

const TYPES = ['movies', 'shows', 'seasons', 'episodes', 'artists', 'albums', 'tracks', 'photos'] as const;

function mergedTotals(identities: ReadonlyArray<PlexIdentities | null>, memo: NetworkLibraryMemo | undefined): MediaCounts {
  const last = memo?.last;
  if (last && last.identities.length === identities.length && last.identities.every((x, i) => x === identities[i])) {
    return { ...last.totals };
  }
  const totals = Object.fromEntries(COUNT_KEYS.map((k) => [k, 0])) as MediaCounts;
  const parents: Partial<Record<keyof MediaCounts, Placed>> = {};
  for (const type of TYPES) {
    const parent = type === 'seasons' ? parents.shows : type === 'episodes' ? parents.seasons : undefined;
    const merged = mergeType(
      identities.map((i) => i?.types[type] ?? null),
      parent ?? null,
      type === 'shows' || type === 'seasons',
    );
    // Seasons need the shows only until they are merged: drop them so the episodes' pass has room.
    if (type === 'seasons') delete parents.shows;
    parents[type] = merged.placed;
    totals[type] = merged.count;
  }
  if (memo) memo.last = { identities: [...identities], totals: { ...totals } };
  return totals;
}

/**
 * The network's library: totals per type counted once per identity across servers; every server's
 * sections, listed under the server's name with ids renumbered so they stay unique; size and running
 * time summed (null when a server cannot give them); the most recent additions of all servers. A
 * server with a library but no identities adds its own totals (its items may then count twice):
 * `complete` says whether that happened.
 */
export function networkLibrary(inputs: readonly LibraryInput[], memo?: NetworkLibraryMemo): { library: Library | null; complete: boolean } {
  const present = inputs.filter((i) => i.library !== null);
  if (present.length === 0) return { library: null, complete: true };
  const identities = inputs.map((i) => (i.library ? i.identities : null));
  const totals = mergedTotals(identities, memo);
  let complete = true;
  inputs.forEach((input, server) => {
    if (!input.library || identities[server]) return;
    complete = false;
    for (const key of COUNT_KEYS) totals[key] += input.library.totals[key];
  });
  const sections: Library['sections'] = [];
  const recent: Library['recentlyAdded'] = [];
  for (const input of present) {
    const renumber = new Map<number, number>();
    for (const section of input.library!.sections) {
      renumber.set(section.id, sections.length + 1);
      sections.push({ ...section, id: sections.length + 1, name: `${input.name} · ${section.name}` });
    }
    for (const item of input.library!.recentlyAdded) recent.push({ ...item, sectionId: renumber.get(item.sectionId) ?? 0 });
  }
  const sum = (pick: (l: Library) => number | null) =>
    present.some((i) => pick(i.library!) === null) ? null : present.reduce((n, i) => n + pick(i.library!)!, 0);
  const recentLimit = Math.max(...present.map((i) => i.library!.recentlyAdded.length));
  return {
    library: {
      sections,
      totals,
      totalBytes: sum((l) => l.totalBytes),
      totalDurationMs: sum((l) => l.totalDurationMs),
      recentlyAdded: recent.sort((a, b) => b.addedAt - a.addedAt).slice(0, recentLimit),
    },
    complete,
  };
}
