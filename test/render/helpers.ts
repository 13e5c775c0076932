import { fileURLToPath } from 'node:url';
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
