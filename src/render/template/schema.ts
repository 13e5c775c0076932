import { z } from 'zod';
import { colourRoles } from '../theme/schema.js';
import { iconNames } from '../icons.js';

/** A colour reference: a theme role name or a literal hex. */
const colourRef = z.union([z.enum(colourRoles), z.string().regex(/^#[0-9a-fA-F]{3,8}$/)]);
const weight = z.enum(['regular', 'semibold', 'bold']);
const align = z.enum(['left', 'center', 'right']);
/** A field path, or a number for a fixed value (e.g. the max of a bar). */
const pathOrNumber = z.union([z.string().min(1), z.number()]);

const box = {
  /** Optional name used in draw-list tags and error messages. */
  id: z.string().optional(),
  /** Draw only when this field has a value in the snapshot (a host without a temperature sensor has none; an empty list has none). */
  requires: z.string().min(1).optional(),
  /** Draw only when this field has no value: what fills the slot of a `requires` widget instead. */
  unless: z.string().min(1).optional(),
  x: z.number().min(0),
  y: z.number().min(0),
  w: z.number().positive(),
  h: z.number().positive(),
};

const text = z.strictObject({
  ...box,
  type: z.literal('text'),
  text: z.string(),
  size: z.number().min(5).max(120).default(12),
  weight: weight.default('regular'),
  colour: colourRef.default('text'),
  align: align.default('left'),
});

const stat = z.strictObject({
  ...box,
  type: z.literal('stat'),
  label: z.string(),
  value: z.string(),
  icon: z.enum(iconNames).optional(),
  size: z.number().min(6).max(80).default(16),
  align: align.default('left'),
});

const bar = z.strictObject({
  ...box,
  type: z.literal('bar'),
  value: z.string().min(1),
  max: pathOrNumber.optional(),
  label: z.string().optional(),
  text: z.string().optional(),
  colour: colourRef.default('accent'),
  /** Fractions at which the bar turns warn / bad (CPU, disk). Omit for a plain bar. */
  thresholds: z.tuple([z.number(), z.number()]).optional(),
});

const gauge = z.strictObject({
  ...box,
  type: z.literal('gauge'),
  value: z.string().min(1),
  max: pathOrNumber.optional(),
  label: z.string().optional(),
  text: z.string().optional(),
  /** Label font size; the value text scales with the ring. */
  size: z.number().min(6).max(40).default(11),
  colour: colourRef.default('accent'),
  thresholds: z.tuple([z.number(), z.number()]).optional(),
});

const sparkline = z.strictObject({
  ...box,
  type: z.literal('sparkline'),
  series: z.string().min(1),
  style: z.enum(['line', 'area']).default('area'),
  windowMs: z
    .number()
    .positive()
    .default(24 * 3600_000),
  /** Lower bound of the y-axis maximum, so a flat 0/1 series does not look like a storm. */
  minMax: z.number().positive().default(1),
  label: z.string().optional(),
  text: z.string().optional(),
  /** Font size of the label / value line above the chart. */
  size: z.number().min(6).max(40).default(10),
  colour: colourRef.default('accent'),
});

const nowplaying = z.strictObject({
  ...box,
  type: z.literal('nowplaying'),
  rowHeight: z.number().min(12).max(200).default(36),
  posters: z.boolean().default(true),
  viewer: z.boolean().default(true),
  empty: z.string().default('{#nowplaying.empty}'),
  size: z.number().min(6).max(40).default(12),
});

const pill = z.strictObject({
  ...box,
  type: z.literal('pill'),
  size: z.number().min(5).max(40).default(11),
  align: align.default('right'),
});

const library = z.strictObject({
  ...box,
  type: z.literal('library'),
  items: z.array(z.enum(['movies', 'shows', 'episodes', 'artists', 'albums', 'tracks', 'photos', 'size', 'duration'])).min(1),
  style: z.enum(['inline', 'tiles']).default('inline'),
  size: z.number().min(5).max(60).default(11),
  align: align.default('left'),
});

const footer = z.strictObject({
  ...box,
  type: z.literal('footer'),
  text: z.string().default('{#footer.updated}'),
  size: z.number().min(5).max(40).default(10),
  align: align.default('right'),
});

const stale = z.strictObject({
  ...box,
  type: z.literal('stale'),
  size: z.number().min(5).max(40).default(10),
});

const badge = z.strictObject({
  ...box,
  type: z.literal('badge'),
  label: z.string().default('plex'),
  size: z.number().min(5).max(40).default(11),
});

/**
 * A bar per bucket of a counted list, as Tautulli's "Plays by hour of day" and "by day of week"
 * graphs: hours labelled every six, weekdays by their short names in the image's language.
 */
const histogram = z.strictObject({
  ...box,
  type: z.literal('histogram'),
  list: z.enum(['history.playsByHour', 'history.playsByWeekday']),
  /** The line above the bars; the busiest bucket is named at its right. */
  label: z.string().optional(),
  size: z.number().min(6).max(40).default(10),
  colour: colourRef.default('accent'),
  empty: z.string().default('{#history.empty}'),
});

/** The first rows of a "top" list, a bar each, as Tautulli's home page: top platforms, users, movies, shows. */
const ranking = z.strictObject({
  ...box,
  type: z.literal('ranking'),
  list: z.enum(['history.topPlatforms', 'history.topUsers', 'history.topMovies', 'history.topShows']),
  by: z.enum(['plays', 'watchTime']).default('plays'),
  rows: z.number().int().min(1).max(10).default(4),
  label: z.string().optional(),
  size: z.number().min(6).max(40).default(11),
  colour: colourRef.default('accent'),
  empty: z.string().default('{#history.empty}'),
});

/**
 * Recently added: how many items per day and a poster each (blurred, or the kind where there is
 * none). Empty unless the owner opts in (privacy.recentlyAdded): pair it with a widget that
 * `unless: "library.recentlyAdded"` fills the slot.
 */
const recent = z.strictObject({
  ...box,
  type: z.literal('recent'),
  posters: z.boolean().default(true),
  label: z.string().optional(),
  size: z.number().min(6).max(40).default(10),
  empty: z.string().default('{#recent.empty}'),
});

/**
 * Several servers (issue 20): a row per server of `network.rows` (state dot, name, streams,
 * bandwidth, its last 24 h) and a total row, the network's sums and "N of M online". A snapshot
 * without `network` (one server) draws that server as its one row, named by the image's {title}.
 * Rows share the box: roomy with few servers, down to 9 px text with `rows` of them; more servers
 * than fit end in "+N more".
 */
const network = z.strictObject({
  ...box,
  type: z.literal('network'),
  /** Server rows drawn at most (the total row comes on top of these). */
  rows: z.number().int().min(1).max(16).default(8),
  /** Row text at its roomiest; rows shrink towards 9 px as servers are added. */
  size: z.number().min(9).max(40).default(13),
  sparkline: z.boolean().default(true),
  colour: colourRef.default('accent'),
});

const icon = z.strictObject({ ...box, type: z.literal('icon'), name: z.enum(iconNames), colour: colourRef.default('accent') });

const rect = z.strictObject({
  ...box,
  type: z.literal('rect'),
  colour: colourRef.default('panel'),
  radius: z.number().min(0).default(6),
});

export const widgetSchema = z.discriminatedUnion('type', [
  text,
  stat,
  bar,
  gauge,
  sparkline,
  nowplaying,
  pill,
  library,
  footer,
  stale,
  badge,
  icon,
  rect,
  histogram,
  ranking,
  recent,
  network,
]);
export type WidgetSpec = z.infer<typeof widgetSchema>;

export const encodeSchema = z.strictObject({
  /** Palette-quantise the PNG: much smaller, slower to encode; for size-limited forum images. */
  palette: z.boolean().default(false),
  colours: z.number().int().min(2).max(256).default(256),
  effort: z.number().int().min(1).max(10).default(1),
  compressionLevel: z.number().int().min(0).max(9).default(6),
  adaptiveFiltering: z.boolean().default(false),
});
export type EncodeOptions = z.infer<typeof encodeSchema>;

export const templateFileSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().regex(/^[a-z0-9_-]+$/, 'lower-case letters, digits, - and _ only'),
  description: z.string(),
  width: z.number().int().min(8).max(2000),
  height: z.number().int().min(8).max(2000),
  /** Default title shown by {title} placeholders; a request may replace it. */
  title: z.string().default('Plex'),
  /** Draw the theme's panel (background, border, radius). Off for badges that draw their own. */
  panel: z.boolean().default(true),
  /** Byte budget checked by tests on demo data (forum limits). */
  maxBytes: z.number().int().positive().optional(),
  encode: encodeSchema.default({ palette: false, colours: 256, effort: 1, compressionLevel: 6, adaptiveFiltering: false }),
  widgets: z.array(widgetSchema).min(1),
});
export type TemplateFile = z.infer<typeof templateFileSchema>;
