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

/** Union-find over dense node numbers, with path halving and union by size. */
class Partition {
  private readonly parent: number[] = [];
  private readonly size: number[] = [];

  add(): number {
    this.parent.push(this.parent.length);
    this.size.push(1);
    return this.parent.length - 1;
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
}

/** Item nodes of one type, per server: metadata item id -> node, so children can name their parent. */
type Placed = { partition: Partition; nodes: Array<Map<number, number>> };

/**
 * Items of one type across servers, merged wherever they share a key (identities.ts says what a key
 * is). Seasons and episodes also get the key "number N under the parent's merged identity".
 */
function mergeType(servers: ReadonlyArray<TypeIdentities | null>, parent: Placed | null): { count: number; placed: Placed } {
  const partition = new Partition();
  const keyNodes = new Map<string, number>();
  const nodes: Array<Map<number, number>> = [];
  const items: number[] = [];
  const keyNode = (key: string) => {
    let node = keyNodes.get(key);
    if (node === undefined) keyNodes.set(key, (node = partition.add()));
    return node;
  };
  servers.forEach((list, server) => {
    const byId = new Map<number, number>();
    nodes.push(byId);
    if (!list) return;
    for (let i = 0; i < list.ids.length; i++) {
      const node = partition.add();
      byId.set(list.ids[i]!, node);
      items.push(node);
      const keys = list.keys[i]!;
      if (keys) for (const key of keys.split('\n')) partition.union(node, keyNode(key));
      const parentId = list.parents[i];
      const index = list.indexes[i];
      if (parent && parentId != null && index != null) {
        const parentNode = parent.nodes[server]?.get(parentId);
        // A parent the totals do not count (none should exist) is this server's alone.
        const under = parentNode === undefined ? `${server}:${parentId}` : String(parent.partition.find(parentNode));
        partition.union(node, keyNode(`\u0000${under}/${index}`));
      }
    }
  });
  const roots = new Set(items.map((node) => partition.find(node)));
  return { count: roots.size, placed: { partition, nodes } };
}

/**
 * The network's library: totals per type counted once per identity across servers; every server's
 * sections, listed under the server's name with ids renumbered so they stay unique; size and running
 * time summed (null when a server cannot give them); the most recent additions of all servers. A
 * server with a library but no identities adds its own totals (its items may then count twice):
 * `complete` says whether that happened.
 */
export function networkLibrary(inputs: readonly LibraryInput[]): { library: Library | null; complete: boolean } {
  const present = inputs.filter((i) => i.library !== null);
  if (present.length === 0) return { library: null, complete: true };
  const identities = inputs.map((i) => (i.library ? i.identities : null));
  const totals = Object.fromEntries(COUNT_KEYS.map((k) => [k, 0])) as MediaCounts;
  const parents: Partial<Record<keyof MediaCounts, Placed>> = {};
  for (const type of ['movies', 'shows', 'seasons', 'episodes', 'artists', 'albums', 'tracks', 'photos'] as const) {
    const parent = type === 'seasons' ? parents.shows : type === 'episodes' ? parents.seasons : undefined;
    const merged = mergeType(
      identities.map((i) => i?.types[type] ?? null),
      parent ?? null,
    );
    parents[type] = merged.placed;
    totals[type] = merged.count;
  }
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
