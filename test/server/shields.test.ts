import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { toShieldsBadge, type BadgeContext } from '../../src/server/routes/shields.js';
import { formatter, repoRenderer, input, root } from '../render/helpers.js';
import { NOW, STALE_AFTER, sampleSnapshot } from '../render/sample.js';
import { decodePng } from '../support/png.js';
import { startTestMarquee } from '../support/marquee-instance.js';

/**
 * shields.io's endpoint badge (https://shields.io/badges/endpoint-badge), written out from its
 * documentation: unknown keys are refused, cacheSeconds is at least 300, colours are named or hex.
 */
const endpointSchema = z.strictObject({
  schemaVersion: z.literal(1),
  label: z.string(),
  message: z.string().min(1),
  color: z
    .string()
    .regex(/^(([\da-f]{3}){1,2}|brightgreen|green|yellowgreen|yellow|orange|red|blue|grey|lightgrey)$/i)
    .optional(),
  labelColor: z.string().optional(),
  isError: z.boolean().optional(),
  namedLogo: z.string().optional(),
  logoSvg: z.string().optional(),
  logoColor: z.string().optional(),
  logoWidth: z.number().optional(),
  style: z.string().optional(),
  cacheSeconds: z.number().int().min(300).optional(),
});

const renderer = repoRenderer();
const hexAt = (png: Buffer, x: number, y: number) => {
  const img = decodePng(png);
  const i = (y * img.width + x) * 4;
  return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!].map((v) => v.toString(16).padStart(2, '0')).join('');
};
const staleSource = (s: Snapshot, source: 'tautulli' | 'host'): Snapshot => ({
  ...s,
  sources: { ...s.sources, [source]: { ...s.sources[source], status: 'stale' } },
});
/** Taken 47 minutes before NOW: past render.staleAfterS (5 min in the sample). */
const old = (s: Snapshot): Snapshot => ({ ...s, takenAt: NOW - 47 * 60_000 });
const ctx = (locale = 'en'): BadgeContext => ({ fmt: formatter(locale, 'UTC', locale), now: NOW, staleAfterMs: STALE_AFTER });

describe("a badge's colour is status.png's for the same state and theme", () => {
  const cases: [string, Snapshot | null][] = [
    ['online', sampleSnapshot({ state: 'online' })],
    ['busy', sampleSnapshot({ state: 'busy' })],
    ['overloaded', sampleSnapshot({ state: 'overloaded' })],
    ['offline', sampleSnapshot({ state: 'offline' })],
    ['a source stale', staleSource(sampleSnapshot({ state: 'online' }), 'tautulli')],
    ['older than staleAfterS', old(sampleSnapshot({ state: 'busy' }))],
    ['no data', null],
  ];
  for (const theme of ['dark', 'light', 'nord', 'transparent', 'catppuccin_latte']) {
    it.each(cases)(`${theme}: %s`, async (_, snapshot) => {
      // input() renders at NOW with the sample's staleAfterMs, the badge's context.
      const png = (await renderer.render(input({ template: 'status', theme, snapshot }))).png;
      const badge = toShieldsBadge(snapshot, { template: 'status', theme: renderer.themes.get(theme)! }, ctx());
      // The badge's right half is filled with the state colour; x=118 is right of its centred text.
      expect(badge.color).toBe(hexAt(png, 118, 10));
      expect(endpointSchema.safeParse(badge).success).toBe(true);
    });
  }
});

