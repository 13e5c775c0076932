import { describe, expect, it } from 'vitest';
import type { PosterCache } from '../../src/posters/index.js';
import { serverPosters, thumbsOf, type PosterPolicy } from '../../src/server/server-posters.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { sampleSnapshot } from '../support/sample-snapshot.js';

/**
 * A thumb path names a poster on one Plex server only (issue 20): each render's posters are asked
 * of the cache of the server the image is of, processed by that server's policy; the network's by
 * whose server's own snapshot carries each thumb, under the stricter of the two policies. The
 * caches here record what they are asked; the expected calls are written out.
 */

type Call = { server: string; policy: PosterPolicy; thumbs: string[] };

function rig(options: { servers: Array<{ id: string; policy: PosterPolicy; thumbs?: string[] }>; network: PosterPolicy | null }) {
  const calls: Call[] = [];
  // Each server's own snapshot shows its thumbs.
  const own = new Map(options.servers.map((s) => [s.id, showing(...(s.thumbs ?? []))] as const));
  const posters = serverPosters({
    servers: options.servers.map(({ id, policy }) => ({ id, policy })),
    network: options.network,
    cacheFor: (server, policy): PosterCache => ({
      get: () => Promise.resolve(null),
      getMany: (thumbs) => {
        const list = [...thumbs].filter((t): t is string => typeof t === 'string');
        calls.push({ server, policy, thumbs: list });
        return Promise.resolve(new Map(list.map((t) => [t, Buffer.from(`${server}:${t}`)])));
      },
    }),
    snapshotOf: (id) => Promise.resolve(own.get(id) ?? null),
    // The template draws every thumb the snapshot given to it carries.
    postersFor: (_template, snapshot) => [...thumbsOf(snapshot)],
  });
  return { posters, calls };
}

/** A snapshot whose streams show these thumbs and nothing else. */
function showing(...thumbs: string[]): Snapshot {
  const s = sampleSnapshot();
  s.activity!.streams = thumbs.map((thumb) => ({
    ...sampleSnapshot().activity!.streams[0]!,
    watching: { title: 't', grandparentTitle: null, year: null, thumb },
  }));
  s.library!.recentlyAdded = [];
  s.history!.topMovies = [];
  return s;
}

const BLUR: PosterPolicy = { thumbnails: 'blur', blurSigma: 8 };
const SHOW: PosterPolicy = { thumbnails: 'show', blurSigma: 8 };
const HIDE: PosterPolicy = { thumbnails: 'hide', blurSigma: 8 };

describe('thumbsOf', () => {
  it('finds every thumb path, however deep, and nothing else', () => {
    expect([...thumbsOf(sampleSnapshot())].sort()).toEqual(['/library/metadata/9/thumb/1', '/t/1']);
    expect(thumbsOf(null).size).toBe(0);
  });

  it('finds the poster a stream keeps alone when the policy hid its title (watching: type-only)', () => {
    const s = sampleSnapshot();
    s.activity!.streams = [{ ...s.activity!.streams[0]!, watching: null, poster: '/library/metadata/77/thumb/2' }];
    s.library!.recentlyAdded = [];
    s.history!.topMovies = [];
    s.history!.topShows = [];
    expect([...thumbsOf(s)]).toEqual(['/library/metadata/77/thumb/2']);
  });
});

describe('serverPosters', () => {
  it("asks a server's image of that server's cache, under its own policy", async () => {
    const { posters, calls } = rig({
      servers: [
        { id: 'home', policy: BLUR },
        { id: '4k', policy: { thumbnails: 'blur', blurSigma: 20 } },
      ],
      network: SHOW,
    });
    await posters('nowplaying', showing('/a'), '4k');
    await posters('nowplaying', showing('/b'), 'home');
    expect(calls).toEqual([
      { server: '4k', policy: { thumbnails: 'blur', blurSigma: 20 }, thumbs: ['/a'] },
      { server: 'home', policy: BLUR, thumbs: ['/b'] },
    ]);
  });

  it("asks the only server's cache for /i/<name>.png of a Marquee without servers:", async () => {
    const { posters, calls } = rig({ servers: [{ id: 'default', policy: BLUR }], network: null });
    expect([...(await posters('nowplaying', showing('/a'), '')).keys()]).toEqual(['/a']);
    expect(calls).toEqual([{ server: 'default', policy: BLUR, thumbs: ['/a'] }]);
  });

  it("fetches each of the network's thumbs from the server whose own snapshot carries it, under the stricter policy", async () => {
    const { posters, calls } = rig({
      servers: [
        { id: 'home', policy: { thumbnails: 'blur', blurSigma: 4 }, thumbs: ['/h1', '/both'] },
        // Widened past the global policy: the network still blurs its posters.
        { id: '4k', policy: SHOW, thumbs: ['/k1', '/both'] },
        // Hides its posters: its own snapshot carries no thumb, so the network shows none of its own.
        { id: 'legacy', policy: HIDE, thumbs: [] },
      ],
      network: BLUR,
    });
    const got = await posters('nowplaying', showing('/h1', '/k1', '/both', '/legacy-only'), '');
    expect(calls).toEqual([
      { server: 'home', policy: { thumbnails: 'blur', blurSigma: 8 }, thumbs: ['/h1', '/both'] },
      { server: '4k', policy: BLUR, thumbs: ['/k1'] },
    ]);
    expect(Object.fromEntries([...got].map(([t, b]) => [t, b.toString()]))).toEqual({
      '/h1': 'home:/h1',
      '/both': 'home:/both',
      '/k1': '4k:/k1',
    });
  });

  it('under a global policy that shows, keeps a server that blurs blurred on the network', async () => {
    const { posters, calls } = rig({
      servers: [
        { id: 'home', policy: SHOW, thumbs: ['/h'] },
        { id: '4k', policy: BLUR, thumbs: ['/k'] },
      ],
      network: SHOW,
    });
    await posters('nowplaying', showing('/h', '/k'), '');
    expect(calls.map((c) => [c.server, c.policy.thumbnails])).toEqual([
      ['home', 'show'],
      ['4k', 'blur'],
    ]);
  });

  it('asks nothing for an unknown server, or for a template that draws no poster', async () => {
    const { posters, calls } = rig({
      servers: [
        { id: 'home', policy: BLUR },
        { id: '4k', policy: BLUR },
      ],
      network: BLUR,
    });
    expect((await posters('nowplaying', showing('/a'), 'nope')).size).toBe(0);
    expect((await posters('status', showing(), '')).size).toBe(0);
    expect(calls).toEqual([]);
  });
});
