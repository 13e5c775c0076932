import { GlobalFonts, createCanvas } from '@napi-rs/canvas';
import { beforeAll, describe, expect, it } from 'vitest';
import { fontString, registerFonts } from '../../src/render/fonts.js';
import { root } from './helpers.js';

/**
 * Text must never turn into boxes when a font that has the glyphs is available. Latin, Cyrillic
 * and Greek come from the bundled Inter; CJK and emoji from a system font when one is installed
 * (the CJK/emoji cases skip on hosts without one: there is nothing to fall back to).
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
const hasCjk = families().some((f) => /CJK|Han Sans|WenQuanYi|Droid Sans Fallback/.test(f));
const hasEmoji = families().some((f) => /Emoji|Twemoji|Symbola/.test(f));

describe('font coverage', () => {
  it('has a real "missing glyph" box to compare against', () => {
    expect(TOFU).not.toBe(raster(''));
  });

  it.each(['Ж', 'Ω', 'ß', 'ñ', 'Ł'])('draws %s from the bundled fonts', (ch) => {
    expect(raster(ch)).not.toBe(TOFU);
  });

  it.skipIf(!hasCjk).each(['千', '생', '尋'])('draws CJK %s from an installed system font', (ch) => {
    expect(raster(ch)).not.toBe(TOFU);
  });

  it.skipIf(!hasEmoji)('draws emoji from an installed emoji font', () => {
    expect(raster('🎬')).not.toBe(TOFU);
  });

  it('registers the bundled faces under our own alias', () => {
    expect(families()).toContain('MarqueeInter');
    expect(fontString({ size: 12, weight: 700 })).toMatch(/^700 12px MarqueeInter, MarqueeDejaVu/);
  });
});