describe('what a badge says', () => {
  const theme = renderer.themes.get('dark')!;
  const s = sampleSnapshot({ state: 'busy' });
  const a = s.activity!;
  const host = s.host!;
  const w = s.history!.windows;
  const badge = (snapshot: Snapshot | null, template: string, locale = 'en') => toShieldsBadge(snapshot, { template, theme }, ctx(locale));
  // Numbers as Intl writes them in each language: the oracle for the badge's digits and units.
  const pct = (locale: string, v: number) => new Intl.NumberFormat(locale, { style: 'percent' }).format(v);
  const cpu = host.cpu.loadPct / 100;
  const ram = host.memory.usedBytes / host.memory.totalBytes;
  const mbps = (locale: string) =>
    new Intl.NumberFormat(locale, { style: 'unit', unit: 'megabit-per-second', maximumFractionDigits: 1 }).format(
      a.bandwidthKbps.total / 1000,
    );

  it('says what its image shows, in English by default', () => {
    expect(a.streamCount).toBeGreaterThan(1);
    expect(badge(s, 'status')).toMatchObject({ label: 'plex', message: 'busy', namedLogo: 'plex' });
    expect(badge(s, 'signature').message).toBe(`busy · ${a.streamCount} streams · ${mbps('en')}`);
    expect(badge(s, 'nowplaying')).toMatchObject({
      label: 'now playing',
      message: `${a.streamCount} streams · ${a.transcode} ${a.transcode === 1 ? 'Transcode' : 'Transcodes'}`,
    });
    expect(badge(s, 'health')).toMatchObject({ label: 'host', message: `CPU ${pct('en', cpu)} · Memory ${pct('en', ram)}` });
    expect(badge(s, 'stats')).toMatchObject({ label: 'plays', message: `${w['24h'].plays} today · ${w['30d'].plays} in 30 days` });
    expect(badge({ ...s, activity: { ...a, streamCount: 0, streams: [] } }, 'nowplaying').message).toBe('nothing');
  });

  it('says it in the language asked for (the words of the catalogue, the numbers of Intl)', () => {
    // The words, written out here from what a French and a Japanese reader expect.
    expect(badge(s, 'status', 'fr')).toMatchObject({ label: 'plex', message: 'occupé' });
    expect(badge(s, 'nowplaying', 'fr')).toMatchObject({
      label: 'en lecture',
      message: `${a.streamCount} flux · ${a.transcode} transcodage`,
    });
    expect(badge(s, 'health', 'fr')).toMatchObject({ label: 'hôte', message: `CPU ${pct('fr', cpu)} · Mémoire ${pct('fr', ram)}` });
    expect(badge(s, 'stats', 'fr').message).toBe(`${w['24h'].plays} aujourd'hui · ${w['30d'].plays} en 30 jours`);
    expect(badge(s, 'signature', 'de').message).toBe(`ausgelastet · ${a.streamCount} Streams · ${mbps('de')}`);
    expect(badge(s, 'status', 'ja').message).toBe('混雑');
    expect(badge(s, 'nowplaying', 'ja')).toMatchObject({
      label: '再生中',
      message: `ストリーム ${a.streamCount} · トランスコード ${a.transcode}`,
    });
    expect(badge(s, 'stats', 'ja')).toMatchObject({ label: '再生', message: `今日 ${w['24h'].plays} · 30日間 ${w['30d'].plays}` });
  });

  it('never presents old or unreachable live numbers as current', () => {
    // Plex offline: no streams, and status.png's "offline".
    const off = { ...s, state: 'offline' as const };
    expect(badge(off, 'signature')).toMatchObject({ message: 'offline', isError: true });
    expect(badge(off, 'nowplaying')).toMatchObject({ message: 'offline', isError: true });
    // Tautulli's reading is old: no stream counts; the state word is status.png's "stale".
    expect(badge(staleSource(s, 'tautulli'), 'signature').message).toBe('stale');
    expect(badge(staleSource(s, 'tautulli'), 'nowplaying').message).toBe('stale');
    expect(badge(staleSource(s, 'tautulli'), 'stats').message).toBe('stale');
    // ...while the host's own reading is still current.
    expect(badge(staleSource(s, 'tautulli'), 'health').message).toBe(`CPU ${pct('en', cpu)} · Memory ${pct('en', ram)}`);
    expect(badge(staleSource(s, 'host'), 'health').message).toBe('stale');
    // The whole snapshot older than render.staleAfterS: how old, and nothing it holds.
    for (const template of ['status', 'signature', 'nowplaying', 'health', 'stats']) {
      expect(badge(old(s), template).message, template).toBe('stale 47m');
      expect(badge(old(s), template, 'fr').message, template).toBe(
        `périmé depuis ${new Intl.NumberFormat('fr', { style: 'unit', unit: 'minute', unitDisplay: 'narrow' }).format(47)}`,
      );
    }
    expect(badge(null, 'nowplaying', 'fr')).toMatchObject({ label: 'en lecture', message: 'pas de données', isError: true });
  });
});

