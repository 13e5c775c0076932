import type { Snapshot } from '../../snapshot/schema.js';
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

/** A theme colour as shields takes it: bare hex (its `color` accepts named colours and hex). */
const hex = ({ r, g, b }: { r: number; g: number; b: number }) => [r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('');

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const pct = (n: number) => `${Math.round(n)}%`;
const mbps = (kbps: number) => `${(kbps / 1000).toFixed(kbps >= 10_000 ? 0 : 1)} Mb/s`;

/**
 * What the badge says: what its image shows, in a few words. A live number is said only when its
 * source read it this cycle and Plex is up, as the images do: never "offline · 4 streams".
 */
function describe(s: Snapshot, template: string): { label: string; message: string } {
  const up = s.state !== 'offline';
  const activity = up && s.sources.tautulli.status === 'ok' ? s.activity : null;
  const host = s.sources.host.status === 'ok' ? s.host : null;
  switch (template) {
    case 'status':
      return { label: 'plex', message: s.state };
    case 'nowplaying':
      if (!activity) return { label: 'now playing', message: up ? 'unknown' : 'offline' };
      if (activity.streamCount === 0) return { label: 'now playing', message: 'nothing' };
      return {
        label: 'now playing',
        message: [plural(activity.streamCount, 'stream'), plural(activity.transcode, 'transcode')].join(' · '),
      };
    case 'health':
      if (!host) return { label: 'host', message: 'unknown' };
      return {
        label: 'host',
        message: `CPU ${pct(host.cpu.loadPct)} · RAM ${pct((host.memory.usedBytes / Math.max(1, host.memory.totalBytes)) * 100)}`,
      };
    case 'stats':
      if (!s.history) return { label: 'plays', message: 'unknown' };
      return { label: 'plays', message: `${s.history.windows['24h'].plays} today · ${s.history.windows['30d'].plays} in 30 days` };
    default: {
      // The overview images (signature, banner, card, og, userbar...): state, streams, bandwidth.
      if (!activity || activity.streamCount === 0) return { label: 'plex', message: s.state };
      return { label: 'plex', message: [s.state, plural(activity.streamCount, 'stream'), mbps(activity.bandwidthKbps.total)].join(' · ') };
    }
  }
}

/**
 * The badge of one image: its words from what that image shows, its colour the image theme's
 * colour for the state (STATE_ROLE, the table status.png's badge uses), and Plex's logo.
 */
export function toShieldsBadge(snapshot: Snapshot | null, image: BadgeImage): ShieldsBadge {
  const colourOf = (st: ShownState) => hex(image.theme.colours[STATE_ROLE[st]]);
  const base = { schemaVersion: 1 as const, namedLogo: 'plex', cacheSeconds: 300 };
  // No data, or a source that failed this cycle, makes status.png's badge "stale"; this one too.
  if (!snapshot) return { ...base, label: 'plex', message: 'no data', color: colourOf('stale'), isError: true };
  const stale = Object.values(snapshot.sources).some((src) => src.status === 'stale');
  return {
    ...base,
    ...describe(snapshot, image.template),
    color: colourOf(stale ? 'stale' : snapshot.state),
    isError: snapshot.state === 'offline',
  };
}
