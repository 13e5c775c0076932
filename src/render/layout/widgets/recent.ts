import type { Library } from '../../../snapshot/schema.js';
import { MISSING } from '../../format.js';
import type { CompiledWidget } from '../../template/load.js';
import type { WidgetSpec } from '../../template/schema.js';
import { fill, MIN_TEXT, role, t, type LayoutCtx } from '../context.js';
import { posterRef, posterTile } from '../poster.js';
import { text } from '../text.js';

type Spec = Extract<WidgetSpec, { type: 'recent' }>;
type Item = Library['recentlyAdded'][number];

/** Days named in the counts line, newest first: beyond three the line stops being read. */
const MAX_DAYS = 3;
const GUTTER = 6;

/** "today: 3 · yesterday: 2 · Nov 19: 1": the items per calendar day in the configured zone. */
function perDay(ctx: LayoutCtx, items: readonly Item[]): string {
  const days = new Map<string, { at: number; n: number }>();
  for (const item of items) {
    const key = ctx.fmt.dayKey(item.addedAt);
    const d = days.get(key);
    days.set(key, { at: Math.max(d?.at ?? 0, item.addedAt), n: (d?.n ?? 0) + 1 });
  }
  return [...days.entries()]
    .sort(([a], [b]) => b.localeCompare(a))
    .slice(0, MAX_DAYS)
    .map(([, d]) => t(ctx, 'recent.onDay', { day: ctx.fmt.day(d.at, ctx.now), n: ctx.fmt.num(d.n) }))
    .join(' · ');
}

/**
 * Recently added, newest first: the label, how many items per day, and a tile per item that fits
 * (its poster, blurred by the poster cache, or its kind) captioned with its title where the policy
 * shows titles, else the day it was added. The list is empty unless the owner opted in.
 */
export function recentWidget(w: CompiledWidget, s: Spec, ctx: LayoutCtx): void {
  const tag = s.id ?? 'recent';
  const size = Math.max(MIN_TEXT, s.size);
  const lineH = Math.round(size * 1.4);
  const font = { size, weight: 400 as const };
  let y = s.y;
  const label = fill(ctx, w.texts.label);
  if (label) {
    text(ctx, { x: s.x, y, w: s.w, h: lineH }, label, font, role(ctx, 'muted'), 'left', `${tag}.label`);
    y += lineH;
  }
  const library = ctx.snapshot?.library ?? null;
  const items = [...(library?.recentlyAdded ?? [])].sort((a, b) => b.addedAt - a.addedAt);
  if (items.length === 0) {
    const why = library ? fill(ctx, w.texts.empty) : MISSING;
    text(ctx, { x: s.x, y, w: s.w, h: lineH }, why, font, role(ctx, 'muted'), 'left', `${tag}.empty`);
    return;
  }
  text(ctx, { x: s.x, y, w: s.w, h: lineH }, perDay(ctx, items), { ...font, weight: 600 }, role(ctx, 'title'), 'left', `${tag}.days`);
  y += lineH + 3;
  const captionH = lineH;
  const tileH = s.y + s.h - y - captionH;
  if (tileH < 24) return;
  const tileW = Math.round(tileH * (2 / 3));
  const fit = Math.max(1, Math.floor((s.w + GUTTER) / (tileW + GUTTER)));
  items.slice(0, fit).forEach((item, i) => {
    const x = s.x + i * (tileW + GUTTER);
    posterTile(ctx, s.posters ? posterRef(item) : null, item.kind, { x, y, w: tileW, h: tileH }, `${tag}.${i}`);
    const caption = item.watching?.title ?? ctx.fmt.day(item.addedAt, ctx.now);
    text(ctx, { x, y: y + tileH, w: tileW, h: captionH }, caption, font, role(ctx, 'muted'), 'left', `${tag}.${i}.caption`);
  });
}