describe('/i/<name>.shields.json over HTTP', () => {
  let marquee: Awaited<ReturnType<typeof startTestMarquee>>;
  // The collector reads once at this time; moving the clock later makes that reading old.
  const start = Date.UTC(2026, 8, 21, 12, 0, 0);
  let now = start;
  beforeAll(async () => {
    marquee = await startTestMarquee({ clock: () => now });
  });
  afterAll(async () => {
    await marquee?.stop();
  });
  const get = (path: string) => fetch(`${marquee.url}${path}`);
  const json = async (path: string) => (await (await get(path)).json()) as Record<string, unknown>;

  it("validates against shields' endpoint schema for every image, and differs between images", async () => {
    const names = ['status', 'signature', 'nowplaying', 'health', 'stats'];
    const badges = await Promise.all(names.map((n) => json(`/i/${n}.shields.json`)));
    for (const b of badges) expect(endpointSchema.parse(b)).toMatchObject({ namedLogo: 'plex', schemaVersion: 1 });
    expect(new Set(badges.map((b) => `${b.label}|${b.message}`)).size).toBe(names.length);
  });

  it('takes the colour of status.png in the theme the URL names', async () => {
    for (const suffix of ['', '-light', '-nord']) {
      const badge = (await json(`/i/status${suffix}.shields.json`)) as { color: string };
      const png = Buffer.from(await (await get(`/i/status${suffix}.png`)).arrayBuffer());
      expect(badge.color).toBe(hexAt(png, 118, 10));
    }
  });

  it("reads the health badge's numbers from the image's own data, in the language of ?locale=", async () => {
    const { snapshot } = (await json('/i/health.json')) as { snapshot: Snapshot };
    const h = snapshot.host!;
    const pct = (locale: string, v: number) => new Intl.NumberFormat(locale, { style: 'percent' }).format(v);
    const [cpu, ram] = [h.cpu.loadPct / 100, h.memory.usedBytes / h.memory.totalBytes];
    expect((await json('/i/health.shields.json')).message).toBe(`CPU ${pct('en', cpu)} · Memory ${pct('en', ram)}`);
    expect(await json('/i/health.shields.json?locale=fr')).toMatchObject({
      label: 'hôte',
      message: `CPU ${pct('fr', cpu)} · Mémoire ${pct('fr', ram)}`,
    });
  });

  it('says stale, in the stale colour of status.png, once the reading is older than render.staleAfterS', async () => {
    now = start + 2 * 3600_000;
    try {
      const badge = (await json('/i/signature.shields.json?locale=fr')) as { message: string; color: string };
      expect(badge.message).toBe(
        `périmé depuis ${new Intl.NumberFormat('fr', { style: 'unit', unit: 'hour', unitDisplay: 'narrow' }).format(2)}`,
      );
      const png = Buffer.from(await (await get('/i/status.png')).arrayBuffer());
      expect(badge.color).toBe(hexAt(png, 118, 10));
      // ...which is the theme file's own stale colour.
      const dark = JSON.parse(readFileSync(join(root, 'themes', 'dark.json'), 'utf8')) as { colours: { stale: string } };
      expect(`#${badge.color}`).toBe(dark.colours.stale.toLowerCase());
    } finally {
      now = start;
    }
  });
});
