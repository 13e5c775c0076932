import type { Rgba } from '../colour.js';
import type { FontSpec, TextOp } from '../drawlist.js';
import type { LayoutCtx, Measurer } from './context.js';

const ELLIPSIS = '…';
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * Cuts `text` to fit `maxWidth` with an ellipsis. Cuts on grapheme boundaries so an emoji or a
 * combining accent is never split into a box. Binary search: titles can be long.
 */
export function fitText(text: string, font: FontSpec, maxWidth: number, m: Measurer): { text: string; truncated: boolean } {
  const clean = text.replace(/[\r\n\t]+/g, ' ');
  if (m.width(clean, font) <= maxWidth) return { text: clean, truncated: false };
  const parts = Array.from(graphemes.segment(clean), (s) => s.segment);
  let lo = 0;
  let hi = parts.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const candidate = parts.slice(0, mid).join('').trimEnd() + ELLIPSIS;
    if (m.width(candidate, font) <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  const cut = parts.slice(0, lo).join('').trimEnd();
  return { text: lo === 0 ? (m.width(ELLIPSIS, font) <= maxWidth ? ELLIPSIS : '') : cut + ELLIPSIS, truncated: true };
}

export interface TextBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Baseline that centres Inter's cap height in a box (cap height is about 0.73 em). */
export function centredBaseline(y: number, h: number, size: number): number {
  return y + h / 2 + size * 0.36;
}

/** Emits a text op fitted into `box`, vertically centred; returns the drawn width. */
export function text(
  ctx: LayoutCtx,
  box: TextBox,
  content: string,
  font: FontSpec,
  colour: Rgba,
  align: 'left' | 'center' | 'right' = 'left',
  tag?: string,
): number {
  const fitted = fitText(content, font, box.w, ctx.measure);
  const x = align === 'left' ? box.x : align === 'center' ? box.x + box.w / 2 : box.x + box.w;
  const op: TextOp = {
    op: 'text',
    x,
    y: centredBaseline(box.y, box.h, font.size),
    text: fitted.text,
    font,
    colour,
    align,
    truncated: fitted.truncated,
    full: content,
  };
  if (tag !== undefined) op.tag = tag;
  ctx.ops.push(op);
  return ctx.measure.width(fitted.text, font);
}
