import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { demoPosters } from '../../src/render/gallery/gallery.js';
import type { Renderer } from '../../src/render/index.js';
import { input, repoRenderer, root } from '../render/helpers.js';

/**
 * Golden images: every built-in template in two themes, compared with a bounded per-pixel diff
 * (a Skia or libvips upgrade may move anti-aliasing by a shade; a layout change moves far more).
 * On failure the actual image and a diff (changed pixels in red) are written to test-output/golden
 * (git-ignored).
 * Regenerate on purpose with UPDATE_GOLDEN=1 npx vitest run test/golden.
 */
const here = fileURLToPath(new URL('./', import.meta.url));
const failures = join(root, 'test-output', 'golden');
const THEMES = ['dark', 'light'];
/** A pixel "differs" when a channel moves more than this. */
const CHANNEL_TOLERANCE = 40;
/** At most this share of pixels may differ. */
const MAX_DIFF_SHARE = 0.0015;

interface Diff {
  share: number;
  image: PNG;
}

function diff(a: PNG, b: PNG): Diff {
  const out = new PNG({ width: a.width, height: a.height });
  let bad = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    let max = 0;
    for (let c = 0; c < 4; c++) max = Math.max(max, Math.abs((a.data[i + c] ?? 0) - (b.data[i + c] ?? 0)));
    const off = max > CHANNEL_TOLERANCE;
    if (off) bad++;
    // Faded expected image underneath, changed pixels in solid red.
    const grey = Math.round(((b.data[i] ?? 0) + (b.data[i + 1] ?? 0) + (b.data[i + 2] ?? 0)) / 6 + 128);
    out.data[i] = off ? 255 : grey;
    out.data[i + 1] = off ? 0 : grey;
    out.data[i + 2] = off ? 0 : grey;
    out.data[i + 3] = 255;
  }
  return { share: bad / (a.width * a.height), image: out };
}

let r: Renderer;
let posters: Map<string, Buffer>;
beforeAll(async () => {
  r = repoRenderer();
  posters = await demoPosters(r, `${root}assets/demo-posters`);
});

describe('golden images', () => {
  const cases = ['banner', 'card', 'health', 'nowplaying', 'og', 'signature', 'status', 'userbar'].flatMap((t) =>
    THEMES.map((th) => [t, th] as const),
  );

  it.each(cases)('%s in %s matches its golden', async (template, theme) => {
    const img = await r.render(input({ template, theme, posters }));
    const file = join(here, `${template}-${theme}.png`);
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
      writeFileSync(file, img.png);
      return;
    }
    const actual = PNG.sync.read(img.png);
    const expected = PNG.sync.read(readFileSync(file));
    expect([actual.width, actual.height]).toEqual([expected.width, expected.height]);
    const d = diff(actual, expected);
    if (d.share > MAX_DIFF_SHARE) {
      mkdirSync(failures, { recursive: true });
      writeFileSync(join(failures, `${template}-${theme}.actual.png`), img.png);
      writeFileSync(join(failures, `${template}-${theme}.diff.png`), PNG.sync.write(d.image));
    }
    expect(d.share, `${(d.share * 100).toFixed(2)}% of pixels differ; see ${failures}`).toBeLessThanOrEqual(MAX_DIFF_SHARE);
  });
});
