import type { FieldCatalogue } from '../../snapshot/fields.js';
import type { HistoryPoint, Snapshot } from '../../snapshot/schema.js';
import { parseHex, type Rgba } from '../colour.js';
import type { DrawOp, FontSpec, FontWeight } from '../drawlist.js';
import { Formatter, MISSING } from '../format.js';
import type { Segment } from '../template/bindings.js';
import type { ColourRole, Theme } from '../theme/schema.js';
import { resolveMetricPath } from '../../snapshot/metric-path.js';

/** The smallest text any widget draws at 1x, in px: below it, glyphs blur into each other. */
export const MIN_TEXT = 9;

/** Measures text in logical pixels with the renderer's registered fonts (pure computation). */
export interface Measurer {
  width(text: string, font: FontSpec): number;
}

export interface StaleInfo {
  stale: boolean;
  /** now - takenAt, null without a snapshot. */
  ageMs: number | null;
  reason: 'age' | 'source' | 'nodata' | null;
}

/** Everything a widget may read. Widgets append to `ops` and never see the canvas. */
export interface LayoutCtx {
  snapshot: Snapshot | null;
  history: readonly HistoryPoint[];
  theme: Theme;
  fmt: Formatter;
  now: number;
  measure: Measurer;
  catalogue: FieldCatalogue;
  title: string;
  stale: StaleInfo;
  /** Poster refs that the caller has bytes for; others get a placeholder. */
  posters: ReadonlySet<string>;
  ops: DrawOp[];
}

export function staleInfo(s: Snapshot | null, now: number, staleAfterMs: number): StaleInfo {
  if (!s) return { stale: true, ageMs: null, reason: 'nodata' };
  const ageMs = Math.max(0, now - s.takenAt);
  if (ageMs > staleAfterMs) return { stale: true, ageMs, reason: 'age' };
  const anyStale = Object.values(s.sources).some((src) => src.status === 'stale');
  return { stale: anyStale, ageMs, reason: anyStale ? 'source' : null };
}

/** Sections that describe this moment, and the source that reads each. */
const liveSections = { activity: 'tautulli', host: 'host' } as const;

/**
 * Whether a live section may be drawn as current: its source read it this cycle and the snapshot
 * itself is fresh; activity also needs Plex up. Otherwise its numbers are the last ones known, and
 * "4 streams" or "CPU 100%" beside "offline" would present them as now: they print as missing.
 */
export function isLive(ctx: Pick<LayoutCtx, 'snapshot' | 'stale'>, section: keyof typeof liveSections): boolean {
  const s = ctx.snapshot;
  if (!s || ctx.stale.reason === 'age' || ctx.stale.reason === 'nodata') return false;
  if (s.sources[liveSections[section]].status !== 'ok') return false;
  return section !== 'activity' || s.state !== 'offline';
}

/** Walks a dotted path; metrics resolve to their value only when the metric is ok; live sections only while live. */
export function resolve(ctx: Pick<LayoutCtx, 'snapshot' | 'title' | 'stale'>, path: string): unknown {
  const head = path.split('.', 1)[0];
  if ((head === 'activity' || head === 'host') && !isLive(ctx, head)) return null;
  return resolveStored(ctx, path);
}

/**
 * Whether the snapshot holds a value at `path` at all, current or not (`requires` / `unless`). A
 * list holds one when it has items: "recently added" is empty unless the owner opted in.
 */
export function present(ctx: Pick<LayoutCtx, 'snapshot' | 'title'>, path: string): boolean {
  const v = resolveStored(ctx, path);
  return v !== null && !(Array.isArray(v) && v.length === 0);
}

function resolveStored(ctx: Pick<LayoutCtx, 'snapshot' | 'title'>, path: string): unknown {
  if (path === 'title') return ctx.title;
  const s = ctx.snapshot;
  if (!s) return null;
  if (path.startsWith('metrics.')) return resolveMetricPath(s.metrics, path);
  let cur: unknown = s;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return null;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur ?? null;
}

export function num(ctx: LayoutCtx, pathOrNumber: string | number | undefined): number | null {
  if (typeof pathOrNumber === 'number') return pathOrNumber;
  if (pathOrNumber === undefined) return null;
  const v = resolve(ctx, pathOrNumber);
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Fills a parsed text template with formatted values; `{#key}` messages in the render's language. */
export function fill(ctx: LayoutCtx, segments: readonly Segment[] | undefined): string {
  if (!segments) return '';
  return segments
    .map((s) => {
      if (s.kind === 'lit') return s.text;
      // Messages cannot nest (checked at load), so this recursion is one level deep.
      if (s.kind === 'msg') return fill(ctx, ctx.fmt.msg.segments(s.key));
      const info = ctx.catalogue.get(s.path);
      const v = resolve(ctx, s.path);
      if (v === null) return MISSING;
      return ctx.fmt.value(v, s.format, s.arg, info?.unit ?? 'none', ctx.now);
    })
    .join('');
}

/** A widget's own words, from the catalogue: `t(ctx, 'state.online')`, `t(ctx, 'nowplaying.more', { n }, 3)`. */
export function t(ctx: LayoutCtx, key: string, args?: Record<string, string>, count?: number): string {
  return ctx.fmt.msg.t(key, args, count);
}

export function colour(ctx: LayoutCtx, ref: string): Rgba {
  return (ctx.theme.colours as Record<string, Rgba | undefined>)[ref] ?? parseHex(ref) ?? ctx.theme.colours.text;
}

export function role(ctx: LayoutCtx, r: ColourRole): Rgba {
  return ctx.theme.colours[r];
}

export function weightOf(w: 'regular' | 'semibold' | 'bold'): FontWeight {
  return w === 'bold' ? 700 : w === 'semibold' ? 600 : 400;
}
