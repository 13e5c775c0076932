import type { MediaKind, Stream } from '../../../snapshot/schema.js';
import { withAlpha } from '../../colour.js';
import { MISSING } from '../../format.js';
import type { CompiledWidget } from '../../template/load.js';
import type { WidgetSpec } from '../../template/schema.js';
import { fill, isLive, MIN_TEXT, role, t, type LayoutCtx } from '../context.js';
import { progress, rect } from '../ops.js';
import { posterRef, posterTile } from '../poster.js';
import { text } from '../text.js';

type Spec = Extract<WidgetSpec, { type: 'nowplaying' }>;
type Decision = Stream['decision'];

/** Plex's and Tautulli's words for how a stream is delivered, everywhere the image names it. */
const decisionKey: Record<Decision, string> = { 'direct play': 'directPlay', copy: 'directStream', transcode: 'transcode' };
const decisionOrder: Decision[] = ['transcode', 'copy', 'direct play'];

function poster(ctx: LayoutCtx, s: Spec, st: Stream, x: number, y: number, w: number, h: number, tag: string): void {
  posterTile(ctx, s.posters ? posterRef(st) : null, st.kind, { x, y, w, h }, tag);
}

/** The delivery word in a tinted capsule at the right of a row; returns its width. */
function marker(ctx: LayoutCtx, st: Stream, right: number, y: number, size: number, tag: string): number {
  const word = t(ctx, `decision.${decisionKey[st.decision]}`);
  const c = st.decision === 'transcode' ? role(ctx, 'warn') : role(ctx, 'ok');
  const font = { size, weight: 700 as const };
  const w = Math.round(ctx.measure.width(word, font) + size * 0.9);
  rect(ctx, right - w, y, w, size + 4, withAlpha(c, 0.1), { radius: 3, tag: `${tag}.decision` });
  text(ctx, { x: right - w, y, w, h: size + 4 }, word, font, c, 'center', `${tag}.decision.${decisionKey[st.decision]}`);
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

function subtitle(ctx: LayoutCtx, st: Stream, showViewer: boolean): string {
  const parts: string[] = [];
  if (st.watching?.grandparentTitle) parts.push(st.watching.grandparentTitle);
  else if (st.watching?.year) parts.push(String(st.watching.year));
  if (showViewer && st.viewer) parts.push(st.viewer.name);
  if (st.state !== 'playing') parts.push(t(ctx, `stream.${st.state}`));
  return parts.join(' · ');
}

function row(ctx: LayoutCtx, s: Spec, st: Stream, y: number, i: number, extra: string): void {
  const tag = `${s.id ?? 'nowplaying'}.${i}`;
  const { h, small, barH, gap, twoLines } = rowMetrics(s);
  let x = s.x;
  if (s.posters) {
    const pw = Math.round(h * (2 / 3));
    poster(ctx, s, st, x, y, pw, h, tag);
    x += pw + Math.max(6, Math.round(s.size * 0.6));
  }
  const w = s.x + s.w - x;
  const titleH = Math.round(s.size * 1.2);
  const subH = twoLines ? Math.round(small * 1.25) : 0;
  // Centre title, subtitle and bar as one block; a tall row should not leave the bar stranded.
  const top = y + Math.max(0, (h - (titleH + subH + gap + barH)) / 2);
  const mw = marker(ctx, st, s.x + s.w, top + (titleH - small - 4) / 2, small, tag);
  // A stream whose title the policy (or a private section) withheld is named by its kind.
  const title = st.watching?.title ?? t(ctx, `kind.${st.kind}`);
  text(ctx, { x, y: top, w: w - mw - 6, h: titleH }, title, { size: s.size, weight: 600 }, role(ctx, 'title'), 'left', `${tag}.title`);
  if (twoLines) {
    const sub = [subtitle(ctx, st, s.viewer), extra].filter(Boolean).join(' · ');
    text(ctx, { x, y: top + titleH, w, h: subH }, sub, { size: small, weight: 400 }, role(ctx, 'muted'), 'left', `${tag}.subtitle`);
  }
  const fg = st.state === 'playing' ? role(ctx, 'accent') : role(ctx, 'muted');
  progress(ctx, x, top + titleH + subH + gap, w, barH, st.progress, fg, `${tag}.progress`);
}

/** Streams as rows with their titles; the last visible row says "+N more" when they do not all fit. */
function rows(ctx: LayoutCtx, s: Spec, streams: readonly Stream[]): void {
  const tag = s.id ?? 'nowplaying';
  const fit = Math.max(1, Math.floor(s.h / s.rowHeight));
  // With room for three rows or more, overflow gets its own "+N more" line; in a one- or two-row
  // widget that line would cost half the content, so the count goes in the last row's subtitle.
  const ownLine = streams.length > fit && fit >= 3;
  const shown = Math.min(streams.length, ownLine ? fit - 1 : fit);
  const hidden = streams.length - shown;
  const more = t(ctx, 'nowplaying.more', { n: ctx.fmt.num(hidden) }, hidden);
  streams
    .slice(0, shown)
    .forEach((st, i) => row(ctx, s, st, s.y + i * s.rowHeight, i, i === shown - 1 && hidden > 0 && !ownLine ? more : ''));
  if (ownLine) {
    const y = s.y + shown * s.rowHeight;
    const font = { size: s.size, weight: 400 as const };
    text(ctx, { x: s.x, y, w: s.w, h: Math.min(s.rowHeight, s.size * 1.6) }, more, font, role(ctx, 'muted'), 'left', `${tag}.more`);
  }
}

/** Counts in a fixed order, most telling first, zero counts left out. */
function tally<K extends string>(items: readonly K[], order: readonly K[]): [K, number][] {
  const n = new Map<K, number>();
  for (const k of items) n.set(k, (n.get(k) ?? 0) + 1);
  return order.flatMap((k) => (n.get(k) ? [[k, n.get(k) as number] as [K, number]] : []));
}

const kindOrder: MediaKind[] = ['movie', 'episode', 'show', 'season', 'track', 'album', 'artist', 'photo', 'other'];

/** "2 movies, 1 episode, 1 track": what plays, by kind, in the language's own list form. */
function kindsLine(ctx: LayoutCtx, streams: readonly Stream[]): string {
  return ctx.fmt.list(
    tally(
      streams.map((st) => st.kind),
      kindOrder,
    ).map(([k, n]) => ctx.fmt.count(n, k)),
  );
}

/** "1 Transcode · 2 Direct Plays · 1 paused": how it plays. */
function howLine(ctx: LayoutCtx, streams: readonly Stream[]): string {
  const how = tally(
    streams.map((st) => st.decision),
    decisionOrder,
  ).map(([d, n]) => ctx.fmt.count(n, decisionKey[d]));
  const states = tally(
    streams.map((st) => st.state),
    ['paused', 'buffering', 'playing'] as const,
  ).filter(([st]) => st !== 'playing');
  return [...how, ...states.map(([st, n]) => ctx.fmt.count(n, st))].join(' · ');
}

/**
 * Streams without titles (the default `watching: type-only` policy): what plays by kind, how it
 * plays, and a tile per stream (its poster, blurred by the poster cache, or its kind) with its
 * progress and delivery. Too short for tiles, the progress of each stream is one segmented bar.
 */
function summary(ctx: LayoutCtx, s: Spec, streams: readonly Stream[]): void {
  const tag = s.id ?? 'nowplaying';
  const small = Math.max(MIN_TEXT, Math.round(s.size * 0.8));
  const titleH = Math.round(s.size * 1.3);
  const subH = Math.round(small * 1.3);
  const gap = Math.max(3, Math.round(s.size * 0.3));
  const barH = Math.max(3, Math.round(s.size * 0.22));
  text(
    ctx,
    { x: s.x, y: s.y, w: s.w, h: titleH },
    kindsLine(ctx, streams),
    { size: s.size, weight: 600 },
    role(ctx, 'title'),
    'left',
    `${tag}.kinds`,
  );
  text(
    ctx,
    { x: s.x, y: s.y + titleH, w: s.w, h: subH },
    howLine(ctx, streams),
    { size: small, weight: 400 },
    role(ctx, 'muted'),
    'left',
    `${tag}.how`,
  );
  const top = s.y + titleH + subH + gap;
  const rest = s.y + s.h - top;
  const captionH = Math.round(small * 1.4);
  const tileH = rest - barH - gap - captionH;
  if (tileH < 30) {
    segments(ctx, s, streams, top + Math.max(0, (rest - barH) / 2), barH, tag);
    return;
  }
  tiles(ctx, s, streams, { top, tileH, barH, gap, captionH, small }, tag);
}

function segments(ctx: LayoutCtx, s: Spec, streams: readonly Stream[], y: number, h: number, tag: string): void {
  const gap = 4;
  const n = Math.min(streams.length, Math.max(1, Math.floor((s.w + gap) / 24)));
  const w = (s.w - gap * (n - 1)) / n;
  streams.slice(0, n).forEach((st, i) => {
    const fg = st.state === 'playing' ? role(ctx, 'accent') : role(ctx, 'muted');
    progress(ctx, s.x + i * (w + gap), y, w, h, st.progress, fg, `${tag}.${i}.progress`);
  });
}

const MAX_TILES = 6;
const MIN_TILE_W = 24;

interface TileMetrics {
  top: number;
  tileH: number;
  barH: number;
  gap: number;
  captionH: number;
  small: number;
}

function tiles(ctx: LayoutCtx, s: Spec, streams: readonly Stream[], m: TileMetrics, tag: string): void {
  const gutter = Math.max(6, Math.round(s.size * 0.5));
  // Posters are 2:3; narrower ones (and shorter, to keep the shape) let up to MAX_TILES streams show.
  const want = Math.min(streams.length, MAX_TILES);
  const tileW = Math.max(MIN_TILE_W, Math.min(Math.round(m.tileH * (2 / 3)), Math.floor((s.w + gutter) / want) - gutter));
  const tileH = Math.min(m.tileH, Math.round(tileW * 1.5));
  m = { ...m, tileH };
  const fit = Math.max(1, Math.floor((s.w + gutter) / (tileW + gutter)));
  const shown = streams.length > fit ? fit - 1 : streams.length;
  const caption = { size: m.small, weight: 400 as const };
  // Captions only when every word fits its tile: a cut "Direct St…" helps nobody, and the line above says it.
  const words = streams.slice(0, shown).map((st) => t(ctx, `decision.${decisionKey[st.decision]}`));
  const captions = words.every((w) => ctx.measure.width(w, caption) <= tileW);
  streams.slice(0, shown).forEach((st, i) => {
    const x = s.x + i * (tileW + gutter);
    const tt = `${tag}.${i}`;
    poster(ctx, s, st, x, m.top, tileW, m.tileH, tt);
    const fg = st.state === 'playing' ? role(ctx, 'accent') : role(ctx, 'muted');
    progress(ctx, x, m.top + m.tileH + m.gap, tileW, m.barH, st.progress, fg, `${tt}.progress`);
    if (captions) {
      const c = st.decision === 'transcode' ? role(ctx, 'warn') : role(ctx, 'muted');
      const y = m.top + m.tileH + m.gap + m.barH;
      text(ctx, { x, y, w: tileW, h: m.captionH }, words[i] ?? '', caption, c, 'left', `${tt}.decision.${decisionKey[st.decision]}`);
    }
  });
  if (shown < streams.length) {
    const x = s.x + shown * (tileW + gutter);
    rect(ctx, x, m.top, tileW, m.tileH, role(ctx, 'panel'), { radius: 3, tag: `${tag}.more` });
    const hidden = streams.length - shown;
    // A tile is narrow: "+4 more" where it fits, else "+4".
    const font = { size: s.size, weight: 600 as const };
    const long = t(ctx, 'nowplaying.more', { n: ctx.fmt.num(hidden) }, hidden);
    const more = ctx.measure.width(long, font) <= tileW - 4 ? long : t(ctx, 'nowplaying.moreShort', { n: ctx.fmt.num(hidden) }, hidden);
    text(ctx, { x: x + 2, y: m.top, w: tileW - 4, h: m.tileH }, more, font, role(ctx, 'text'), 'center', `${tag}.more.text`);
  }
}

/**
 * What is playing. Titles when the policy shows them; otherwise a summary that is still true and
 * useful. Never old numbers as current: with activity not live (Plex offline, Tautulli stale, old
 * snapshot) it says so instead of drawing the last streams it knew.
 */
export function nowPlayingWidget(w: CompiledWidget, s: Spec, ctx: LayoutCtx): void {
  const tag = s.id ?? 'nowplaying';
  const font = { size: s.size, weight: 400 as const };
  const box = { x: s.x, y: s.y, w: s.w, h: Math.min(s.h, s.rowHeight) };
  const streams = isLive(ctx, 'activity') ? (ctx.snapshot?.activity?.streams ?? null) : null;
  if (streams === null) {
    const why = !ctx.snapshot ? MISSING : ctx.snapshot.state === 'offline' ? t(ctx, 'nowplaying.offline') : t(ctx, 'nowplaying.unknown');
    text(ctx, box, why, font, role(ctx, 'muted'), 'left', `${tag}.empty`);
    return;
  }
  if (streams.length === 0) {
    text(ctx, box, fill(ctx, w.texts.empty), font, role(ctx, 'muted'), 'left', `${tag}.empty`);
    return;
  }
  if (streams.every((st) => st.watching === null)) summary(ctx, s, streams);
  else rows(ctx, s, streams);
}
