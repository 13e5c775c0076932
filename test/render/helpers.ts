import { fileURLToPath } from 'node:url';
import { loadCatalogues, Messages, type Catalogue } from '../../src/render/i18n/catalogue.js';
import { Formatter } from '../../src/render/format.js';
import type { TextOp } from '../../src/render/drawlist.js';
import { createRenderer, type RenderInput, type Renderer } from '../../src/render/index.js';
import { NOW, STALE_AFTER, sampleHistory, sampleSnapshot } from './sample.js';

export const root = fileURLToPath(new URL('../../', import.meta.url));

/** One renderer over the repo's built-in templates, themes and fonts. */
export function repoRenderer(): Renderer {
  return createRenderer({ templateDirs: [`${root}templates`], themeDirs: [`${root}themes`], fontsDir: `${root}fonts` });
}

export function input(over: Partial<RenderInput> = {}): RenderInput {
  return {
    snapshot: sampleSnapshot(),
    history: sampleHistory(),
    template: 'signature',
    theme: 'dark',
    params: { scale: 1 },
    now: NOW,
    staleAfterMs: STALE_AFTER,
    ...over,
  };
}

/** A run of text as layout hands it to paint: 11 px semibold, dark ink, left-aligned, whole. */
export function textOp(over: Partial<TextOp> = {}): TextOp {
  const text = over.text ?? 'Streams 4 · 117 Mb/s';
  return {
    op: 'text',
    x: 12,
    y: 40,
    text,
    font: { size: 11, weight: 600 },
    colour: { r: 20, g: 30, b: 60, a: 1 },
    align: 'left',
    truncated: false,
    full: text,
    ...over,
  };
}

/** The repository's message catalogues (locales/*.json). */
export function catalogues(): Map<string, Catalogue> {
  return loadCatalogues([`${root}locales`]);
}

/** A formatter with the words of the given catalogue. */
export function formatter(locale: string, timeZone = 'UTC', catalogue = 'en'): Formatter {
  return new Formatter(locale, timeZone, new Messages(catalogues().get(catalogue)!));
}

/** PNG chunk types in file order (to prove no metadata chunks are written). */
export function pngChunks(png: Buffer): string[] {
  const out: string[] = [];
  let off = 8;
  while (off + 8 <= png.length) {
    const len = png.readUInt32BE(off);
    out.push(png.toString('latin1', off + 4, off + 8));
    off += 12 + len;
  }
  return out;
}
