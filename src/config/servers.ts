import path from 'node:path';
import { isServerId, ONLY_SERVER_ID } from '../snapshot/server-key.js';
import type { Config } from './load.js';
import { thresholdsSchema, type ParsedConfig, type ParsedServer } from './schema.js';

/**
 * The Plex servers of one Marquee (issue 20), resolved from the config: the `servers:` list, or
 * the one server a config without it describes at its top level (or the two-server demo).
 */
export interface ServerConfig {
  /** URL slug and store key: the entry's id, ONLY_SERVER_ID without `servers:`. */
  id: string;
  /** What images and pages call it. */
  name: string;
  /** How messages name it: `servers[1] (4k)`, or ONLY_SERVER_LABEL without `servers:`. */
  label: string;
  /** Reads the bundled demo databases (which never change, yet show live streams). */
  demo: boolean;
  plex: Config['plex'];
  tautulli: Config['tautulli'];
  host: Config['host'];
  /** The global thresholds with this server's own keys over them. */
  thresholds: Config['thresholds'];
  /** The global privacy policy with this server's own keys over them (never wider unless `widen: true`). */
  privacy: Config['privacy'];
}

/** The label of the one server of a config without `servers:`. */
export const ONLY_SERVER_LABEL = 'the server';

export const DEMO_PLEX_DB = 'com.plexapp.plugins.library.db';
export const DEMO_TAUTULLI_DB = 'tautulli.db';

/**
 * The demo network: two servers whose databases the demo generator writes under <dataDir>/demo
 * (the first where the one-server demo always had its files, so existing demo data stays valid).
 */
const DEMO_SERVERS = [
  { id: 'home', name: 'Home', dir: [] as string[] },
  { id: '4k', name: '4K', dir: ['4k'] },
] as const;

export interface ResolvedServers {
  servers: ServerConfig[];
  warnings: string[];
  /** What makes the list invalid, each naming its entry; empty when it is valid. */
  issues: string[];
}

/** A source of Plex or Tautulli data, database or URL: without one a config is the demo. */
const hasSource = (s: Pick<ParsedConfig, 'plex' | 'tautulli'>) =>
  !!(s.plex.db || s.tautulli.db || s.tautulli.url || (s.plex.url && s.plex.token));

/** The servers a parsed config describes; `cwd` resolves database paths, `dataDir` holds the demo's. */
export function resolveServers(c: ParsedConfig, cwd: string, dataDir: string): ResolvedServers {
  const dbPath = (db: string | undefined) => (db ? path.resolve(cwd, db) : '');
  if (!c.servers) {
    if (!hasSource(c)) return { servers: demoServers(c, dataDir), warnings: [], issues: [] };
    const only: ServerConfig = {
      id: ONLY_SERVER_ID,
      name: 'Plex',
      label: ONLY_SERVER_LABEL,
      demo: false,
      plex: { ...c.plex, db: dbPath(c.plex.db) },
      tautulli: { ...c.tautulli, db: dbPath(c.tautulli.db) },
      host: c.host,
      thresholds: c.thresholds,
      privacy: c.privacy,
    };
    return { servers: [only], warnings: [], issues: [] };
  }
  const issues: string[] = [];
  const servers = c.servers.map((entry, i): ServerConfig => {
    const label = `servers[${i}] (${entry.id})`;
    if (!hasSource(entry)) {
      issues.push(
        `${label}: reads nothing: set plex.db (or plex.url and plex.token) and tautulli.db (or tautulli.url and tautulli.apiKey)`,
      );
    }
    return {
      id: entry.id,
      name: entry.name ?? entry.id,
      label,
      demo: false,
      plex: { ...entry.plex, db: dbPath(entry.plex.db) },
      tautulli: { ...entry.tautulli, db: dbPath(entry.tautulli.db) },
      host: entry.host,
      thresholds: mergeThresholds(c.thresholds, entry, label, issues),
      privacy: mergePrivacy(c.privacy, entry, label, issues),
    };
  });
  issues.push(...duplicateIds(servers));
  return { servers, warnings: sharedSources(servers), issues };
}

