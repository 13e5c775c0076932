import type { Template } from '../render/index.js';
import { boundPaths } from '../render/template/bindings.js';
import type { FieldCatalogue, FieldInfo } from '../snapshot/fields.js';

/**
 * The data inventory: every field Marquee collects, where it comes from, where it is stored and
 * which configured images show it. Generated from the field catalogue and the templates, so it
 * cannot drift from the code.
 */
export interface InventoryEntry extends FieldInfo {
  source: string;
  sourceTables: string[];
  stored: { sqlite: boolean; sheets: boolean };
  exposedBy: string[];
}

export interface Inventory {
  fields: InventoryEntry[];
  /** Things Marquee could read but deliberately never collects. */
  neverCollected: { what: string; where: string }[];
}

/** Where each part of the snapshot is read from (longest prefix wins). */
const origins: ReadonlyArray<[prefix: string, source: string, tables: string[]]> = [
  ['library.totalBytes', 'Plex DB', ['media_parts', 'media_items']],
  ['library.totalDurationMs', 'Plex DB', ['media_parts', 'media_items']],
  ['library.recentlyAdded', 'Plex DB', ['metadata_items']],
  ['library.', 'Plex DB', ['library_sections', 'metadata_items']],
  ['activity.', 'Tautulli DB', ['sessions']],
  ['history.topUsers', 'Tautulli DB', ['session_history', 'users']],
  ['history.topMovies', 'Tautulli DB', ['session_history', 'session_history_metadata']],
  ['history.topShows', 'Tautulli DB', ['session_history', 'session_history_metadata']],
  ['history.mostConcurrent', 'Tautulli DB', ['session_history', 'session_history_media_info']],
  ['history.', 'Tautulli DB', ['session_history']],
  ['host.', 'host (systeminformation)', ['/proc', '/sys']],
  ['series.', 'Marquee store', ['history_points']],
  ['metrics.', 'custom metric (SQL)', []],
  ['sources.', 'Marquee', []],
  ['network.', "Marquee (each server's snapshot)", []],
  ['server.', 'Marquee config (servers[].id, name)', []],
  ['', 'Marquee', []],
];

/** Widgets that draw fields without naming them in a text binding. */
const implicitFields: Record<string, string[]> = {
  nowplaying: ['activity.streams', 'activity.streamCount'],
  recent: ['library.recentlyAdded'],
  pill: ['state'],
  badge: ['state'],
  footer: ['takenAt'],
  stale: ['takenAt', 'sources.plex.status', 'sources.tautulli.status', 'sources.host.status'],
  network: [
    'network.rows',
    'network.online',
    'network.servers',
    'network.partial',
    'server.name',
    'state',
    'activity.streamCount',
    'activity.bandwidthKbps.total',
  ],
};

const libraryItemField: Record<string, string> = {
  size: 'library.totalBytes',
  duration: 'library.totalDurationMs',
  ...Object.fromEntries(['movies', 'shows', 'episodes', 'artists', 'albums', 'tracks', 'photos'].map((k) => [k, `library.totals.${k}`])),
};

/** Every catalogue path a template reads, explicitly or through its widgets. */
export function templateFields(template: Template, catalogue: FieldCatalogue): Set<string> {
  const out = new Set<string>();
  for (const widget of template.widgets) {
    for (const segments of Object.values(widget.texts)) for (const p of boundPaths(segments)) out.add(p);
    for (const p of implicitFields[widget.spec.type] ?? []) out.add(p);
    if (widget.spec.type === 'library') for (const item of widget.spec.items) out.add(libraryItemField[item] ?? `library.totals.${item}`);
    for (const value of Object.values(widget.spec)) {
      if (typeof value === 'string' && catalogue.has(value)) out.add(value);
    }
  }
  return out;
}

export function buildInventory(input: {
  catalogue: FieldCatalogue;
  templates: ReadonlyMap<string, Template>;
  images: ReadonlyMap<string, { template: string }>;
  sheets: boolean;
}): Inventory {
  const exposed = new Map<string, string[]>();
  for (const [name, image] of input.images) {
    const template = input.templates.get(image.template);
    if (!template) continue;
    for (const path of templateFields(template, input.catalogue)) exposed.set(path, [...(exposed.get(path) ?? []), name]);
  }
  const fields = [...input.catalogue.values()].map((f): InventoryEntry => {
    const [, source, tables] = origins.find(([prefix]) => f.path.startsWith(prefix))!;
    return {
      ...f,
      source,
      sourceTables: tables,
      stored: { sqlite: true, sheets: input.sheets },
      exposedBy: exposed.get(f.path) ?? [],
    };
  });
  return {
    fields,
    neverCollected: [
      { what: 'IP addresses', where: 'Tautulli sessions.ip_address, session_history.ip_address' },
      { what: 'locations (city, region)', where: 'Tautulli geo lookups, Plex locations tables' },
      { what: 'devices, players and machine ids', where: 'Tautulli sessions.player/product/machine_id, Plex devices' },
      { what: 'e-mail addresses', where: 'Tautulli users.email' },
      { what: 'access tokens', where: 'Tautulli users.user_token/server_token' },
      { what: 'file paths', where: 'Plex media_parts.file, section_locations.root_path' },
    ],
  };
}

/** Identifying list fields no configured image draws: the collector drops them before any store. */
export function unneededIdentifyingFields(inventory: Inventory): Set<string> {
  const out = new Set(inventory.fields.filter((f) => f.identifying && f.exposedBy.length === 0).map((f) => f.path));
  // A custom metric is one value in the snapshot: drop it whole when it identifies and no image shows any part of it.
  const byMetric = new Map<string, InventoryEntry[]>();
  for (const f of inventory.fields.filter((f) => f.path.startsWith('metrics.'))) {
    const name = f.path.split('.')[1]!;
    byMetric.set(name, [...(byMetric.get(name) ?? []), f]);
  }
  for (const [name, fields] of byMetric) {
    if (fields.some((f) => f.identifying) && fields.every((f) => f.exposedBy.length === 0)) out.add(`metrics.${name}`);
  }
  return out;
}
