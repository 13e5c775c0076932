import type { MediaKind, Watching } from '../../snapshot/schema.js';
import type { IconName } from '../icons.js';
import { role, type LayoutCtx } from './context.js';
import { icon, rect } from './ops.js';

/** The icon that stands for a kind of media where there is no poster. */
export const kindIcon: Record<MediaKind, IconName> = {
  movie: 'film',
  show: 'tv',
  season: 'tv',
  episode: 'tv',
  artist: 'music',
  album: 'music',
  track: 'music',
  photo: 'photo',
  other: 'play',
};

/**
 * What an item (a stream, a recently added item) shows as its poster: the thumb the privacy policy
 * let through, beside its title or alone (type-only with blurred thumbnails), if any. The poster
 * cache blurs it as configured.
 */
export function posterRef(item: { watching: Watching | null; poster?: string | null | undefined }): string | null {
  return item.watching?.thumb ?? item.poster ?? null;
}

/** A poster where the caller has its bytes, else a panel with the item's kind. */
export function posterTile(
  ctx: LayoutCtx,
  ref: string | null,
  kind: MediaKind,
  box: { x: number; y: number; w: number; h: number },
  tag: string,
): void {
  const { x, y, w, h } = box;
  if (ref !== null && ctx.posters.has(ref)) {
    ctx.ops.push({ op: 'image', x, y, w, h, radius: 3, ref, tag: `${tag}.poster` });
    return;
  }
  rect(ctx, x, y, w, h, role(ctx, 'panel'), { radius: 3, tag: `${tag}.placeholder` });
  const size = Math.min(w, h) * 0.5;
  icon(ctx, kindIcon[kind], x + (w - size) / 2, y + (h - size) / 2, size, role(ctx, 'muted'), `${tag}.kind.${kind}`);
}
