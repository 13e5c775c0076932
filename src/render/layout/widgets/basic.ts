import type { FontSpec } from '../../drawlist.js';
import type { CompiledWidget } from '../../template/load.js';
import type { WidgetSpec } from '../../template/schema.js';
import { colour, fill, MIN_TEXT, role, weightOf, type LayoutCtx } from '../context.js';
import { icon, rect } from '../ops.js';
import { text } from '../text.js';

type Spec<T extends WidgetSpec['type']> = Extract<WidgetSpec, { type: T }>;

export function textWidget(w: CompiledWidget, s: Spec<'text'>, ctx: LayoutCtx): void {
  const font = { size: s.size, weight: weightOf(s.weight) };
  text(ctx, s, fill(ctx, w.texts.text), font, colour(ctx, s.colour), s.align, s.id ?? 'text');
}

/** Label over value, with an optional icon on the left; collapses to one line when short. */
export function statWidget(w: CompiledWidget, s: Spec<'stat'>, ctx: LayoutCtx): void {
  const tag = s.id ?? 'stat';
  const labelSize = Math.max(MIN_TEXT, Math.round(s.size * 0.6));
  let x = s.x;
  let width = s.w;
  if (s.icon) {
    const size = Math.min(s.h - 2, Math.round(s.size * 1.35));
    icon(ctx, s.icon, x, s.y + (s.h - size) / 2, size, role(ctx, 'accent'), `${tag}.icon`);
    x += size + Math.round(size * 0.4);
    width -= size + Math.round(size * 0.4);
  }
  const label = fill(ctx, w.texts.label);
  const value = fill(ctx, w.texts.value);
  const labelFont = { size: labelSize, weight: 400 as const };
  if (s.h < labelSize * 1.15 + s.size) {
    const valueFont = { size: s.size, weight: 700 as const };
    const lw = text(ctx, { x, y: s.y, w: width * 0.5, h: s.h }, label, labelFont, role(ctx, 'muted'), 'left', `${tag}.label`);
    text(ctx, { x: x + lw + 5, y: s.y, w: width - lw - 5, h: s.h }, value, valueFont, role(ctx, 'title'), 'left', `${tag}.value`);
    return;
  }
  const total = labelSize * 1.25 + s.size;
  const top = s.y + (s.h - total) / 2;
  text(ctx, { x, y: top, w: width, h: labelSize }, label, labelFont, role(ctx, 'muted'), s.align, `${tag}.label`);
  const vy = top + labelSize * 1.25;
  text(ctx, { x, y: vy, w: width, h: s.size }, value, shrinkToFit(ctx, value, s.size, width), role(ctx, 'title'), s.align, `${tag}.value`);
}

/**
 * The value's font, a few steps smaller when it would not fit: "12,8 Mbit/s" is longer than
 * "12.8 Mb/s", and a cut number says nothing. Never below 75% of the template's size.
 */
function shrinkToFit(ctx: LayoutCtx, value: string, size: number, width: number): FontSpec {
  const floor = Math.max(MIN_TEXT, Math.round(size * 0.75));
  let font: FontSpec = { size, weight: 700 };
  while (font.size > floor && ctx.measure.width(value, font) > width) font = { size: font.size - 1, weight: 700 };
  return font;
}

export function iconWidget(s: Spec<'icon'>, ctx: LayoutCtx): void {
  const size = Math.min(s.w, s.h);
  icon(ctx, s.name, s.x + (s.w - size) / 2, s.y + (s.h - size) / 2, size, colour(ctx, s.colour), s.id ?? 'icon');
}

export function rectWidget(s: Spec<'rect'>, ctx: LayoutCtx): void {
  rect(ctx, s.x, s.y, s.w, s.h, colour(ctx, s.colour), { radius: s.radius, tag: s.id ?? 'rect' });
}
