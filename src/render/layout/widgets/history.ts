import type { History } from '../../../snapshot/schema.js';
import { MISSING } from '../../format.js';
import type { CompiledWidget } from '../../template/load.js';
import type { WidgetSpec } from '../../template/schema.js';
import { colour, fill, MIN_TEXT, resolve, role, t, type LayoutCtx } from '../context.js';
import { progress, rect } from '../ops.js';
import { text } from '../text.js';

/**
 * Tautulli's home-page graphs and lists, from history the Tautulli source already collects: plays
 * per hour of day and per weekday as bars, the top platforms (users, movies, shows) as ranked rows.
 */

type Spec<T extends WidgetSpec['type']> = Extract<WidgetSpec, { type: T }>;

/** The label line above a chart: `right` at the right, the label in the room left; returns its height. */
function head(ctx: LayoutCtx, s: { x: number; y: number; w: number; size: number }, label: string, right: string, tag: string): number {
  const h = Math.round(s.size * 1.4);
  const font = { size: s.size, weight: 400 as const };
  const box = { x: s.x, y: s.y, w: s.w, h };
  const rw = right ? text(ctx, box, right, { ...font, weight: 600 }, role(ctx, 'title'), 'right', `${tag}.peak`) + 8 : 0;
  if (label) text(ctx, { ...box, w: s.w - rw }, label, font, role(ctx, 'muted'), 'left', `${tag}.label`);
  return h;
}

function numbers(ctx: LayoutCtx, path: string): number[] | null {
  const v = resolve(ctx, path);
  return Array.isArray(v) && v.every((n) => typeof n === 'number' && Number.isFinite(n)) ? (v as number[]) : null;
}

/**
 * A bar per bucket (24 hours or 7 weekdays, Sunday first as Tautulli counts them), scaled to the
 * busiest, which the label line names ("peak 9 PM"). Hours are labelled every six, weekdays by the
 * locale's short names, or its narrow ones where the short ones do not fit under their bars.
 */
export function histogramWidget(w: CompiledWidget, s: Spec<'histogram'>, ctx: LayoutCtx): void {
  const tag = s.id ?? `histogram:${s.list}`;
  const size = Math.max(MIN_TEXT, s.size);
  const values = numbers(ctx, s.list);
  const hours = s.list === 'history.playsByHour';
  const name = (i: number, width: 'short' | 'narrow' = 'short') => (hours ? ctx.fmt.hour(i) : ctx.fmt.weekday(i, width));
  const max = values ? Math.max(0, ...values) : 0;
  const peak = values && max > 0 ? t(ctx, 'histogram.peak', { at: name(values.indexOf(max)) }) : '';
  const top = s.y + head(ctx, { ...s, size }, fill(ctx, w.texts.label), peak, tag);
  const axisH = Math.round(size * 1.4);
  const bottom = s.y + s.h - axisH;
  if (!values || max === 0) {
    const why = values ? fill(ctx, w.texts.empty) : MISSING;
    text(ctx, { x: s.x, y: top, w: s.w, h: bottom - top }, why, { size, weight: 400 }, role(ctx, 'muted'), 'left', `${tag}.empty`);
    return;
  }
  const n = values.length;
  const gap = n > 12 ? 2 : 6;
  const bw = (s.w - gap * (n - 1)) / n;
  const barTop = top + 3;
  const c = colour(ctx, s.colour);
  values.forEach((v, i) => {
    const x = s.x + i * (bw + gap);
    const f = v / max;
    rect(ctx, x, barTop, bw, bottom - barTop - 2, role(ctx, 'track'), { radius: Math.min(2, bw / 2), tag: `${tag}.${i}.track` });
    const h = f === 0 ? 0 : Math.max(2, (bottom - barTop - 2) * f);
    rect(ctx, x, bottom - 2 - h, bw, h, c, { radius: Math.min(2, bw / 2), tag: `${tag}.${i}`, value: f });
  });
  const font = { size, weight: 400 as const };
  if (hours) {
    // Every sixth hour, each label over the six bars it starts.
    for (let i = 0; i < n; i += 6) {
      const box = { x: s.x + i * (bw + gap), y: bottom, w: 6 * (bw + gap) - gap, h: axisH };
      text(ctx, box, name(i), font, role(ctx, 'muted'), 'left', `${tag}.axis.${i}`);
    }
    return;
  }
  const fits = values.every((_, i) => ctx.measure.width(name(i), font) <= bw + gap);
  values.forEach((_, i) => {
    const box = { x: s.x + i * (bw + gap) - gap / 2, y: bottom, w: bw + gap, h: axisH };
    text(ctx, box, name(i, fits ? 'short' : 'narrow'), font, role(ctx, 'muted'), 'center', `${tag}.axis.${i}`);
  });
}

