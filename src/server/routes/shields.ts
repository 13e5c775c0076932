import type { Snapshot } from '../../snapshot/schema.js';
import type { Formatter } from '../../render/format.js';
import { staleInfo } from '../../render/layout/context.js';
import { STATE_ROLE, type ShownState } from '../../render/state-colour.js';
import type { Theme } from '../../render/theme/schema.js';

/** shields.io's endpoint-badge schema: https://shields.io/badges/endpoint-badge */
export interface ShieldsBadge {
  schemaVersion: 1;
  label: string;
  message: string;
  color: string;
  isError?: boolean;
  namedLogo?: string;
  cacheSeconds?: number;
}

/** The image a badge stands for: its name, the template it is drawn with, and its theme. */
export interface BadgeImage {
  template: string;
  theme: Pick<Theme, 'colours'>;
}

/** What the image itself would be drawn with: the same words, clock and staleness rule. */
export interface BadgeContext {
  /** The badge's language: the request's ?locale=, else render.locale (the image's formatter). */
  fmt: Formatter;
  /** The render clock, epoch ms. */
  now: number;
  /** render.staleAfterS: a snapshot older than this is history, not now. */
  staleAfterMs: number;
}

/** A theme colour as shields takes it: bare hex (its `color` accepts named colours and hex). */
const hex = ({ r, g, b }: { r: number; g: number; b: number }) => [r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('');

/** "47m": the largest whole unit of an age, as the images' stale marker writes it (status.ts). */
function age(fmt: Formatter, ms: number): string {
  const s = Math.max(0, ms / 1000);
  const unit = s >= 86400 ? 86400 : s >= 3600 ? 3600 : s >= 60 ? 60 : 1;
  return fmt.duration(Math.floor(s / unit) * unit);
}

/** The badge's left half: what the image is about ("plex" is the brand, in every language). */
function labelOf(template: string, fmt: Formatter): string {
  const key = { nowplaying: 'badge.nowplaying', health: 'badge.host', stats: 'badge.plays' }[template];
  return key ? fmt.msg.t(key) : 'plex';
}

/**
 * What the badge says: what its image shows, in a few words of the badge's language. A live
 * number is said only while its source read it this cycle (and, for activity, Plex is up), as on
 * the images: never "offline · 4 streams". `state` is the state word status.png would draw.
 */
function describe(s: Snapshot, template: string, fmt: Formatter, state: string): string {
  const t = (key: string, args?: Record<string, string>) => fmt.msg.t(key, args);
  const src = s.sources;
  const up = s.state !== 'offline';
  const activity = up && src.tautulli.status === 'ok' ? s.activity : null;
  const notNow = (status: string) => (status === 'stale' ? t('state.stale') : t('badge.unknown'));
  switch (template) {
    case 'status':
      return state;
    case 'nowplaying':
      if (!up) return t('state.offline');
      if (!activity) return notNow(src.tautulli.status);
      if (activity.streamCount === 0) return t('badge.nothing');
      return [fmt.count(activity.streamCount, 'stream'), fmt.count(activity.transcode, 'transcode')].join(' · ');
    case 'health': {
      const host = src.host.status === 'ok' ? s.host : null;
      if (!host) return notNow(src.host.status);
      const used = host.memory.usedBytes / Math.max(1, host.memory.totalBytes);
      return `${t('label.cpu')} ${fmt.percent(host.cpu.loadPct / 100)} · ${t('label.memory')} ${fmt.percent(used)}`;
    }
    case 'stats': {
      if (!s.history || src.tautulli.status !== 'ok') return notNow(src.tautulli.status);
      const w = s.history.windows;
      return [t('badge.today', { n: fmt.num(w['24h'].plays) }), t('badge.days30', { n: fmt.num(w['30d'].plays) })].join(' · ');
    }
    default:
      // The overview images (signature, banner, card, og, userbar...): state, streams, bandwidth.
      if (!activity || activity.streamCount === 0) return state;
      return [state, fmt.count(activity.streamCount, 'stream'), fmt.bitrate(activity.bandwidthKbps.total)].join(' · ');
  }
}

/**
 * The badge of one image: its words from what that image shows, in the image's language, its
 * colour the image theme's colour for the state (STATE_ROLE, the table status.png's badge uses),
 * and Plex's logo. Staleness follows the images' rule (staleInfo): no data, a source that failed
 * this cycle, or a snapshot older than render.staleAfterS makes status.png's badge "stale", and
 * this one too; an old snapshot says how old instead of any number it holds.
 */
export function toShieldsBadge(snapshot: Snapshot | null, image: BadgeImage, ctx: BadgeContext): ShieldsBadge {
  const colourOf = (st: ShownState) => hex(image.theme.colours[STATE_ROLE[st]]);
  const base = { schemaVersion: 1 as const, namedLogo: 'plex', cacheSeconds: 300 };
  const t = (key: string, args?: Record<string, string>) => ctx.fmt.msg.t(key, args);
  const label = labelOf(image.template, ctx.fmt);
  const stale = staleInfo(snapshot, ctx.now, ctx.staleAfterMs);
  if (!snapshot) return { ...base, label, message: t('state.none'), color: colourOf('stale'), isError: true };
  // Everything an old snapshot holds is history, its state too: say how old, and nothing of it.
  if (stale.reason === 'age')
    return { ...base, label, message: t('stale.age', { age: age(ctx.fmt, stale.ageMs ?? 0) }), color: colourOf('stale') };
  // As status.png: "stale" matters more than a state that may be old.
  const state = stale.stale ? t('state.stale') : t(`state.${snapshot.state}`);
  return {
    ...base,
    label,
    message: describe(snapshot, image.template, ctx.fmt, state),
    color: colourOf(stale.stale ? 'stale' : snapshot.state),
    isError: snapshot.state === 'offline',
  };
}
