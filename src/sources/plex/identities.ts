import type Database from 'better-sqlite3';
import type { MediaCounts } from '../../snapshot/schema.js';
import { COUNTED_TYPES, externalGuidsSql, identityItemsSql } from './queries.js';

/**
 * What the network image needs to count an item once across servers (issue 20): per counted type,
 * every item the one-server totals count, with the keys that name it outside this server.
 *
 * What "the same item" means, per type:
 * - movies, shows, artists, albums, tracks: sharing any key: its agent GUID (plex://…, or a legacy
 *   agent's, normalised so that com.plexapp.agents.imdb://tt1?lang=en is imdb://tt1) or one of the
 *   external ids PMS stores beside a plex:// GUID (imdb://, tmdb://, tvdb://). Keys are compared
 *   within one type, so a film's tmdb://1399 never meets a show's.
 * - seasons, episodes: the same, and also "season N of the same show" / "episode E of that season":
 *   the legacy TheTVDB agent names them by path under the show (thetvdb://74205/1/1) while the
 *   current agent gives them plex:// GUIDs, so only their place under a matched show ties a legacy
 *   server's episode to a current one's. (A show shown in another episode order on one server
 *   would pair by position; its own GUIDs still pair it correctly where both have them.)
 * - photos, and any item whose GUID is server-local (local://, com.plexapp.agents.none://, file://)
 *   with no external id: never the same as anything, so each counts on its own server.
 */
export interface PlexIdentities {
  types: Record<keyof MediaCounts, TypeIdentities>;
}

/** Parallel arrays, one entry per item (cheap to pass between threads, unlike an object per item). */
export interface TypeIdentities {
  /** metadata_items.id, unique within this server. */
  ids: number[];
  /** The item's keys joined by '\n'; '' when it has none (server-local: counts on its own). */
  keys: string[];
  /** Seasons: the show's id; episodes: the season's id; null for other types. */
  parents: (number | null)[];
  /** Seasons: the season number; episodes: the episode number; null for other types. */
  indexes: (number | null)[];
}

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
 * Reads the identities inside the caller's read transaction. Measured on the `large` fixture
 * (~240k items, ~200k external ids): see the issue 20 report in the commit that added this.
 */
export function readIdentities(db: Database.Database, privateIds: readonly number[]): PlexIdentities {
  const external = new Map<number, string[]>();
  for (const [itemId, tag] of db.prepare(externalGuidsSql).raw().iterate() as Iterable<[number, string | null]>) {
    const key = externalKey(tag);
    if (key === null) continue;
    const list = external.get(itemId);
    if (list) list.push(key);
    else external.set(itemId, [key]);
  }
  const types = Object.fromEntries(Object.values(COUNTED_TYPES).map((t) => [t, emptyType()])) as PlexIdentities['types'];
  type Row = [id: number, type: number, parentId: number | null, index: number | null, guid: string | null];
  for (const [id, type, parentId, index, guid] of db.prepare(identityItemsSql).raw().iterate(JSON.stringify(privateIds)) as Iterable<Row>) {
    const name = COUNTED_TYPES[type as keyof typeof COUNTED_TYPES];
    const into = types[name];
    const own = agentKey(guid);
    const keys = new Set([...(own === null ? [] : [own]), ...(external.get(id) ?? [])]);
    into.ids.push(id);
    into.keys.push([...keys].join('\n'));
    const placed = type === 3 || type === 4;
    into.parents.push(placed ? parentId : null);
    into.indexes.push(placed ? index : null);
  }
  return { types };
}
