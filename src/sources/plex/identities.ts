import type Database from 'better-sqlite3';
import { COUNTED_TYPES, externalGuidsSql, identitiesTokenSql, identityItemsSql } from './queries.js';
import type { PlexIdentities, PlexIdentitiesUnchanged, TypeIdentities } from '../../snapshot/source-results.js';

/** GUID schemes that name something only on this server. */
const LOCAL_SCHEMES = new Set(['local', 'file', 'com.plexapp.agents.none', 'com.plexapp.agents.localmedia']);

/** Legacy agents whose ids are IMDb's, TMDB's or TheTVDB's: the same ids the 314 tags carry. */
const LEGACY_PROVIDERS: Readonly<Record<string, string>> = {
  'com.plexapp.agents.imdb': 'imdb',
  'com.plexapp.agents.themoviedb': 'tmdb',
  'com.plexapp.agents.thetvdb': 'tvdb',
};

/**
 * The key an agent GUID gives an item, or null when the GUID is server-local or not a GUID. The
 * query (?lang=en) is dropped: it names the metadata language, not the item.
 */
export function agentKey(guid: string | null): string | null {
  const match = guid ? /^([a-z0-9.+-]+):\/\/([^?#]*)/i.exec(guid) : null;
  if (!match || !match[2]) return null;
  const scheme = match[1]!.toLowerCase();
  if (LOCAL_SCHEMES.has(scheme)) return null;
  return `${LEGACY_PROVIDERS[scheme] ?? scheme}://${match[2]}`;
}

/** An external id tag as a key ("imdb://tt0113243"), or null when it is not one. */
export function externalKey(tag: string | null): string | null {
  const match = tag ? /^([a-z]+):\/\/(\S+)$/i.exec(tag) : null;
  return match ? `${match[1]!.toLowerCase()}://${match[2]}` : null;
}

const emptyType = (): TypeIdentities => ({ ids: [], keys: [], parents: [], indexes: [] });

/**
 * Reads the identities inside the caller's read transaction; with the token of the identities the
 * caller holds, only checks that token when nothing changed (a library changes far less often than
 * a cycle runs). Measured on the `large` fixture (232k items, 275k external ids; 2 shared cores):
 * about 1.5 s for a full read, a few ms for an unchanged token.
 */
export function readIdentities(
  db: Database.Database,
  privateIds: readonly number[],
  knownToken?: string,
): PlexIdentities | PlexIdentitiesUnchanged {
  const token = JSON.stringify([db.prepare(identitiesTokenSql).raw().get(), privateIds]);
  if (token === knownToken) return { token, unchanged: true };
  // Item id -> its external keys joined by '\n'. Rows are streamed (iterate), not fetched whole
  // (all()): on `large` the whole fetch held ~10^5 row arrays and their strings at once, and three
  // servers read at the same time.
  const external = new Map<number, string>();
  for (const [itemId, tag] of db.prepare(externalGuidsSql).raw().iterate() as IterableIterator<[number, string | null]>) {
    const key = externalKey(tag);
    if (key === null) continue;
    const before = external.get(itemId);
    external.set(itemId, before === undefined ? key : `${before}\n${key}`);
  }
  const types = Object.fromEntries(Object.values(COUNTED_TYPES).map((t) => [t, emptyType()])) as PlexIdentities['types'];
  type Row = [id: number, type: number, parentId: number | null, index: number | null, guid: string | null];
  const rows = db.prepare(identityItemsSql).raw().iterate(JSON.stringify(privateIds)) as IterableIterator<Row>;
  for (const [id, type, parentId, index, guid] of rows) {
    const into = types[COUNTED_TYPES[type as keyof typeof COUNTED_TYPES]];
    const own = agentKey(guid);
    const ids = external.get(id);
    // A key listed twice (a legacy guid and a 314 tag for the same id) is harmless to the union.
    into.ids.push(id);
    // join() writes one flat string; `a + b` would keep a tree of the parts alive until it is read.
    into.keys.push(own === null ? (ids === undefined ? '' : [ids].join('')) : ids === undefined ? own : [own, ids].join('\n'));
    const placed = type === 3 || type === 4;
    into.parents.push(placed ? parentId : null);
    into.indexes.push(placed ? index : null);
  }
  return { token, types };
}

export type { PlexIdentities, PlexIdentitiesUnchanged, TypeIdentities };