function demoServers(c: ParsedConfig, dataDir: string): ServerConfig[] {
  return DEMO_SERVERS.map(({ id, name, dir }) => {
    const demoDir = path.join(dataDir, 'demo', ...dir);
    return {
      id,
      name,
      label: `demo server ${id}`,
      demo: true,
      plex: { ...c.plex, db: path.join(demoDir, DEMO_PLEX_DB) },
      tautulli: { ...c.tautulli, db: path.join(demoDir, DEMO_TAUTULLI_DB) },
      host: c.host,
      thresholds: c.thresholds,
      privacy: c.privacy,
    };
  });
}

/** The keys an override sets (zod leaves unset optional keys out, but an explicit undefined is unset too). */
function setKeys<T extends object>(override: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(override ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The pair rules (overloaded >= busy) hold for the merge: a server may set one of a pair. */
function mergeThresholds(global: Config['thresholds'], entry: ParsedServer, label: string, issues: string[]): Config['thresholds'] {
  const merged = { ...global, ...setKeys(entry.thresholds) };
  const checked = thresholdsSchema.safeParse(merged);
  if (checked.success) return checked.data;
  for (const issue of checked.error.issues) issues.push(`${label}.thresholds.${issue.path.join('.')}: ${issue.message}`);
  return merged;
}

type Privacy = Config['privacy'];

/** Each setting's values from the most hiding to the most showing. */
const SHOWS_MORE = {
  userNames: ['hidden', 'initials', 'pseudonym', 'shown'],
  watching: ['hidden', 'type-only', 'shown'],
  thumbnails: ['hide', 'blur', 'show'],
} as const satisfies { [K in keyof Privacy]?: ReadonlyArray<Privacy[K]> };

/**
 * Where `server` shows more than `global` hides, one line per setting: what a server's override
 * may not do without `widen: true` (issue 20: no per-server override widens the global policy
 * unless it says so explicitly).
 */
export function widenings(global: Privacy, server: Privacy): Array<{ key: keyof Privacy; detail: string }> {
  const found: Array<{ key: keyof Privacy; detail: string }> = [];
  const more = (key: keyof Privacy, detail: string) => found.push({ key, detail });
  for (const key of Object.keys(SHOWS_MORE) as Array<keyof typeof SHOWS_MORE>) {
    const order: readonly string[] = SHOWS_MORE[key];
    if (order.indexOf(server[key]) > order.indexOf(global[key])) more(key, `${server[key]} shows more than the global ${global[key]}`);
  }
  if (server.blurSigma < global.blurSigma) more('blurSigma', `${server.blurSigma} blurs less than the global ${global.blurSigma}`);
  const kept = new Set(server.privateSections.map(String));
  const dropped = global.privateSections.filter((s) => !kept.has(String(s)));
  if (dropped.length)
    more('privateSections', `leaves out ${dropped.map((s) => JSON.stringify(s)).join(', ')}, private in the global policy`);
  if (server.recentlyAdded && !global.recentlyAdded) more('recentlyAdded', 'true shows recent additions the global policy keeps private');
  if (!server.roundCounts && global.roundCounts) more('roundCounts', 'false shows exact counts the global policy rounds');
  if (server.roundBandwidthKbps < global.roundBandwidthKbps)
    more('roundBandwidthKbps', `${server.roundBandwidthKbps} rounds finer than the global ${global.roundBandwidthKbps}`);
  if (server.nowPlayingDelayS < global.nowPlayingDelayS)
    more('nowPlayingDelayS', `${server.nowPlayingDelayS} shows streams sooner than the global ${global.nowPlayingDelayS}`);
  return found;
}

function mergePrivacy(global: Privacy, entry: ParsedServer, label: string, issues: string[]): Privacy {
  const { widen, ...own } = setKeys(entry.privacy);
  const merged: Privacy = { ...global, ...own };
  if (!widen) {
    for (const { key, detail } of widenings(global, merged)) {
      issues.push(`${label}.privacy.${key}: ${detail}; a server may only hide more, unless its privacy says widen: true`);
    }
  }
  return merged;
}

/** Every entry whose id an earlier one has, named with that one: ids name servers in URLs and stores. */
function duplicateIds(servers: readonly ServerConfig[]): string[] {
  const first = new Map<string, number>();
  return servers.flatMap((s, i) => {
    const earlier = first.get(s.id);
    if (earlier === undefined) {
      first.set(s.id, i);
      return [];
    }
    return [
      `servers[${i}].id: "${s.id}" is already the id of servers[${earlier}] (${servers[earlier]!.name}): ids must be unique, they name the server in URLs`,
    ];
  });
}

/**
 * Two entries reading the same Plex or Tautulli (a copied entry not yet edited): a warning, since
 * it may be meant (one Tautulli can be pointed at twice while moving), but the network would count
 * that server's plays and streams twice. URLs are compared by address only, so no secret is quoted.
 */
function sharedSources(servers: readonly ServerConfig[]): string[] {
  const sources = (s: ServerConfig): Array<[string, string]> => [
    ...(s.plex.db ? [[`the same Plex database ${s.plex.db}`, `plex.db:${s.plex.db}`] as [string, string]] : []),
    ...(s.tautulli.db ? [[`the same Tautulli database ${s.tautulli.db}`, `tautulli.db:${s.tautulli.db}`] as [string, string]] : []),
    ...(!s.plex.db && s.plex.url
      ? [[`the same Plex at ${address(s.plex.url)}`, `plex.url:${address(s.plex.url)}`] as [string, string]]
      : []),
    ...(!s.tautulli.db && s.tautulli.url
      ? [[`the same Tautulli at ${address(s.tautulli.url)}`, `tautulli.url:${address(s.tautulli.url)}`] as [string, string]]
      : []),
  ];
  const seen = new Map<string, ServerConfig>();
  const warnings: string[] = [];
  for (const server of servers) {
    for (const [what, key] of sources(server)) {
      const other = seen.get(key);
      if (other) warnings.push(`${server.label} reads ${what} as ${other.label}: the network would count that server twice`);
      else seen.set(key, server);
    }
  }
  return warnings;
}

/** Scheme, host, port and path: what tells two servers apart, without credentials or query. */
function address(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
}

/**
 * How an issue on `servers.<i>...` names its entry: `servers[1] (4k)` when the raw entry's id is a
 * valid one, else `servers[1]` (a bad id cannot name anything). `raw` is the list as written.
 */
export function entryLabel(index: number, raw: unknown): string {
  const entry = Array.isArray(raw) ? (raw[index] as unknown) : undefined;
  const id = entry && typeof entry === 'object' ? (entry as Record<string, unknown>).id : undefined;
  const text = typeof id === 'number' ? String(id) : id;
  return typeof text === 'string' && isServerId(text) ? `servers[${index}] (${text})` : `servers[${index}]`;
}

/**
 * One line saying where a server's data comes from, for check-config: database paths, and URLs
 * by address only (no credentials, no query), so it quotes no secret.
 */
export function serverSummary(server: ServerConfig): string {
  const plex = server.plex.db ? `database ${server.plex.db}` : server.plex.url ? `API ${address(server.plex.url)}` : 'not read';
  const tautulli = server.tautulli.db
    ? `database ${server.tautulli.db}`
    : server.tautulli.url
      ? `API ${address(server.tautulli.url)}`
      : 'not read';
  const host = server.host.url ? `node_exporter ${address(server.host.url)}` : 'this machine';
  return `"${server.name}"${server.demo ? ' (demo data)' : ''}: plex ${plex}; tautulli ${tautulli}; host ${host}`;
}