interface Ranked {
  name: string | null;
  plays: number;
  watchTimeS: number;
}

/** The name each list ranks by; null where the privacy policy withheld it. */
function ranked(history: History, list: Spec<'ranking'>['list']): Ranked[] {
  switch (list) {
    case 'history.topPlatforms':
      return history.topPlatforms.map((p) => ({ ...p, name: p.platform }));
    case 'history.topUsers':
      return history.topUsers.map((u) => ({ ...u, name: u.viewer?.name ?? null }));
    case 'history.topMovies':
      return history.topMovies.map((m) => ({ ...m, name: m.watching?.title ?? null }));
    case 'history.topShows':
      return history.topShows.map((m) => ({ ...m, name: m.watching?.title ?? null }));
  }
}

/** The first `rows` of a top list: name and count on a line, a bar scaled to the first beneath. */
export function rankingWidget(w: CompiledWidget, s: Spec<'ranking'>, ctx: LayoutCtx): void {
  const tag = s.id ?? `ranking:${s.list}`;
  const size = Math.max(MIN_TEXT, s.size);
  const label = fill(ctx, w.texts.label);
  const top = s.y + (label ? head(ctx, { ...s, size: Math.max(MIN_TEXT, Math.round(size * 0.9)) }, label, '', tag) : 0);
  const history = ctx.snapshot?.history ?? null;
  const items = history ? ranked(history, s.list).slice(0, s.rows) : [];
  const font = { size, weight: 400 as const };
  if (items.length === 0) {
    const why = history ? fill(ctx, w.texts.empty) : MISSING;
    text(ctx, { x: s.x, y: top, w: s.w, h: Math.round(size * 1.6) }, why, font, role(ctx, 'muted'), 'left', `${tag}.empty`);
    return;
  }
  const score = (r: Ranked) => (s.by === 'plays' ? r.plays : r.watchTimeS);
  const max = Math.max(1, ...items.map(score));
  const rowH = (s.y + s.h - top) / s.rows;
  const lineH = Math.round(size * 1.35);
  const barH = Math.max(3, Math.round(size * 0.3));
  const c = colour(ctx, s.colour);
  items.forEach((r, i) => {
    const y = top + i * rowH + Math.max(0, (rowH - lineH - barH - 2) / 2);
    const value = s.by === 'plays' ? ctx.fmt.count(r.plays, 'play') : ctx.fmt.duration(r.watchTimeS);
    const vw = text(ctx, { x: s.x, y, w: s.w, h: lineH }, value, font, role(ctx, 'muted'), 'right', `${tag}.${i}.value`);
    const nameBox = { x: s.x, y, w: s.w - vw - 8, h: lineH };
    text(ctx, nameBox, r.name ?? MISSING, { ...font, weight: 600 }, role(ctx, 'text'), 'left', `${tag}.${i}.name`);
    progress(ctx, s.x, y + lineH + 2, s.w, barH, score(r) / max, c, `${tag}.${i}.bar`);
  });
}
