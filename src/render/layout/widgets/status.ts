import { over, readableInk, solidOf, withAlpha, type Rgba } from '../../colour.js';
import { STATE_ROLE, type ShownState } from '../../state-colour.js';
import type { CompiledWidget } from '../../template/load.js';
import type { WidgetSpec } from '../../template/schema.js';
import { fill, role, t, type LayoutCtx } from '../context.js';
import { icon, rect } from '../ops.js';
import { text } from '../text.js';

type Spec<T extends WidgetSpec['type']> = Extract<WidgetSpec, { type: T }>;

type PillState = ShownState;

function stateColour(ctx: LayoutCtx, st: PillState): Rgba {
  return role(ctx, STATE_ROLE[st]);
}

/** The snapshot's state; once the snapshot itself is old, that state is history, not now. */
function currentState(ctx: LayoutCtx): PillState {
  if (!ctx.snapshot) return 'none';
  return ctx.stale.reason === 'age' ? 'stale' : ctx.snapshot.state;
}

/** Light enough that the state colour, as text, keeps its contrast on its own tint. */
const PILL_TINT = 0.1;

/** Coloured dot + state word in a tinted capsule, sized to its text and aligned in its box. */
export function pillWidget(s: Spec<'pill'>, ctx: LayoutCtx): void {
  const st = currentState(ctx);
  const c = stateColour(ctx, st);
  const font = { size: s.size, weight: 600 as const };
  const label = t(ctx, `state.${st}`).toLocaleUpperCase(ctx.fmt.locale);
  const dot = Math.round(s.size * 0.55);
  const pad = Math.round(s.h * 0.45);
  const tw = Math.min(ctx.measure.width(label, font), s.w - dot - pad * 2 - 5);
  const w = Math.min(s.w, tw + dot + pad * 2 + 5);
  const x = s.align === 'left' ? s.x : s.align === 'center' ? s.x + (s.w - w) / 2 : s.x + s.w - w;
  const tag = s.id ?? 'pill';
  rect(ctx, x, s.y, w, s.h, withAlpha(c, PILL_TINT), { radius: s.h / 2, stroke: withAlpha(c, 0.45), tag: `${tag}.${st}` });
  ctx.ops.push({ op: 'circle', cx: x + pad + dot / 2, cy: s.y + s.h / 2, r: dot / 2, fill: c, tag: `${tag}.dot` });
  text(ctx, { x: x + pad + dot + 5, y: s.y, w: tw + 1, h: s.h }, label, font, c, 'left', `${tag}.label`);
}

/** shields-style two-part badge: "plex | online". */
export function badgeWidget(w: CompiledWidget, s: Spec<'badge'>, ctx: LayoutCtx): void {
  const st = ctx.snapshot?.state ?? 'none';
  const tag = s.id ?? 'badge';
  const font = { size: s.size, weight: 600 as const };
  const label = fill(ctx, w.texts.label);
  const lw = Math.min(Math.round(ctx.measure.width(label, font)) + 12, Math.round(s.w * 0.5));
  const right = stale(ctx) ? role(ctx, 'stale') : stateColour(ctx, st);
  const ink = readableInk(right);
  const r = Math.min(4, s.h / 4);
  // A badge has no panel behind it: a translucent theme panel would take the page's colour.
  const labelBg = over(role(ctx, 'panel'), solidOf(ctx.theme.background));
  rect(ctx, s.x, s.y, lw, s.h, labelBg, { radius: [r, 0, 0, r], tag: `${tag}.label-bg` });
  rect(ctx, s.x + lw, s.y, s.w - lw, s.h, right, { radius: [0, r, r, 0], tag: `${tag}.${st}` });
  text(ctx, { x: s.x, y: s.y, w: lw, h: s.h }, label, font, role(ctx, 'title'), 'center', `${tag}.label`);
  // A 20 px badge has no room for both words; "stale" matters more than a state that may be old.
  const msg = t(ctx, stale(ctx) && st !== 'none' ? 'state.stale' : `state.${st}`);
  text(ctx, { x: s.x + lw + 4, y: s.y, w: s.w - lw - 8, h: s.h }, msg, font, ink, 'center', `${tag}.message`);
}

function stale(ctx: LayoutCtx): boolean {
  return ctx.stale.stale;
}

/** "47m" style age for the stale marker: the largest unit only (whole minutes, hours or days). */
function age(ctx: LayoutCtx): string {
  const s = Math.max(0, (ctx.stale.ageMs ?? 0) / 1000);
  const unit = s >= 86400 ? 86400 : s >= 3600 ? 3600 : s >= 60 ? 60 : 1;
  return ctx.fmt.duration(Math.floor(s / unit) * unit);
}

export function staleText(ctx: LayoutCtx): string {
  if (ctx.stale.reason === 'nodata') return t(ctx, 'stale.nodata');
  if (ctx.stale.reason === 'source') return t(ctx, 'stale.source');
  return t(ctx, 'stale.age', { age: age(ctx) });
}

/** "updated 14:05"; turns the stale colour with a warning icon when the data is stale. */
export function footerWidget(w: CompiledWidget, s: Spec<'footer'>, ctx: LayoutCtx): void {
  const tag = s.id ?? 'footer';
  const isStale = stale(ctx);
  const base = ctx.snapshot ? fill(ctx, w.texts.text) : '';
  const msg = isStale ? [base, staleText(ctx)].filter(Boolean).join(' · ') : base;
  const c = isStale ? role(ctx, 'stale') : role(ctx, 'muted');
  const font = { size: s.size, weight: isStale ? (600 as const) : (400 as const) };
  const iw = isStale ? s.size + 3 : 0;
  const tw = Math.min(ctx.measure.width(msg, font), s.w - iw);
  const x0 = s.align === 'left' ? s.x : s.align === 'center' ? s.x + (s.w - tw - iw) / 2 : s.x + s.w - tw - iw;
  if (isStale) icon(ctx, 'warning', x0, s.y + (s.h - s.size) / 2, s.size, c, 'stale-marker');
  text(ctx, { x: x0 + iw, y: s.y, w: tw + 0.5, h: s.h }, msg, font, c, 'left', isStale ? `${tag}.stale` : tag);
}

/** An explicit stale pill; draws nothing while the data is fresh. */
export function staleWidget(s: Spec<'stale'>, ctx: LayoutCtx): void {
  if (!stale(ctx)) return;
  const c = role(ctx, 'stale');
  const msg = staleText(ctx).toLocaleUpperCase(ctx.fmt.locale);
  const font = { size: s.size, weight: 700 as const };
  const w = Math.min(s.w, ctx.measure.width(msg, font) + s.size + 12);
  const x = s.x + s.w - w;
  rect(ctx, x, s.y, w, s.h, withAlpha(c, 0.2), { radius: s.h / 2, stroke: c, tag: 'stale-marker' });
  icon(ctx, 'warning', x + 5, s.y + (s.h - s.size) / 2, s.size, c);
  text(ctx, { x: x + s.size + 8, y: s.y, w: w - s.size - 12, h: s.h }, msg, font, c, 'left', 'stale.text');
}

/** A corner flag for templates that declare no footer or stale widget: staleness is never silent. */
export function staleCorner(ctx: LayoutCtx, width: number, height: number): void {
  const size = Math.max(6, Math.min(16, Math.round(height * 0.45)));
  const c = role(ctx, 'stale');
  ctx.ops.push({
    op: 'poly',
    points: [width - size, 0, width, 0, width, size],
    closed: true,
    fill: c,
    stroke: null,
    lineWidth: 0,
    tag: 'stale-marker',
  });
}
