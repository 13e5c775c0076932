import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { toShieldsBadge } from '../../src/server/routes/shields.js';
import { repoRenderer, input } from '../render/helpers.js';
import { sampleSnapshot } from '../render/sample.js';
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
const staleTautulli = (s: Snapshot): Snapshot => ({
  ...s,
  sources: { ...s.sources, tautulli: { ...s.sources.tautulli, status: 'stale' } },
});

describe("a badge's colour is status.png's for the same state and theme", () => {
  const cases: [string, Snapshot | null][] = [
    ['online', sampleSnapshot({ state: 'online' })],
    ['busy', sampleSnapshot({ state: 'busy' })],
    ['overloaded', sampleSnapshot({ state: 'overloaded' })],
    ['offline', sampleSnapshot({ state: 'offline' })],
    ['a source stale', staleTautulli(sampleSnapshot({ state: 'online' }))],
    ['no data', null],
  ];
  for (const theme of ['dark', 'light', 'nord', 'transparent', 'catppuccin_latte']) {
    it.each(cases)(`${theme}: %s`, async (_, snapshot) => {
      const png = (await renderer.render(input({ template: 'status', theme, snapshot }))).png;
      const badge = toShieldsBadge(snapshot, { template: 'status', theme: renderer.themes.get(theme)! });
      // The badge's right half is filled with the state colour; x=118 is right of its centred text.
      expect(badge.color).toBe(hexAt(png, 118, 10));
      expect(endpointSchema.safeParse(badge).success).toBe(true);
    });
  }
});

describe('what a badge says', () => {
  const theme = renderer.themes.get('dark')!;
  const s = sampleSnapshot({ state: 'busy' });
  it('says what its image shows, with live numbers only while they are current', () => {
    const a = s.activity!;
    const host = s.host!;
    expect(toShieldsBadge(s, { template: 'status', theme })).toMatchObject({ label: 'plex', message: 'busy', namedLogo: 'plex' });
    expect(toShieldsBadge(s, { template: 'signature', theme }).message).toBe(
      `busy · ${a.streamCount} streams · ${(a.bandwidthKbps.total / 1000).toFixed(0)} Mb/s`,
    );
    expect(toShieldsBadge(s, { template: 'nowplaying', theme })).toMatchObject({
      label: 'now playing',
      message: `${a.streamCount} streams · ${a.transcode} transcode${a.transcode === 1 ? '' : 's'}`,
    });
    expect(toShieldsBadge(s, { template: 'health', theme })).toMatchObject({
      label: 'host',
      message: `CPU ${Math.round(host.cpu.loadPct)}% · RAM ${Math.round((100 * host.memory.usedBytes) / host.memory.totalBytes)}%`,
    });
    expect(toShieldsBadge(s, { template: 'stats', theme })).toMatchObject({
      label: 'plays',
      message: `${s.history!.windows['24h'].plays} today · ${s.history!.windows['30d'].plays} in 30 days`,
    });
    // Offline or stale: no old stream counts presented as now.
    expect(toShieldsBadge({ ...s, state: 'offline' }, { template: 'signature', theme })).toMatchObject({
      message: 'offline',
      isError: true,
    });
    expect(toShieldsBadge(staleTautulli(s), { template: 'signature', theme }).message).toBe('busy');
    expect(toShieldsBadge(staleTautulli(s), { template: 'nowplaying', theme }).message).toBe('unknown');
  });
});

describe('/i/<name>.shields.json over HTTP', () => {
  let marquee: Awaited<ReturnType<typeof startTestMarquee>>;
  beforeAll(async () => {
    marquee = await startTestMarquee({ clock: () => Date.UTC(2026, 8, 21, 12, 0, 0) });
  });
  afterAll(async () => {
    await marquee?.stop();
  });
  const get = (path: string) => fetch(`${marquee.url}${path}`);

  it("validates against shields' endpoint schema for every image, and differs between images", async () => {
    const names = ['status', 'signature', 'nowplaying', 'health', 'stats'];
    const badges = await Promise.all(names.map(async (n) => (await (await get(`/i/${n}.shields.json`)).json()) as Record<string, unknown>));
    for (const b of badges) expect(endpointSchema.parse(b)).toMatchObject({ namedLogo: 'plex', schemaVersion: 1 });
    expect(new Set(badges.map((b) => `${b.label}|${b.message}`)).size).toBe(names.length);
  });

  it('takes the colour of status.png in the theme the URL names', async () => {
    for (const suffix of ['', '-light', '-nord']) {
      const badge = (await (await get(`/i/status${suffix}.shields.json`)).json()) as { color: string };
      const png = Buffer.from(await (await get(`/i/status${suffix}.png`)).arrayBuffer());
      expect(badge.color).toBe(hexAt(png, 118, 10));
    }
  });

  it("reads the health badge's numbers from the image's own data", async () => {
    const { snapshot } = (await (await get('/i/health.json')).json()) as { snapshot: Snapshot };
    const badge = (await (await get('/i/health.shields.json')).json()) as { message: string };
    const h = snapshot.host!;
    expect(badge.message).toBe(`CPU ${Math.round(h.cpu.loadPct)}% · RAM ${Math.round((100 * h.memory.usedBytes) / h.memory.totalBytes)}%`);
  });
});
