import type { FieldCatalogue } from '../../snapshot/fields.js';
import type { HistoryPoint, Snapshot } from '../../snapshot/schema.js';
import { isGradient } from '../colour.js';
import type { DrawList } from '../drawlist.js';
import type { Formatter } from '../format.js';
import type { CompiledWidget, Template } from '../template/load.js';
import type { Theme } from '../theme/schema.js';
import { present, staleInfo, type LayoutCtx, type Measurer } from './context.js';
import { rect } from './ops.js';
import { iconWidget, rectWidget, statWidget, textWidget } from './widgets/basic.js';
import { histogramWidget, rankingWidget } from './widgets/history.js';
import { libraryWidget } from './widgets/library.js';
import { barWidget, gaugeWidget, sparklineWidget } from './widgets/meters.js';
import { networkWidget } from './widgets/network.js';
import { nowPlayingWidget } from './widgets/nowplaying.js';
import { recentWidget } from './widgets/recent.js';
import { badgeWidget, footerWidget, pillWidget, staleCorner, staleWidget } from './widgets/status.js';

export interface LayoutArgs {
  snapshot: Snapshot | null;
  history: readonly HistoryPoint[];
  template: Template;
  /** Already merged with the request's colour overrides. */
  theme: Theme;
  scale: 1 | 2;
  title: string;
  fmt: Formatter;
  now: number;
  staleAfterMs: number;
  measure: Measurer;
  catalogue: FieldCatalogue;
  posters: ReadonlySet<string>;
}

function widget(w: CompiledWidget, ctx: LayoutCtx): void {
  const s = w.spec;
  if (s.requires !== undefined && !present(ctx, s.requires)) return;
  if (s.unless !== undefined && present(ctx, s.unless)) return;
  switch (s.type) {
    case 'text':
      return textWidget(w, s, ctx);
    case 'stat':
      return statWidget(w, s, ctx);
    case 'bar':
      return barWidget(w, s, ctx);
    case 'gauge':
      return gaugeWidget(w, s, ctx);
    case 'sparkline':
      return sparklineWidget(w, s, ctx);
    case 'nowplaying':
      return nowPlayingWidget(w, s, ctx);
    case 'pill':
      return pillWidget(s, ctx);
    case 'library':
      return libraryWidget(s, ctx);
    case 'footer':
      return footerWidget(w, s, ctx);
    case 'stale':
      return staleWidget(s, ctx);
    case 'badge':
      return badgeWidget(w, s, ctx);
    case 'icon':
      return iconWidget(s, ctx);
    case 'rect':
      return rectWidget(s, ctx);
    case 'histogram':
      return histogramWidget(w, s, ctx);
    case 'ranking':
      return rankingWidget(w, s, ctx);
    case 'recent':
      return recentWidget(w, s, ctx);
    case 'network':
      return networkWidget(s, ctx);
  }
}

/** Byte budgets up to this are forum limits, where size matters more than encode time. */
const FORUM_BUDGET = 64 * 1024;

/** Widgets that already show staleness themselves; without one the corner flag is added. */
const showsStale = new Set(['footer', 'stale', 'badge']);

/** Draws the panel background and border, then clips the widgets to its rounded shape. */
export function panel(ctx: LayoutCtx, width: number, height: number): void {
  const t = ctx.theme;
  const r = Math.min(t.borderRadius, height / 2);
  const stroke = t.hideBorder ? null : t.colours.border;
  // The stroke is centred on the edge, so inset it half a pixel to keep it inside the image.
  rect(ctx, 0.5, 0.5, width - 1, height - 1, t.background, { radius: r, stroke, tag: 'panel' });
  ctx.ops.push({ op: 'clip', x: 0, y: 0, w: width, h: height, radius: r });
}

/** layout(snapshot, template, theme, params, now) -> draw list. Pure: no I/O, env or clock. */
export function layout(a: LayoutArgs): DrawList {
  const ctx: LayoutCtx = {
    snapshot: a.snapshot,
    history: a.history,
    theme: a.theme,
    fmt: a.fmt,
    now: a.now,
    measure: a.measure,
    catalogue: a.catalogue,
    title: a.title,
    stale: staleInfo(a.snapshot, a.now, a.staleAfterMs),
    posters: a.posters,
    ops: [],
  };
  const t = a.template;
  if (t.panel) panel(ctx, t.width, t.height);
  for (const w of t.widgets) widget(w, ctx);
  if (ctx.stale.stale && !t.widgets.some((w) => showsStale.has(w.spec.type))) staleCorner(ctx, t.width, t.height);
  if (t.panel) ctx.ops.push({ op: 'restore' });
  const list: DrawList = { width: t.width, height: t.height, scale: a.scale, stale: ctx.stale.stale, encode: t.encode, ops: ctx.ops };
  // Budgets are forum limits for the 1x image; a 2x image is for HiDPI pages, which have none.
  if (t.maxBytes !== undefined && a.scale === 1) {
    list.maxBytes = t.maxBytes;
    // A gradient never fits a forum-sized budget as truecolour: skip the wasted attempt. Big
    // budgets (og, nowplaying) keep truecolour, which fits them and is 3-5x faster to encode.
    if (isGradient(a.theme.background) && t.maxBytes <= FORUM_BUDGET) list.encode = { ...t.encode, palette: true };
  }
  return list;
}
