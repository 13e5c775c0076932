import { createCanvas } from '@napi-rs/canvas';
import { fontString } from './fonts.js';

/**
 * Which characters no font the renderer can use draws. Skia draws such a character as the primary
 * font's "missing glyph" box (tofu) without a word, so the only way to know is to draw it: each
 * character is drawn alone and compared with U+10FFFD, a plane-16 private-use code point that no
 * font has (U+E000 would not do: Inter draws a glyph there). The same check as the locale test.
 */
export interface GlyphCheck {
  /** The distinct characters of `texts` that draw as tofu, in first-seen order. */
  missing(texts: Iterable<string>): string[];
}

/** Characters remembered per check; a hostile title can bring thousands of distinct ones. */
const MEMO_LIMIT = 20_000;

/** Nothing to draw alone, so nothing to miss: whitespace, controls, format characters (ZWJ), marks (variation selectors). */
const INVISIBLE = /^[\s\p{Cc}\p{Cf}\p{Cs}\p{M}]$/u;

export function createGlyphCheck(): GlyphCheck {
  const canvas = createCanvas(40, 30);
  const ctx = canvas.getContext('2d');
  ctx.font = fontString({ size: 20, weight: 400 });
  ctx.fillStyle = '#000';
  const raster = (ch: string): Buffer => {
    ctx.clearRect(0, 0, 40, 30);
    ctx.fillText(ch, 2, 22);
    return Buffer.from(ctx.getImageData(0, 0, 40, 30).data.buffer);
  };
  const tofu = raster('\u{10FFFD}');
  const memo = new Map<string, boolean>();
  const isTofu = (ch: string): boolean => {
    let hit = memo.get(ch);
    if (hit === undefined) {
      if (memo.size >= MEMO_LIMIT) memo.clear();
      hit = raster(ch).equals(tofu);
      memo.set(ch, hit);
    }
    return hit;
  };
  return {
    missing(texts) {
      const seen = new Set<string>();
      const out: string[] = [];
      for (const text of texts) {
        for (const ch of text) {
          if (seen.has(ch)) continue;
          seen.add(ch);
          if (!INVISIBLE.test(ch) && isTofu(ch)) out.push(ch);
        }
      }
      return out;
    },
  };
}

/** "U+6620": how a report names a character that may not display where it is read. */
export function codePoint(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}
