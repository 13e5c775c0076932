import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GlobalFonts, createCanvas } from '@napi-rs/canvas';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TextOp } from '../../src/render/drawlist.js';
import { fontString, registerFonts } from '../../src/render/fonts.js';
import { input, repoRenderer, root } from './helpers.js';
import { sampleSnapshot, typeOnlySnapshot } from './sample.js';

/**
 * Text must never turn into boxes when a font that has the glyphs is available. Latin, Cyrillic
 * and Greek come from the bundled Inter and DejaVu, Japanese from the bundled Noto Sans JP subset
 * (scripts/subset-cjk-font.ts), so no image in a shipped locale depends on the machine's fonts;
 * other CJK and emoji from a system font when one is installed (those cases skip without one:
 * there is nothing to fall back to).
 */
beforeAll(() => registerFonts(`${root}fonts`));

/** Raster one string and return its pixels, to compare glyphs against the "missing" box. */
function raster(text: string): string {
  const c = createCanvas(60, 30);
  const ctx = c.getContext('2d');
  ctx.font = fontString({ size: 20, weight: 400 });
  ctx.fillStyle = '#000';
  ctx.fillText(text, 2, 22);
  return Buffer.from(c.data()).toString('base64');
}

// U+10FFFD is a private-use code point no font maps, so it draws the .notdef box. (Not U+E000:
// Inter has a glyph there, which made every comparison against it pass.)
const TOFU = raster('\u{10FFFD}');
const families = (): string[] => GlobalFonts.families.map((f) => f.family);
const hasSystemCjk = families().some((f) => /CJK|Han Sans|WenQuanYi|Droid Sans Fallback/.test(f));
const hasEmoji = families().some((f) => /Emoji|Twemoji|Symbola/.test(f));

describe('font coverage', () => {
  it('has a real "missing glyph" box to compare against', () => {
    expect(TOFU).not.toBe(raster(''));
  });

  it.each(['Ж', 'Ω', 'ß', 'ñ', 'Ł'])('draws %s from the bundled fonts', (ch) => {
    expect(raster(ch)).not.toBe(TOFU);
  });

  it.each(['千', '尋', 'ス', '秒'])('draws Japanese %s from the bundled fonts', (ch) => {
    expect(raster(ch)).not.toBe(TOFU);
  });

  it.skipIf(!hasSystemCjk)('draws Korean from an installed system font', () => {
    expect(raster('생')).not.toBe(TOFU);
  });

  it.skipIf(!hasEmoji)('draws emoji from an installed emoji font', () => {
    expect(raster('🎬')).not.toBe(TOFU);
  });

  it('registers the bundled faces under our own aliases, before any system family', () => {
    expect(families()).toEqual(expect.arrayContaining(['MarqueeInter', 'MarqueeDejaVu', 'MarqueeNotoJP']));
    expect(fontString({ size: 12, weight: 700 })).toMatch(/^700 12px MarqueeInter, MarqueeDejaVu, MarqueeNotoJP, /);
  });
});

/**
 * The code points a TrueType font maps to a glyph, read from its cmap table (formats 4 and 12,
 * as the OpenType spec defines them): an oracle that is neither Skia nor the host's fontconfig.
 */
