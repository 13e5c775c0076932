import { seriesKey } from '../../../snapshot/fields.js';
import type { HistoryPoint } from '../../../snapshot/schema.js';
import type { Rgba } from '../../colour.js';
import type { CompiledWidget } from '../../template/load.js';
import type { WidgetSpec } from '../../template/schema.js';
import { MISSING } from '../../format.js';
import { colour, fill, num, role, type LayoutCtx } from '../context.js';
import { progress, pushSparkline } from '../ops.js';
import { text } from '../text.js';

type Spec<T extends WidgetSpec['type']> = Extract<WidgetSpec, { type: T }>;

/** Default maximum by unit: a pct field is out of 100, a ratio out of 1. */
function defaultMax(ctx: LayoutCtx, path: string): number {
  const unit = ctx.catalogue.get(path)?.unit;
  return unit === 'pct' ? 100 : 1;
}

function fraction(ctx: LayoutCtx, value: string, max: string | number | undefined): number | null {
  const v = num(ctx, value);
  const m = max === undefined ? defaultMax(ctx, value) : num(ctx, max);
  if (v === null || m === null || m <= 0) return null;
  return Math.min(Math.max(v / m, 0), 1);
}

/** The value text: the template's own, else the fraction as a percentage. */
function valueText(ctx: LayoutCtx, w: CompiledWidget, f: number | null): string {
  if (w.texts.text) return fill(ctx, w.texts.text);
  return f === null ? MISSING : ctx.fmt.value(f, 'percent', null, 'ratio', ctx.now);
}

function thresholdColour(ctx: LayoutCtx, base: Rgba, f: number | null, t: [number, number] | undefined): Rgba {
  if (!t || f === null) return base;
  return f >= t[1] ? role(ctx, 'bad') : f >= t[0] ? role(ctx, 'warn') : base;
}

/** Label left and value text right on one line above a bar; the bar takes the rest. */
export function barWidget(w: CompiledWidget, s: Spec<'bar'>, ctx: LayoutCtx): void {
  const tag = s.id ?? `bar:${s.value}`;
  const f = fraction(ctx, s.value, s.max);
  const barH = Math.max(3, Math.min(8, Math.round(s.h * 0.3)));
  const hasText = s.label !== undefined || s.text !== undefined;
  const textH = s.h - barH - 3;
  if (hasText && textH >= 7) {
    const font = { size: Math.min(11, Math.round(textH * 0.85)), weight: 400 as const };
    const lw = text(
      ctx,
      { x: s.x, y: s.y, w: s.w * 0.6, h: textH },
      fill(ctx, w.texts.label),
      font,
      role(ctx, 'text'),
      'left',
      `${tag}.label`,
    );
    const vfont = { ...font, weight: 600 as const };
    text(
      ctx,
      { x: s.x + lw + 4, y: s.y, w: s.w - lw - 4, h: textH },
      valueText(ctx, w, f),
      vfont,
      role(ctx, 'title'),
      'right',
      `${tag}.text`,
    );
  }
  const by = hasText && textH >= 7 ? s.y + s.h - barH : s.y + (s.h - barH) / 2;
  progress(ctx, s.x, by, s.w, barH, f, thresholdColour(ctx, colour(ctx, s.colour), f, s.thresholds), tag);
}

/** A 240-degree ring with the value text in the middle and the label under it. */
export function gaugeWidget(w: CompiledWidget, s: Spec<'gauge'>, ctx: LayoutCtx): void {
  const tag = s.id ?? `gauge:${s.value}`;
  const f = fraction(ctx, s.value, s.max);
  const labelH = s.label !== undefined ? Math.round(s.size * 1.4) : 0;
  const r = Math.min(s.w, s.h - labelH) / 2 - 2;
  const lw = Math.max(3, Math.round(r * 0.2));
  const cx = s.x + s.w / 2;
  const cy = s.y + r + 2;
  const start = (150 * Math.PI) / 180;
  const sweep = (240 * Math.PI) / 180;
  const ring = r - lw / 2;
  ctx.ops.push({ op: 'arc', cx, cy, r: ring, start, end: start + sweep, lineWidth: lw, colour: role(ctx, 'track'), tag: `${tag}.track` });
  if (f !== null) {
    const c = thresholdColour(ctx, colour(ctx, s.colour), f, s.thresholds);
    ctx.ops.push({ op: 'arc', cx, cy, r: ring, start, end: start + sweep * f, lineWidth: lw, colour: c, tag, value: f });
  }
  const size = Math.max(8, Math.round(r * 0.5));
  text(
    ctx,
    { x: cx - ring + lw, y: cy - size / 2, w: (ring - lw) * 2, h: size },
    valueText(ctx, w, f),
    { size, weight: 700 },
    role(ctx, 'title'),
    'center',
    `${tag}.text`,
  );
  if (labelH > 0) {
    const font = { size: s.size, weight: 400 as const };
    text(
      ctx,
      { x: s.x, y: s.y + s.h - labelH, w: s.w, h: labelH },
      fill(ctx, w.texts.label),
      font,
      role(ctx, 'muted'),
      'center',
      `${tag}.label`,
    );
  }
}

function seriesPoints(history: readonly HistoryPoint[], key: string, from: number, to: number): [number, number][] {
  const out: [number, number][] = [];
  for (const p of history) {
    const v = (p as unknown as Record<string, number | null>)[key];
    if (p.at >= from && p.at <= to && typeof v === 'number' && Number.isFinite(v)) out.push([p.at, v]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/** Line or area over the store history; x is time (gaps show as gaps in spacing, not lies). */
export function sparklineWidget(w: CompiledWidget, s: Spec<'sparkline'>, ctx: LayoutCtx): void {
  const tag = s.id ?? `sparkline:${s.series}`;
  const head = s.label !== undefined || s.text !== undefined ? Math.round(s.size * 1.4) : 0;
  if (head > 0) {
    const font = { size: s.size, weight: 400 as const };
    const lw = text(
      ctx,
      { x: s.x, y: s.y, w: s.w * 0.6, h: head },
      fill(ctx, w.texts.label),
      font,
      role(ctx, 'muted'),
      'left',
      `${tag}.label`,
    );
    text(
      ctx,
      { x: s.x + lw + 4, y: s.y, w: s.w - lw - 4, h: head },
      fill(ctx, w.texts.text),
      { ...font, weight: 600 },
      role(ctx, 'title'),
      'right',
      `${tag}.text`,
    );
  }
  const top = s.y + head + Math.round(s.size * 0.3);
  const h = s.y + s.h - top - 1;
  const bottom = top + h;
  const c = colour(ctx, s.colour);
  const from = ctx.now - s.windowMs;
  const pts = seriesPoints(ctx.history, seriesKey(s.series) ?? '', from, ctx.now);
  const baseline = [s.x, bottom, s.x + s.w, bottom];
  ctx.ops.push({ op: 'poly', points: baseline, closed: false, fill: null, stroke: role(ctx, 'track'), lineWidth: 1, tag: `${tag}.axis` });
  if (pts.length < 2) return;
  const max = Math.max(s.minMax, ...pts.map(([, v]) => v));
  const xy = pts.flatMap(([at, v]) => [s.x + ((at - from) / s.windowMs) * s.w, bottom - (Math.max(v, 0) / max) * (h - 1)]);
  pushSparkline(ctx, xy, { bottom, left: s.x, right: s.x + s.w }, c, tag, s.style === 'area');
}
