import type { Rgba } from '../colour.js';
import type { FontSpec, TextOp } from '../drawlist.js';
import { cleanText, clipText } from '../../snapshot/sanitise.js';
import type { LayoutCtx, Measurer } from './context.js';

const ELLIPSIS = '…';
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * The narrowest advance a drawn grapheme has, in em: Inter's hair space (U+200A) is 0.09 em, 'i'
 * and 'l' 0.24 em. Only zero-width marks are narrower, and they ride on a grapheme that is not.
 */
const MIN_ADVANCE_EM = 0.08;
/** However wide the box, no text op carries more than this (a 1200 px og line holds ~250 at 8 px). */
const MAX_DRAWN = 1024;

/**
 * Cuts `text` to fit `maxWidth` with an ellipsis. Cuts on grapheme boundaries so an emoji or a
 * combining accent is never split into a box.
 *
 * Bounded by the box, not the input: the text is first cut to the most code units the box could
 * hold at MIN_ADVANCE_EM (and stripped of invisible controls, as the collector does), and only then
 * measured, with a binary search over that head. A 200,000-character title costs what a 200 one does.
 */
export function fitText(text: string, font: FontSpec, maxWidth: number, m: Measurer): { text: string; truncated: boolean; width: number } {
  const room = Math.max(1, Math.min(MAX_DRAWN, Math.ceil(maxWidth / (font.size * MIN_ADVANCE_EM)) + 1));
  const { text: body, cut } = clipText(text, room);
  const whole = cut ? Infinity : m.width(body, font);
  if (whole <= maxWidth) return { text: body, truncated: false, width: whole };
  const parts = Array.from(graphemes.segment(body), (s) => s.segment);
  let lo = 0;
  let hi = parts.length;
  // The width of the longest candidate found to fit, so the caller need not measure it again.
  let fitted = 0;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const width = m.width(parts.slice(0, mid).join('').trimEnd() + ELLIPSIS, font);
    if (width <= maxWidth) {
      lo = mid;
      fitted = width;
    } else hi = mid - 1;
  }
  if (lo > 0) return { text: parts.slice(0, lo).join('').trimEnd() + ELLIPSIS, truncated: true, width: fitted };
  const ellipsis = m.width(ELLIPSIS, font);
  return ellipsis <= maxWidth ? { text: ELLIPSIS, truncated: true, width: ellipsis } : { text: '', truncated: true, width: 0 };
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
    full: cleanText(content, MAX_DRAWN),
  };
  if (tag !== undefined) op.tag = tag;
  ctx.ops.push(op);
  return fitted.width;
}
