import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { demoPosters } from '../../src/render/gallery/gallery.js';
import type { Renderer } from '../../src/render/index.js';
import { demoData } from '../../src/render/gallery/demo-data.js';
import { input, repoRenderer, root } from './helpers.js';

/**
 * The cheap net under every template x theme: right size, not blank, within the template's byte
 * budget on the demo data (forum limits: banner 20 KB, signature 50 KB, card 20,000 B).
 */
let r: Renderer;
let posters: Map<string, Buffer>;
beforeAll(async () => {
  r = repoRenderer();
  posters = await demoPosters(r, `${root}assets/demo-posters`);
});

/** Distinct colours in a sample of pixels: a blank or single-colour image has one or two. */
function distinctColours(png: PNG): number {
  const seen = new Set<number>();
  for (let i = 0; i < png.data.length; i += 4 * 7) {
    seen.add(png.data.readUInt32BE(i));
  }
  return seen.size;
}

describe('every template in every theme', () => {
  it('has the built-ins the issue asks for', () => {
    expect([...r.templates.keys()].sort()).toEqual([
      'banner',
      'card',
      'health',
      'network',
      'nowplaying',
      'og',
      'signature',
      'stats',
      'status',
      'userbar',
    ]);
    const sizes = Object.fromEntries([...r.templates].map(([k, t]) => [k, `${t.width}x${t.height}`]));
    expect(sizes).toMatchObject({
      signature: '600x200',
      banner: '468x60',
      userbar: '350x19',
      card: '500x100',
      og: '1200x630',
      stats: '640x340',
    });
    expect(r.templates.get('status')?.height).toBe(20);
    expect(r.themes.size).toBeGreaterThanOrEqual(12);
    for (const t of ['plex', 'transparent', 'high_contrast', 'dark', 'light']) expect(r.themes.has(t)).toBe(true);
  });

  it('renders every template x theme at 1x: size, not blank, byte budget', async () => {
    const failures: string[] = [];
    for (const [name, t] of r.templates) {
      for (const theme of r.themes.keys()) {
        const img = await r.render(input({ template: name, theme, posters, ...demoData(name) }));
        const png = PNG.sync.read(img.png);
        const where = `${name}/${theme}`;
        if (png.width !== t.width || png.height !== t.height) failures.push(`${where}: ${png.width}x${png.height}`);
        if (distinctColours(png) < 4) failures.push(`${where}: looks blank`);
        if (t.maxBytes !== undefined && img.png.length > t.maxBytes) failures.push(`${where}: ${img.png.length} B > ${t.maxBytes}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('keeps forum budgets with a per-request gradient background', async () => {
    const overrides = { bg_color: '30,ff0080,00c0ff,ffe000' };
    for (const template of ['banner', 'signature', 'card']) {
      const list = r.layout(input({ template, posters, params: { scale: 1, overrides } }));
      expect(list.encode.palette, template).toBe(true);
      const img = await r.render(input({ template, posters, params: { scale: 1, overrides } }));
      expect(img.png.length, template).toBeLessThanOrEqual(r.templates.get(template)!.maxBytes!);
    }
    expect(r.layout(input({ template: 'og', params: { scale: 1, overrides } })).encode.palette).toBe(false);
  });

  it('renders every template at 2x with twice the pixels and the same layout', async () => {
    for (const [name, t] of r.templates) {
      const one = r.layout(input({ template: name, posters }));
      const two = r.layout(input({ template: name, posters, params: { scale: 2 } }));
      expect(two.ops).toEqual(one.ops);
      const img = await r.render(input({ template: name, posters, params: { scale: 2 } }));
      const png = PNG.sync.read(img.png);
      expect([png.width, png.height]).toEqual([t.width * 2, t.height * 2]);
    }
  });
});
