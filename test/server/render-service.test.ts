import { afterAll, describe, expect, it } from 'vitest';
import type { Renderer } from '../../src/render/index.js';
import { RenderService } from '../../src/server/render-service.js';
import { sampleSnapshot } from '../support/sample-snapshot.js';

/** ETags: what makes two renders different must make their ETags different, and nothing else. */
describe('RenderService ETags', () => {
  const renderer = { templates: new Map(), themes: new Map() } as unknown as Renderer;
  const service = new RenderService(renderer, {
    cacheBytes: 1 << 20,
    concurrency: 1,
    timeoutMs: 1000,
    staleAfterMs: 60_000,
    etagSecret: 'k'.repeat(32),
  });
  const request = { template: 'signature', theme: 'dark', params: { scale: 1 as const } };
  const now = Date.UTC(2026, 8, 21, 12, 0, 30);
  const snapshot = sampleSnapshot();

  it("differ between two servers' images drawn from snapshots of the same moment (issue 20)", () => {
    const one = service.etagFor(snapshot, request, now);
    expect(service.etagFor(snapshot, { ...request, server: '' }, now)).toBe(one);
    expect(service.etagFor(snapshot, { ...request, server: 'fourk' }, now)).not.toBe(one);
    expect(service.etagFor(snapshot, { ...request, server: 'home' }, now)).not.toBe(
      service.etagFor(snapshot, { ...request, server: 'fourk' }, now),
    );
  });

  it('are the same within a render-minute and change with the next', () => {
    const one = service.etagFor(snapshot, request, now);
    expect(service.etagFor(snapshot, request, now + 29_000)).toBe(one);
    expect(service.etagFor(snapshot, request, now + 30_000)).not.toBe(one);
  });

  afterAll(() => service.close());
});

/** Posters come from the server the image is of (issue 20): RenderService says which. */
describe('RenderService posters', () => {
  it("are asked for with the request's server, '' for what /i/<name>.png shows", async () => {
    const asked: string[] = [];
    const image = { png: Buffer.from('png'), width: 1, height: 1 };
    const renderer = {
      templates: new Map([['nowplaying', { width: 1, height: 1 }]]),
      themes: new Map(),
      render: () => Promise.resolve(image),
    } as unknown as Renderer;
    const service = new RenderService(renderer, {
      cacheBytes: 1 << 20,
      concurrency: 1,
      timeoutMs: 1000,
      staleAfterMs: 60_000,
      etagSecret: 'k'.repeat(32),
      posters: (_template, _snapshot, server) => {
        asked.push(server);
        return Promise.resolve(new Map());
      },
    });
    try {
      const request = { template: 'nowplaying', theme: 'dark', params: { scale: 1 as const } };
      const now = Date.UTC(2026, 8, 21, 12, 0, 30);
      await service.render(sampleSnapshot(), [], { ...request, server: '4k' }, now);
      await service.render(sampleSnapshot(), [], request, now);
      expect(asked).toEqual(['4k', '']);
    } finally {
      service.close();
    }
  });
});
