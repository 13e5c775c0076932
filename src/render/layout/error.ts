import type { DrawList } from '../drawlist.js';
import type { Formatter } from '../format.js';
import type { Theme } from '../theme/schema.js';
import type { LayoutCtx, Measurer } from './context.js';
import { panel } from './index.js';
import { icon } from './ops.js';
import { text } from './text.js';

/**
 * The error image: the caller's theme and size, a warning icon and a short reason. Like a
 * shields badge turning grey, it replaces the picture instead of breaking the page it sits in.
 */
export function layoutError(
  theme: Theme,
  width: number,
  height: number,
  scale: 1 | 2,
  message: string,
  measure: Measurer,
  fmt: Formatter,
): DrawList {
  const ctx: LayoutCtx = {
    snapshot: null,
    history: [],
    theme,
    fmt,
    now: 0,
    measure,
    catalogue: new Map(),
    title: '',
    stale: { stale: false, ageMs: null, reason: null },
    posters: new Set(),
    ops: [],
  };
  panel(ctx, width, height);
  const bad = theme.colours.bad;
  const pad = Math.max(3, Math.min(16, Math.round(height * 0.12)));
  if (height < 44) {
    const size = Math.max(7, Math.min(13, Math.round(height * 0.5)));
    icon(ctx, 'warning', pad, (height - size) / 2, size, bad, 'error.icon');
    const x = pad + size + 5;
    text(ctx, { x, y: 0, w: width - x - pad, h: height }, message, { size, weight: 600 }, theme.colours.text, 'left', 'error.message');
  } else {
    const title = Math.max(11, Math.min(20, Math.round(height * 0.16)));
    const body = Math.max(10, Math.round(title * 0.75));
    const iconSize = Math.min(height - pad * 2, Math.round(title * 2.2));
    icon(ctx, 'warning', pad, (height - iconSize) / 2, iconSize, bad, 'error.icon');
    const x = pad * 2 + iconSize;
    const block = title * 1.4 + body * 1.3;
    const top = (height - block) / 2;
    const w = width - x - pad;
    text(
      ctx,
      { x, y: top, w, h: title },
      fmt.msg.t('error.title'),
      { size: title, weight: 700 },
      theme.colours.title,
      'left',
      'error.title',
    );
    text(ctx, { x, y: top + title * 1.4, w, h: body }, message, { size: body, weight: 400 }, theme.colours.text, 'left', 'error.message');
  }
  ctx.ops.push({ op: 'restore' });
  return {
    width,
    height,
    scale,
    stale: false,
    encode: { palette: false, colours: 256, effort: 1, compressionLevel: 6, adaptiveFiltering: false },
    ops: ctx.ops,
  };
}
