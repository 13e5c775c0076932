import { request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_NOW_MS } from '../support/fixtures.js';
import { decodePng } from '../support/png.js';
import { collectServers, startServing, type ServingRig } from './network-rig.js';

/**
 * Hostile URLs on the routes that name a server (issue 20): `/i/<server>/<file>`,
 * `/v/<etag>/<server>/<file>`, `/embed/<server>/<name>`, `/health/<server>`. Generated paths, sent
 * as they are (node:http, no URL normalisation), one at a time so each one's cost is its own:
 * every answer keeps the contract of the one-server routes (an image route answers an image, data
 * routes JSON, never a 5xx or a leaked path), and only a server the config names is ever drawn or
 * read.
 */

const NOW = FIXTURE_NOW_MS + 30_000;
const SEED = 20;
const RUNS = 400;
const KNOWN = new Set(['home', '4k']);

let rig: ServingRig;
let cleanup: () => void;
beforeAll(async () => {
  const { servers, network, cleanup: done } = await collectServers(2);
  cleanup = done;
  rig = await startServing({ servers, network, clock: () => NOW });
}, 60_000);
afterAll(async () => {
  await rig?.stop();
  cleanup?.();
});

/** A server segment: the real ids, near misses, reserved keys, traversal and junk, as typed or escaped. */
const serverId = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('home', '4k') },
  {
    weight: 2,
    arbitrary: fc.constantFrom('HOME', '4K', 'home%20', '%20home', '_network', 'default', 'home-', '-4k', '4k.', 'hom', 'home4k'),
  },
  { weight: 2, arbitrary: fc.constantFrom('..', '.', '%2e%2e', '..%2f..%2fetc', 'a%2Fb', '%00', '%zz', '%', 'home%00', 'home%2F..') },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z0-9_-]{1,40}$/) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.integer({ min: 33, max: 3000 }).map((n) => 'a'.repeat(n)) },
);
const file = fc
  .record({
    name: fc.constantFrom('signature', 'status', 'og', 'nope', 'network', '..'),
    suffix: fc.constantFrom('', '-light', '-banner', '-banner-nord', '-nope', '-light-banner'),
    scale: fc.constantFrom('', '@2x', '@3x'),
    ext: fc.constantFrom('.png', '.png', '.json', '.shields.json', '.svg', '', '.PNG'),
  })
  .map((f) => `${f.name}${f.suffix}${f.scale}${f.ext}`);
const query = fc.constantFrom('', '', '?theme=light', '?bg_color=zz', '?size=card', '?scale=2', '?theme=light&theme=nope');
const route = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(serverId, file, query).map(([s, f, q]) => ({ server: s, path: `/i/${s}/${f}${q}` })) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('A'.repeat(27), 'short', '%41'.repeat(27)), serverId, file)
      .map(([e, s, f]) => ({ server: s, path: `/v/${e}/${s}/${f}` })),
  },
  { weight: 1, arbitrary: fc.tuple(serverId, file).map(([s, f]) => ({ server: s, path: `/embed/${s}/${f.replace(/\..*$/, '')}` })) },
  { weight: 1, arbitrary: serverId.map((s) => ({ server: s, path: `/health/${s}` })) },
);

interface Answer {
  status: number;
  type: string;
  body: Buffer;
}

function get(path: string): Promise<Answer> {
  const { hostname, port } = new URL(rig.url);
  return new Promise((resolve, reject) => {
    request({ host: hostname, port, path, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }),
      );
    })
      .on('error', reject)
      .end();
  });
}

const LEAKS = [/\n\s+at .+[(:]/, /\/work\//, /\/tmp\//, /node_modules/, /SqliteError|ZodError|TypeError/];

/** What is wrong with one answer, or null. */
function violation(path: string, a: Answer): string | null {
  if (a.status >= 500 || a.status < 200) return `status ${a.status}`;
  if (LEAKS.some((re) => re.test(a.body.toString('latin1')))) return 'leaks a path or an error';
  if (a.type.startsWith('image/png')) {
    const png = decodePng(a.body);
    return png.width > 2400 || png.height > 1260 ? `PNG of ${png.width}x${png.height}` : null;
  }
  if (a.type.startsWith('image/svg+xml')) return a.status === 200 && /^\/i\/[a-z0-9-]+\/[^/?]+\.svg(\?|$)/.test(path) ? null : 'stray SVG';
  if (/json/.test(a.type)) {
    JSON.parse(a.body.toString('utf8'));
    return null;
  }
  if (a.type.startsWith('text/html')) return path.startsWith('/embed/') ? null : `HTML ${a.status}`;
  // An image route's error is an image, whatever was wrong with the URL.
  if (/^\/[iv]\/.*\.png(\?|$)/.test(path) && a.status >= 400) return `image route answered ${a.status} ${a.type}`;
  return a.status === 404 ? null : `unexpected ${a.status} ${a.type}`;
}

describe('hostile URLs naming a server', () => {
  it(`keep the contract over ${RUNS} generated requests, and draw or read only the servers the config names`, async () => {
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (const { server, path } of fc.sample(route, { numRuns: RUNS, seed: SEED })) {
      const renders = rig.serving.renders.renderCount;
      const reads = [...rig.providers.entries()].filter(([key]) => key !== '').map(([key, p]) => [key, p.reads] as const);
      const answer = await get(path);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      const problem = violation(path, answer);
      if (problem) failures.push(`${problem} <- ${path.slice(0, 120)}`);
      let decoded: string | null;
      try {
        decoded = decodeURIComponent(server);
      } catch {
        decoded = null;
      }
      const known = decoded !== null && KNOWN.has(decoded);
      if (!known && rig.serving.renders.renderCount !== renders) failures.push(`rendered for ${JSON.stringify(server)} <- ${path}`);
      for (const [key, before] of reads) {
        if (key !== decoded && rig.providers.get(key)!.reads !== before)
          failures.push(`read ${key} for ${JSON.stringify(server)} <- ${path}`);
      }
    }
    expect(failures.slice(0, 20)).toEqual([]);
    // The sample reaches every kind of answer: images, their errors, and refusals.
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([200, 400, 404]));
  }, 120_000);
});
