import { describe, expect, it } from 'vitest';
import { parseFill, parseHex } from '../../src/render/colour.js';
import type { FormatName } from '../../src/render/format.js';
import type { FieldUnit } from '../../src/snapshot/fields.js';
import { applyOverrides, colourOverridesSchema } from '../../src/render/theme/overrides.js';
import { loadThemes } from '../../src/render/theme/load.js';
import { formatter, root } from './helpers.js';

const NOW = Date.UTC(2026, 10, 22, 14, 5, 0);

describe('format helpers', () => {
  const en = formatter('en', 'UTC');
  it.each<[unknown, FormatName | null, string | null, FieldUnit, string]>([
    [1234567, 'int', null, 'count', '1,234,567'],
    [12345, null, null, 'count', '12,345'],
    [999, 'compact', null, 'count', '999'],
    [12_345, 'compact', null, 'count', '12.3K'],
    [1_250_000, 'compact', null, 'count', '1.3M'],
    [999_960, 'compact', null, 'count', '1M'],
    [53 * 1024 ** 4, null, null, 'bytes', '53 TB'],
    [48.2 * 1024 ** 4, null, null, 'bytes', '48.2 TB'],
    [512 * 1024 ** 3, 'bytes', null, 'bytes', '512 GB'],
    [1_600_000, null, null, 'bytes/s', '1.5 MB/s'],
    [1_600_000, 'bitrate', null, 'bytes/s', '12.8 Mb/s'],
    [850, null, null, 'kbps', '850 kb/s'],
    [24_500, null, null, 'kbps', '24.5 Mb/s'],
    [3 * 86400 + 4 * 3600 + 5, null, null, 's', '3d 4h'],
    [5_000_000, null, null, 'ms', '1h 23m'],
    [45, null, null, 's', '45s'],
    [0, 'duration', null, 's', '0s'],
    [0.425, null, null, 'ratio', '43%'],
    [37.5, null, null, 'pct', '38%'],
    [37.5, 'percent', '1', 'pct', '37.5%'],
    [58.4, null, null, 'celsius', '58°C'],
    [NOW, null, null, 'epoch-ms', '2:05 PM'],
    [NOW, 'date', null, 'epoch-ms', 'Nov 22'],
    [NOW - 5 * 60_000, 'relative', null, 'epoch-ms', '5 min. ago'],
    [NOW - 3 * 86_400_000, 'relative', null, 'epoch-ms', '3 days ago'],
    ['busy', 'capital', null, 'none', 'Busy'],
    [null, 'int', null, 'count', '—'],
    [Number.NaN, 'int', null, 'count', '—'],
    [true, null, null, 'none', 'yes'],
  ])('%s as %s (%s, %s) -> %s', (v, f, arg, unit, want) => {
    expect(en.value(v, f, arg, unit, NOW)).toBe(want);
  });

  it('uses the configured locale and zone, never the host', () => {
    const de = formatter('de-DE', 'Europe/Berlin');
    expect(de.value(1234567, 'int', null, 'count', NOW)).toBe('1.234.567');
    expect(de.value(NOW, null, null, 'epoch-ms', NOW)).toBe('15:05');
    const ja = formatter('ja-JP', 'Asia/Tokyo');
    expect(ja.value(NOW, null, null, 'epoch-ms', NOW)).toBe('23:05');
  });

  it('falls back to en/UTC for a bad locale or zone', () => {
    const f = formatter('not a locale!!', 'Mars/Olympus');
    expect([f.locale, f.timeZone]).toEqual(['en', 'UTC']);
  });
});

describe('colours and overrides', () => {
  it('parses github-readme-stats colours', () => {
    expect(parseHex('fff')).toEqual({ r: 255, g: 255, b: 255, a: 1 });
    expect(parseHex('#00000080')?.a).toBeCloseTo(0.502, 2);
    expect(parseHex('zzz')).toBeNull();
    expect(parseFill('35,e4b5ff,ffa8a8')).toMatchObject({ angle: 35, stops: [{ r: 0xe4 }, { r: 0xff }] });
    expect(parseFill('35,e4b5ff')).toBeNull();
  });

  it('applies overrides and ignores what does not parse', () => {
    const dark = loadThemes([`${root}themes`]).get('dark')!;
    const t = applyOverrides(dark, {
      bg_color: '90,000000,ffffff',
      title_color: 'ff0000',
      icon_color: '00ff00',
      border_radius: 0,
      hide_border: 'true',
      text_color: 'nope',
    });
    expect(t.background).toMatchObject({ angle: 90 });
    expect(t.colours.title).toEqual({ r: 255, g: 0, b: 0, a: 1 });
    expect(t.colours.accent).toEqual({ r: 0, g: 255, b: 0, a: 1 });
    expect(t.colours.text).toEqual(dark.colours.text);
    expect([t.borderRadius, t.hideBorder]).toEqual([0, true]);
  });

  it('validates query values for the server', () => {
    expect(colourOverridesSchema.safeParse({ bg_color: '00000000', border_radius: '4' }).success).toBe(true);
    expect(colourOverridesSchema.safeParse({ bg_color: 'red' }).success).toBe(false);
  });
});
