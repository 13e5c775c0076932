import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { demoPosters } from '../../src/render/gallery/gallery.js';
import { demoData, sampleNetworkHistory, sampleNetworkSnapshot, typeOnlySnapshot } from '../../src/render/gallery/demo-data.js';
import type { RenderInput, Renderer } from '../../src/render/index.js';
import { input, repoRenderer, root } from '../render/helpers.js';
import { CHANNEL_TOLERANCE, GOLDEN_SHARE } from '../render/pixels.js';

/**
 * Golden images: every built-in template in every built-in theme at 1x and 2x, and one template
 * in every shipped locale, compared with a bounded per-pixel diff (a Skia or libvips upgrade may
 * move anti-aliasing by a shade; a layout change moves far more).
 *
 * A missing golden fails: a new template, theme or locale needs its picture looked at and added
 * on purpose. On failure the actual image and a diff (changed pixels in red) are written to
 * test-output/golden (git-ignored). Write or rewrite them with
 *   UPDATE_GOLDEN=1 npx vitest run test/golden
 * and look at every changed file before committing it.
 */
const here = fileURLToPath(new URL('./', import.meta.url));
const failures = join(root, 'test-output', 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** Listed here, not read from the renderer, so a template, theme or locale that disappears fails too. */
const TEMPLATES = ['banner', 'card', 'health', 'network', 'nowplaying', 'og', 'signature', 'stats', 'status', 'userbar'];
const THEMES = [
  'catppuccin_latte',
  'catppuccin_mocha',
  'dark',
  'dracula',
  'gruvbox',
  'gruvbox_light',
  'high_contrast',
  'high_contrast_light',
  'light',
  'nord',
  'nord_light',
  'ocean',
  'plex',
  'plex_light',
  'solarized_dark',
  'solarized_light',
  'sunset',
  'transparent',
];
const LOCALES = ['de', 'en', 'es', 'fr', 'it', 'ja', 'pt-BR'];

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

async function matches(dir: string, name: string, over: Partial<RenderInput>): Promise<void> {
  const img = await r.render(input({ posters, ...over }));
  const file = join(here, dir, `${name}.png`);
  if (UPDATE) {
    mkdirSync(join(here, dir), { recursive: true });
    writeFileSync(file, img.png);
    return;
  }
  if (!existsSync(file)) {
    mkdirSync(failures, { recursive: true });
    writeFileSync(join(failures, `${name}.actual.png`), img.png);
    expect.fail(`no golden ${dir}/${name}.png: look at ${join(failures, `${name}.actual.png`)}, then UPDATE_GOLDEN=1 to add it`);
  }
  const actual = PNG.sync.read(img.png);
  const expected = PNG.sync.read(readFileSync(file));
  expect([actual.width, actual.height]).toEqual([expected.width, expected.height]);
  const d = diff(actual, expected);
  if (d.share > GOLDEN_SHARE) {
    mkdirSync(failures, { recursive: true });
    writeFileSync(join(failures, `${name}.actual.png`), img.png);
    writeFileSync(join(failures, `${name}.diff.png`), PNG.sync.write(d.image));
  }
  expect(d.share, `${(d.share * 100).toFixed(2)}% of pixels differ; see ${failures}`).toBeLessThanOrEqual(GOLDEN_SHARE);
}

describe('golden images', () => {
  it('cover every built-in template, theme and locale', () => {
    expect([...r.templates.keys()].sort()).toEqual(TEMPLATES);
    expect([...r.themes.keys()].sort()).toEqual(THEMES);
    expect(r.locales.slice().sort()).toEqual(LOCALES);
  });

  const cases = TEMPLATES.flatMap((t) => THEMES.flatMap((th) => [1, 2].map((scale) => [t, th, scale as 1 | 2] as const)));
  it.each(cases)('%s in %s at %dx matches its golden', async (template, theme, scale) => {
    await matches('templates', `${template}-${theme}${scale === 2 ? '@2x' : ''}`, {
      template,
      theme,
      params: { scale },
      ...demoData(template),
    });
  });

  // The network template at its most crowded (8 servers, every row state: busy, overloaded,
  // offline) and as a one-server Marquee draws it (no `network`: the server is the one row).
  const network = [
    ['network-8', { snapshot: sampleNetworkSnapshot(8), history: sampleNetworkHistory(8) }],
    ['network-1', {}],
  ] as const;
  const networkCases = network.flatMap(([name, data]) => ['dark', 'light'].map((theme) => [name, theme, data] as const));
  it.each(networkCases)('%s in %s matches its golden', async (name, theme, data) => {
    await matches('network', `${name}-${theme}`, { template: 'network', theme, params: { scale: 1 }, ...data });
  });

  // The default policy's words (type-only), where most of the catalogue shows.
  it.each(LOCALES)('signature in %s matches its golden', async (locale) => {
    await matches('locales', `signature-${locale}`, {
      template: 'signature',
      theme: 'light',
      snapshot: typeOnlySnapshot(),
      params: { scale: 1, locale, timeZone: 'Europe/Paris' },
    });
  });

  it('has no golden that no case checks', () => {
    const want = new Set([
      ...cases.map(([t, th, s]) => `templates/${t}-${th}${s === 2 ? '@2x' : ''}.png`),
      ...LOCALES.map((l) => `locales/signature-${l}.png`),
      ...networkCases.map(([name, theme]) => `network/${name}-${theme}.png`),
    ]);
    const have = ['templates', 'locales', 'network'].flatMap((d) =>
      existsSync(join(here, d)) ? readdirSync(join(here, d)).map((f) => `${d}/${f}`) : [],
    );
    expect(have.filter((f) => !want.has(f))).toEqual([]);
  });
});
