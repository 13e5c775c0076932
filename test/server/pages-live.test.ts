import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestMarquee } from '../support/marquee-instance.js';
import { decodePng } from '../support/png.js';

/** The gallery and embed pages wired into the real server, with real renders behind them. */
let marquee: Awaited<ReturnType<typeof startTestMarquee>>;

beforeAll(async () => {
  marquee = await startTestMarquee({ env: { MARQUEE_PUBLIC_URL: 'https://status.example.org' } });
});
afterAll(async () => marquee?.stop());

describe('pages on the real server', () => {
  it('lists every configured image in the gallery with absolute public URLs', async () => {
    const html = await (await fetch(`${marquee.url}/`)).text();
    for (const name of marquee.renderer.templates.keys()) expect(html).toContain(`/i/${name}.png`);
    expect(html).toContain('[img]https://status.example.org/i/signature.png[/img]');
  });

  it('points an embed at a versioned, immutable image that the server then serves', async () => {
    const html = await (await fetch(`${marquee.url}/embed/og`)).text();
    const image = /<meta property="og:image" content="https:\/\/status\.example\.org(\/v\/[\w-]+\/og\.png)"/.exec(html)?.[1];
    expect(image).toBeDefined();
    const res = await fetch(`${marquee.url}${image}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toContain('immutable');
    const png = decodePng(Buffer.from(await res.arrayBuffer()));
    expect([png.width, png.height]).toEqual([1200, 630]);
  });

  it('keeps serving a posted version after new data arrives', async () => {
    const html = await (await fetch(`${marquee.url}/embed/og`)).text();
    const image = /content="https:\/\/status\.example\.org(\/v\/[\w-]+\/og\.png)"/.exec(html)![1]!;
    const before = Buffer.from(await (await fetch(`${marquee.url}${image}`)).arrayBuffer());
    await marquee.collector.collect();
    const after = await fetch(`${marquee.url}${image}`);
    expect(after.status).toBe(200);
    expect(Buffer.from(await after.arrayBuffer()).equals(before)).toBe(true);
  });
});
