import { withAlpha, type Fill, type Rgba } from '../colour.js';
import type { IconName } from '../icons.js';
import type { RectOp } from '../drawlist.js';
import type { LayoutCtx } from './context.js';

/** Small constructors so widgets read as layout, not as object literals. */

export function rect(
  ctx: LayoutCtx,
  x: number,
  y: number,
  w: number,
  h: number,
  fill: Fill | null,
  opts: {
    radius?: number | [number, number, number, number];
    stroke?: Rgba | null;
    strokeWidth?: number;
    tag?: string;
    value?: number;
  } = {},
): void {
  const op: RectOp = {
    op: 'rect',
    x,
    y,
    w,
    h,
    radius: opts.radius ?? 0,
    fill,
    stroke: opts.stroke ?? null,
    strokeWidth: opts.strokeWidth ?? 1,
  };
  if (opts.tag !== undefined) op.tag = opts.tag;
  if (opts.value !== undefined) op.value = opts.value;
  ctx.ops.push(op);
}

export function icon(ctx: LayoutCtx, name: IconName, x: number, y: number, size: number, colour: Rgba, tag?: string): void {
  ctx.ops.push(tag === undefined ? { op: 'icon', name, x, y, size, colour } : { op: 'icon', name, x, y, size, colour, tag });
}

/**
 * A horizontal progress bar: track plus a value rect. The value rect always carries `value`
 * (clamped 0..1) so tests can read what was drawn; a zero-width fill is still emitted. A missing
 * value (null section) draws the empty track and no value.
 */
export function progress(ctx: LayoutCtx, x: number, y: number, w: number, h: number, fraction: number | null, fg: Rgba, tag: string): void {
  const f = fraction === null || !Number.isFinite(fraction) ? 0 : Math.min(Math.max(fraction, 0), 1);
  const r = h / 2;
  rect(ctx, x, y, w, h, ctx.theme.colours.track, { radius: r, tag: `${tag}.track` });
  // A rounded rect narrower than its height looks like a blob; let it grow from a dot instead.
  const fw = f === 0 ? 0 : Math.max(w * f, Math.min(h, w));
  rect(ctx, x, y, fw, h, fraction === null ? null : fg, { radius: r, tag, value: fraction === null ? undefined : f });
}

/**
 * A series' line over flattened [x, y, ...] points, and with `area` the tinted area under it down
 * to `bottom`: the one way every sparkline (this widget's, the network rows') is drawn.
 */
export function pushSparkline(
  ctx: LayoutCtx,
  xy: readonly number[],
  edges: { bottom: number; left: number; right: number },
  colour: Rgba,
  tag: string,
  area: boolean,
): void {
  if (area) {
    const first = xy[0] ?? edges.left;
    const last = xy[xy.length - 2] ?? edges.right;
    ctx.ops.push({
      op: 'poly',
      points: [first, edges.bottom, ...xy, last, edges.bottom],
      closed: true,
      fill: withAlpha(colour, 0.22),
      stroke: null,
      lineWidth: 0,
      tag: `${tag}.area`,
    });
  }
  ctx.ops.push({ op: 'poly', points: [...xy], closed: false, fill: null, stroke: colour, lineWidth: 1.5, tag });
}
