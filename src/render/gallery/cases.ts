import type { RenderInput, Renderer, RenderedImage } from '../index.js';
import {
  NOW,
  STALE_AFTER,
  sampleHistory,
  sampleNetworkHistory,
  sampleNetworkSnapshot,
  sampleSnapshot,
  stream,
  typeOnlySnapshot,
} from './demo-data.js';

/**
 * The states a user should see once before they meet them for real: stale data, no data, an
 * offline server, hostile titles, an error image and per-request overrides.
 */
export interface GalleryCase {
  name: string;
  caption: string;
  render(r: Renderer, posters: ReadonlyMap<string, Buffer>): Promise<RenderedImage>;
}

function base(posters: ReadonlyMap<string, Buffer>, over: Partial<RenderInput> = {}): RenderInput {
  return {
    snapshot: sampleSnapshot(),
    history: sampleHistory(),
    template: 'signature',
    theme: 'dark',
    params: { scale: 1 },
    now: NOW,
    posters,
    staleAfterMs: STALE_AFTER,
    ...over,
  };
}

function hostileTitles() {
  const s = sampleSnapshot();
  const streams = [
    stream({
      watching: {
        title: 'The Extraordinarily Long and Winding Title of a Film Nobody Could Fit',
        grandparentTitle: null,
        year: 2024,
        thumb: null,
      },
    }),
    stream({
      kind: 'episode',
      decision: 'transcode',
      watching: { title: 'Сталкер · Ζορμπάς · 千と千尋の神隠し', grandparentTitle: '기생충 🎬', year: null, thumb: null },
    }),
    stream({ kind: 'episode', watching: null, viewer: null, progress: 0.6 }),
  ];
  return sampleSnapshot({ activity: { ...s.activity!, streams, streamCount: 3 } });
}

export const galleryCases: GalleryCase[] = [
  {
    name: 'type-only',
    caption: "The default privacy policy (watching: type-only): what plays by kind and how, with each stream's progress; no titles.",
    render: (r, p) => r.render(base(p, { snapshot: typeOnlySnapshot() })),
  },
  {
    name: 'no-sensor',
    caption: "A host without a temperature sensor (most containers and VMs): og shows uptime in the gauge's place.",
    render: (r, p) =>
      r.render(
        base(p, {
          template: 'og',
          snapshot: sampleSnapshot({ host: { ...sampleSnapshot().host!, cpu: { ...sampleSnapshot().host!.cpu, temperatureC: null } } }),
        }),
      ),
  },
  {
    name: 'stale',
    caption: 'Snapshot older than the stale threshold: the footer turns amber and says how old.',
    render: (r, p) => r.render(base(p, { snapshot: sampleSnapshot({ takenAt: NOW - 47 * 60_000 }) })),
  },
  {
    name: 'no-data',
    caption: 'No snapshot yet (first start): em dashes, "no data" status, never a crash.',
    render: (r, p) => r.render(base(p, { snapshot: null, history: [] })),
  },
  {
    name: 'offline',
    caption: 'Plex offline: no live numbers (they would be old), last library counts kept.',
    render: (r, p) => r.render(base(p, { snapshot: sampleSnapshot({ state: 'offline', activity: null, host: null }) })),
  },
  {
    name: 'hostile-titles',
    caption: 'Long, Cyrillic, Greek, CJK and emoji titles; a title hidden by the privacy policy.',
    render: (r, p) => r.render(base(p, { snapshot: hostileTitles() })),
  },
  {
    name: 'network-one',
    caption: 'The network template on a one-server Marquee (no `servers:` list): that server is the one row, named by the title.',
    render: (r, p) => r.render(base(p, { template: 'network' })),
  },
  {
    name: 'network-eight',
    caption:
      'The network template with eight servers, one overloaded and one not answering: rows shrink to fit (text never under 9 px); the total counts the servers that answer.',
    render: (r, p) => r.render(base(p, { template: 'network', snapshot: sampleNetworkSnapshot(8), history: sampleNetworkHistory(8) })),
  },
  {
    name: 'error',
    caption: 'The error image, in the theme and size that was asked for.',
    render: (r) => r.renderError({ template: 'signature', theme: 'dark', message: 'Plex unreachable (connect ECONNREFUSED)' }),
  },
  {
    name: 'overrides',
    caption: 'Per-request overrides: bg_color=135,1f1c2c,928dab&title_color=ffd166&icon_color=ffd166&border_radius=16&hide_border=true',
    render: (r, p) =>
      r.render(
        base(p, {
          params: {
            scale: 1,
            overrides: { bg_color: '135,1f1c2c,928dab', title_color: 'ffd166', icon_color: 'ffd166', border_radius: 16, hide_border: true },
          },
        }),
      ),
  },
  {
    name: 'locale',
    caption: 'locale=de-DE, timeZone=Europe/Berlin: words from locales/de.json, numbers, units and 24-hour time from Intl.',
    render: (r, p) => r.render(base(p, { params: { scale: 1, locale: 'de-DE', timeZone: 'Europe/Berlin' } })),
  },
  {
    name: 'scale2',
    caption: 'scale=2 for HiDPI screens: same layout, twice the pixels (display it at 600x200).',
    render: (r, p) => r.render(base(p, { params: { scale: 2 } })),
  },
];
