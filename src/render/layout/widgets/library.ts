import type { WidgetSpec } from '../../template/schema.js';
import { MISSING } from '../../format.js';
import { MIN_TEXT, role, t, type LayoutCtx } from '../context.js';
import { text } from '../text.js';

type Spec = Extract<WidgetSpec, { type: 'library' }>;
type Item = Spec['items'][number];

interface Entry {
  item: Item;
  value: string;
  /** The word under a tile ("movies"). */
  label: string;
  /** The whole inline phrase ("1,234 movies"), word order and plural form from the catalogue. */
  phrase: string;
}

const singular = {
  movies: 'movie',
  shows: 'show',
  episodes: 'episode',
  artists: 'artist',
  albums: 'album',
  tracks: 'track',
  photos: 'photo',
} as const;

function entries(ctx: LayoutCtx, items: readonly Item[]): Entry[] {
  const lib = ctx.snapshot?.library ?? null;
  return items.map((item) => {
    if (item === 'size' || item === 'duration') {
      const raw = item === 'size' ? lib?.totalBytes : lib?.totalDurationMs;
      const value = raw == null ? MISSING : item === 'size' ? ctx.fmt.bytes(raw) : ctx.fmt.duration(raw / 1000);
      const label = t(ctx, `library.${item}`);
      return { item, value, label, phrase: `${value} ${label}` };
    }
    const n = lib ? lib.totals[item] : null;
    // Compact keeps a big music library from pushing the movies off the line.
    const value = n === null ? MISSING : n >= 10_000 ? ctx.fmt.compact(n) : ctx.fmt.num(n);
    const count = n ?? 0;
    return { item, value, label: t(ctx, `noun.${item}`, {}, count), phrase: t(ctx, `count.${singular[item]}`, { n: value }, count) };
  });
}

/** Library totals, either "1,234 movies · 156 shows" on one line or as equal tiles. */
export function libraryWidget(s: Spec, ctx: LayoutCtx): void {
  const tag = s.id ?? 'library';
  const list = entries(ctx, s.items);
  if (s.style === 'inline') {
    const line = list.map((e) => e.phrase).join(' · ');
    text(ctx, s, line, { size: s.size, weight: 400 }, role(ctx, 'text'), s.align, tag);
    return;
  }
  const tw = s.w / list.length;
  const labelSize = Math.max(MIN_TEXT, Math.round(s.size * 0.62));
  const total = s.size + labelSize * 1.3;
  const top = s.y + (s.h - total) / 2;
  list.forEach((e, i) => {
    const box = { x: s.x + i * tw, w: tw - 4 };
    text(ctx, { ...box, y: top, h: s.size }, e.value, { size: s.size, weight: 700 }, role(ctx, 'title'), s.align, `${tag}.${e.item}`);
    const ly = top + s.size + labelSize * 0.3;
    text(
      ctx,
      { ...box, y: ly, h: labelSize },
      e.label,
      { size: labelSize, weight: 400 },
      role(ctx, 'muted'),
      s.align,
      `${tag}.${e.item}.label`,
    );
  });
}