function cmap(file: string): Set<number> {
  const b = readFileSync(join(root, 'fonts', file));
  const tables = b.readUInt16BE(4);
  let at = -1;
  for (let i = 0; i < tables; i++) {
    const rec = 12 + 16 * i;
    if (b.toString('latin1', rec, rec + 4) === 'cmap') at = b.readUInt32BE(rec + 8);
  }
  expect(at, `${file} has a cmap`).toBeGreaterThan(0);
  const out = new Set<number>();
  for (let i = 0; i < b.readUInt16BE(at + 2); i++) {
    const rec = at + 4 + 8 * i;
    const [platform, encoding] = [b.readUInt16BE(rec), b.readUInt16BE(rec + 2)];
    if (platform !== 3 || (encoding !== 1 && encoding !== 10)) continue;
    const sub = at + b.readUInt32BE(rec + 4);
    const format = b.readUInt16BE(sub);
    if (format === 12) {
      for (let g = 0; g < b.readUInt32BE(sub + 12); g++) {
        const grp = sub + 16 + 12 * g;
        for (let c = b.readUInt32BE(grp); c <= b.readUInt32BE(grp + 4); c++) out.add(c);
      }
    } else if (format === 4) {
      const segs = b.readUInt16BE(sub + 6) / 2;
      const ends = sub + 14;
      const starts = ends + 2 * segs + 2;
      const deltas = starts + 2 * segs;
      const offsets = deltas + 2 * segs;
      for (let s = 0; s < segs; s++) {
        const [end, start, delta, offset] = [ends, starts, deltas, offsets].map((t) => b.readUInt16BE(t + 2 * s)) as [
          number,
          number,
          number,
          number,
        ];
        for (let c = start; c <= end && c !== 0xffff; c++) {
          let glyph = offset === 0 ? c : b.readUInt16BE(offsets + 2 * s + offset + 2 * (c - start));
          if (glyph !== 0) glyph = (glyph + delta) & 0xffff;
          if (glyph !== 0) out.add(c);
        }
      }
    }
  }
  return out;
}

describe('Japanese is drawn from the repository, never from the host', () => {
  const JP = ['NotoSansJP_400Regular.subset.ttf', 'NotoSansJP_600SemiBold.subset.ttf', 'NotoSansJP_700Bold.subset.ttf'];
  const latin = new Set([...cmap('Inter_400Regular.ttf'), ...cmap('DejaVuSans.ttf')]);

  /** What the ja catalogue says (placeholders out) and what every template draws in Japanese. */
  function japaneseText(): string[] {
    const words = (v: unknown): string[] =>
      typeof v === 'string' ? [v.replace(/\{[^}]*\}/g, '')] : v && typeof v === 'object' ? Object.values(v).flatMap(words) : [];
    const file = JSON.parse(readFileSync(join(root, 'locales', 'ja.json'), 'utf8')) as { messages: unknown };
    const r = repoRenderer();
    const drawn = [...r.templates.keys()].flatMap((template) =>
      [sampleSnapshot(), typeOnlySnapshot(), null].flatMap((snapshot) =>
        r
          .layout(input({ template, snapshot, params: { scale: 1, locale: 'ja', timeZone: 'Asia/Tokyo' } }))
          .ops.filter((o): o is TextOp => o.op === 'text')
          .map((o) => o.text),
      ),
    );
    return [...words(file.messages), ...drawn];
  }

  it('has every character the ja catalogue and the templates draw in Japanese, in every weight', () => {
    const needed = [...new Set([...japaneseText().join('')])].filter((ch) => ch.trim() !== '' && !latin.has(ch.codePointAt(0)!));
    expect(needed.length, 'the Japanese text has characters beyond Latin').toBeGreaterThan(50);
    for (const file of JP) {
      const have = cmap(file);
      const missing = needed.filter((ch) => !have.has(ch.codePointAt(0)!));
      expect(missing, `${file} lacks ${missing.join(' ')}: run npx tsx scripts/subset-cjk-font.ts`).toEqual([]);
    }
  });

  it('has all of kana and the demo titles, and stays a subset', () => {
    const have = cmap(JP[0]!);
    const kana = [...Array(0x3096 - 0x3041 + 1).keys()]
      .map((i) => 0x3041 + i)
      .concat([...Array(0x30fa - 0x30a1 + 1).keys()].map((i) => 0x30a1 + i));
    expect(kana.filter((c) => !have.has(c))).toEqual([]);
    for (const title of ['千と千尋の神隠し', '風の谷の灯台', '東京の夜明け', '月影のワルツ', '星屑オーケストラ', '田中 健二']) {
      expect(
        [...title].filter((ch) => ch !== ' ' && !have.has(ch.codePointAt(0)!)),
        title,
      ).toEqual([]);
    }
    // The whole Noto Sans JP maps ~17,000 characters (5.5 MB a weight).
    expect(have.size).toBeLessThan(2000);
    for (const file of JP.slice(1)) expect([...cmap(file)].sort()).toEqual([...have].sort());
  });
});
