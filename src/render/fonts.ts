import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GlobalFonts, createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import type { FontSpec } from './drawlist.js';
import type { Measurer } from './layout/context.js';

/**
 * Fonts are registered once, under our own aliases, and always named first in every font string,
 * so Latin, Cyrillic, Greek and the Japanese Marquee draws never depend on the host. Only glyphs
 * the bundled fonts lack (other CJK, emoji, other scripts) fall through to the system families
 * listed after them, by name, when installed.
 */
export const PRIMARY = 'MarqueeInter';
export const SECONDARY = 'MarqueeDejaVu';
/**
 * Noto Sans JP cut down to the Japanese Marquee draws (the ja catalogue, Intl's Japanese, kana,
 * CJK punctuation, the demo titles): scripts/subset-cjk-font.ts, ~170 KB a weight instead of
 * 5.5 MB. A title's kanji outside it fall through to a system CJK font.
 */
export const JAPANESE = 'MarqueeNotoJP';

const bundled: [file: string, alias: string, required: boolean][] = [
  ['Inter_400Regular.ttf', PRIMARY, true],
  ['Inter_600SemiBold.ttf', PRIMARY, true],
  ['Inter_700Bold.ttf', PRIMARY, true],
  ['DejaVuSans.ttf', SECONDARY, false],
  ['DejaVuSans-Bold.ttf', SECONDARY, false],
  ['NotoSansJP_400Regular.subset.ttf', JAPANESE, false],
  ['NotoSansJP_600SemiBold.subset.ttf', JAPANESE, false],
  ['NotoSansJP_700Bold.subset.ttf', JAPANESE, false],
];

/** System families tried for scripts the bundled fonts lack. Order: CJK, then emoji. */
const systemFallbacks = [
  'Noto Sans CJK SC',
  'Noto Sans CJK JP',
  'Noto Sans CJK KR',
  'Noto Sans CJK TC',
  'Source Han Sans SC',
  'WenQuanYi Zen Hei',
  'WenQuanYi Micro Hei',
  'Droid Sans Fallback',
  'Noto Sans Arabic',
  'Noto Sans Hebrew',
  'Noto Sans Devanagari',
  'Noto Sans Thai',
  'Noto Color Emoji',
  'Noto Emoji',
  'Twemoji',
  'Symbola',
];

export class FontError extends Error {}

export function registerFonts(dir: string): void {
  // Fonts are process-wide in Skia; a second renderer (tests, reload) must not stack duplicates.
  if (GlobalFonts.has(PRIMARY)) return;
  for (const [file, alias, required] of bundled) {
    const path = join(dir, file);
    if (!existsSync(path)) {
      if (required) throw new FontError(`font file missing: ${path}`);
      continue;
    }
    // registerFromPath returns null (it does not throw) for an unreadable font.
    if (GlobalFonts.registerFromPath(path, alias) === null && required) throw new FontError(`cannot load font: ${path}`);
  }
}

const familyList = [PRIMARY, SECONDARY, JAPANESE, ...systemFallbacks].map((f) => (f.includes(' ') ? `"${f}"` : f)).join(', ');

export function fontString(f: FontSpec, scale = 1): string {
  return `${f.weight} ${f.size * scale}px ${familyList}`;
}

/**
 * A canvas-backed measurer with a bounded memo (layout measures the same strings many times while
 * truncating). It belongs to one renderer instance, never to the module.
 */
export function createMeasurer(): Measurer {
  const ctx: SKRSContext2D = createCanvas(1, 1).getContext('2d');
  const memo = new Map<string, number>();
  let current = '';
  return {
    width(text: string, font: FontSpec): number {
      const fs = fontString(font);
      const key = `${fs}\u0000${text}`;
      const hit = memo.get(key);
      if (hit !== undefined) return hit;
      if (fs !== current) {
        ctx.font = fs;
        current = fs;
      }
      const w = ctx.measureText(text).width;
      if (memo.size > 20_000) memo.clear();
      memo.set(key, w);
      return w;
    },
  };
}
