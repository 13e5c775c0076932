import type { MediaKind, Stream } from '../../../snapshot/schema.js';
import { withAlpha } from '../../colour.js';
import type { IconName } from '../../icons.js';
import type { CompiledWidget } from '../../template/load.js';
import type { WidgetSpec } from '../../template/schema.js';
import { fill, MIN_TEXT, role, type LayoutCtx } from '../context.js';
import { icon, progress, rect } from '../ops.js';
import { text } from '../text.js';

type Spec = Extract<WidgetSpec, { type: 'nowplaying' }>;

/** What to say when the privacy policy removed the title: only the kind is known. */
const kindPhrase: Record<MediaKind, string> = {
  movie: 'A movie',
  show: 'A show',
  season: 'A season',
  episode: 'An episode',
  artist: 'Music',
  album: 'An album',
  track: 'A track',
  photo: 'Photos',
  other: 'Something',
};

const kindIcon: Record<MediaKind, IconName> = {
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

/** Tautulli's words; small rows use the initials T / D / C (copy = direct stream). */
const decisionWord = { transcode: 'Transcode', 'direct play': 'Direct Play', copy: 'Direct Stream' } as const;
const decisionMark = { transcode: 'T', 'direct play': 'D', copy: 'C' } as const;

function subtitle(st: Stream, showViewer: boolean): string {
  const parts: string[] = [];
  if (st.watching?.grandparentTitle) parts.push(st.watching.grandparentTitle);
  else if (st.watching?.year) parts.push(String(st.watching.year));
  if (showViewer && st.viewer) parts.push(st.viewer.name);
  if (st.state !== 'playing') parts.push(st.state);
  return parts.join(' · ');
}

function poster(ctx: LayoutCtx, st: Stream, x: number, y: number, w: number, h: number, tag: string): void {
  const thumb = st.watching?.thumb ?? null;
  if (thumb !== null && ctx.posters.has(thumb)) {
    ctx.ops.push({ op: 'image', x, y, w, h, radius: 3, ref: thumb, tag: `${tag}.poster` });
    return;
  }
  rect(ctx, x, y, w, h, role(ctx, 'panel'), { radius: 3, tag: `${tag}.placeholder` });
  const size = Math.min(w, h) * 0.6;
  icon(ctx, kindIcon[st.kind], x + (w - size) / 2, y + (h - size) / 2, size, role(ctx, 'muted'));
}

function marker(ctx: LayoutCtx, st: Stream, right: number, y: number, size: number, words: boolean, tag: string): number {
  const mark = words ? decisionWord[st.decision] : decisionMark[st.decision];
  const c = st.decision === 'transcode' ? role(ctx, 'warn') : role(ctx, 'ok');
  const font = { size: Math.max(MIN_TEXT, Math.round(size * 0.8)), weight: 700 as const };
  const w = words ? Math.round(ctx.measure.width(mark, font) + size * 0.9) : Math.round(size * 1.35);
  rect(ctx, right - w, y, w, size + 2, withAlpha(c, 0.1), { radius: 3, tag: `${tag}.decision` });
  text(ctx, { x: right - w, y, w, h: size + 2 }, mark, font, c, 'center', `${tag}.decision.${st.decision}`);
  return w;
}

/** Vertical metrics of one row, scaled from the font size so big templates stay balanced. */
function rowMetrics(s: Spec): { h: number; small: number; barH: number; gap: number; twoLines: boolean } {
  const h = s.rowHeight - Math.max(4, Math.round(s.rowHeight * 0.12));
  const small = Math.max(MIN_TEXT, Math.round(s.size * 0.8));
  const barH = Math.max(2, Math.round(s.size * 0.22));
  const gap = Math.max(3, Math.round(s.size * 0.3));
  return { h, small, barH, gap, twoLines: h >= s.size * 1.2 + small * 1.25 + gap + barH };
}

function row(ctx: LayoutCtx, s: Spec, st: Stream, y: number, i: number, extra: string): void {
  const tag = `${s.id ?? 'nowplaying'}.${i}`;
  const { h, small, barH, gap, twoLines } = rowMetrics(s);
  let x = s.x;
  if (s.posters) {
    const pw = Math.round(h * (2 / 3));
    poster(ctx, st, x, y, pw, h, tag);
    x += pw + Math.max(6, Math.round(s.size * 0.6));
  }
  const w = s.x + s.w - x;
  const titleH = Math.round(s.size * 1.2);
  const subH = twoLines ? Math.round(small * 1.25) : 0;
  // Centre title, subtitle and bar as one block; a tall row should not leave the bar stranded.
  const top = y + Math.max(0, (h - (titleH + subH + gap + barH)) / 2);
  const mw = marker(ctx, st, s.x + s.w, top + (titleH - small - 2) / 2, small, s.size >= 13, tag);
  const title = st.watching?.title ?? kindPhrase[st.kind];
  text(ctx, { x, y: top, w: w - mw - 6, h: titleH }, title, { size: s.size, weight: 600 }, role(ctx, 'title'), 'left', `${tag}.title`);
  if (twoLines) {
    const sub = [subtitle(st, s.viewer), extra].filter(Boolean).join(' · ');
    text(ctx, { x, y: top + titleH, w, h: subH }, sub, { size: small, weight: 400 }, role(ctx, 'muted'), 'left', `${tag}.subtitle`);
  }
  const fg = st.state === 'playing' ? role(ctx, 'accent') : role(ctx, 'muted');
  progress(ctx, x, top + titleH + subH + gap, w, barH, st.progress, fg, `${tag}.progress`);
}

/** Streams as rows; the last visible row says "+N more" when they do not all fit. */
export function nowPlayingWidget(w: CompiledWidget, s: Spec, ctx: LayoutCtx): void {
  const tag = s.id ?? 'nowplaying';
  const streams = ctx.snapshot?.activity?.streams ?? null;
  const font = { size: s.size, weight: 400 as const };
  if (streams === null || streams.length === 0) {
    const msg = streams === null ? '—' : fill(ctx, w.texts.empty);
    text(ctx, { x: s.x, y: s.y, w: s.w, h: Math.min(s.h, s.rowHeight) }, msg, font, role(ctx, 'muted'), 'left', `${tag}.empty`);
    return;
  }
  const fit = Math.max(1, Math.floor(s.h / s.rowHeight));
  // With room for three rows or more, overflow gets its own "+N more" line; in a one- or two-row
  // widget that line would cost half the content, so the count goes in the last row's subtitle.
  const ownLine = streams.length > fit && fit >= 3;
  const shown = Math.min(streams.length, ownLine ? fit - 1 : fit);
  const hidden = streams.length - shown;
  const inline = hidden > 0 && !ownLine ? `+${ctx.fmt.num(hidden)} more` : '';
  streams.slice(0, shown).forEach((st, i) => row(ctx, s, st, s.y + i * s.rowHeight, i, i === shown - 1 ? inline : ''));
  if (ownLine) {
    const more = `+${ctx.fmt.num(streams.length - shown)} more`;
    const y = s.y + shown * s.rowHeight;
    text(ctx, { x: s.x, y, w: s.w, h: Math.min(s.rowHeight, s.size * 1.6) }, more, font, role(ctx, 'muted'), 'left', `${tag}.more`);
  }
}
