import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILTIN_TEMPLATES_DIR } from '../../src/paths.js';
import { copyFixtureDbs } from '../support/fixtures.js';
import { startTestMarquee, type TestMarquee } from '../support/marquee-instance.js';

/**
 * Drill: who pays for a render, and what a stranger can name (issue 16, Medium 4 and 5). Real
 * servers on 127.0.0.1. Expected counts come from the templates' sizes read from their JSON files
 * and the budget's definition in the README (`server.rateLimitPerMinute` counts 1x signatures,
 * 600x200 pixels; a render costs the pixels it draws).
 */

const NOW = Date.UTC(2026, 8, 21, 12, 0, 0);
const size = (name: string) =>
  JSON.parse(readFileSync(path.join(BUILTIN_TEMPLATES_DIR, `${name}.json`), 'utf8')) as { width: number; height: number };
const pixels = (name: string, scale: number) => size(name).width * size(name).height * scale * scale;
const UNIT = 600 * 200;

const running: TestMarquee[] = [];
afterEach(async () => {
  for (const m of running.splice(0)) await m.stop();
});
async function start(options: Parameters<typeof startTestMarquee>[0]): Promise<TestMarquee> {
  const m = await startTestMarquee(options);
  running.push(m);
  return m;
}

/** One fresh render (a colour never asked for before) claimed to be for `from`; its status. */
let colours = 0x200000;
async function status(m: TestMarquee, image: string, from: string | null): Promise<number> {
  const res = await fetch(`${m.url}/i/${image}?bg_color=${(colours += 7919).toString(16)}`, {
    headers: from ? { 'X-Forwarded-For': from } : {},
  });
  await res.arrayBuffer();
  return res.status;
}

/** Fresh renders until the first refusal: how many the client's budget paid for. */
async function rendersUntilRefused(m: TestMarquee, image: string, from: string | null, limit = 50): Promise<number> {
  for (let i = 0; i < limit; i++) {
    const s = await status(m, image, from);
    if (s === 429) return i;
    expect(s).toBe(200);
  }
  return limit;
}

describe('drill: /v/ never renders', () => {
  it('answers 404 for a version nobody pinned, even one computed with the server secret, and draws nothing', async () => {
    let now = NOW;
    const m = await start({ clock: () => now, yaml: 'server:\n  rateLimitPerMinute: 100\n' });
    // The test holds the server's secret, which is what an attacker computing ETags offline had
    // in effect: before issue 15 each such URL was a fresh og@2x render charged to the budget.
    const request = { template: 'og', theme: 'dark', params: { scale: 2 as const, locale: 'en-US', timeZone: 'UTC' } };
    const renders = m.renders.renderCount;
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      now += 60_000;
      const etag = m.renders.etagFor(m.collector.latest, request, now);
      const res = await fetch(`${m.url}/v/${etag.slice(1, -1)}/og@2x.png`);
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    expect(statuses).toEqual(Array<number>(8).fill(404));
    expect(m.renders.renderCount).toBe(renders);
  });
});

describe('drill: ETags are keyed with a secret of the install', () => {
  it('differ between two installs with the same data and clock, and survive a restart', async () => {
    const dbs = copyFixtureDbs('tiny');
    const a = await start({ dbs, clock: () => NOW });
    const b = await start({ dbs, clock: () => NOW });
    const etag = async (m: TestMarquee) => (await fetch(`${m.url}/i/signature.png`)).headers.get('etag');
    const [ea, eb] = [await etag(a), await etag(b)];
    expect(ea).toMatch(/^"[\w-]{20,}"$/);
    expect(eb).not.toBe(ea);

    const secret = path.join(a.dataDir, 'etag.secret');
    expect(statSync(secret).mode & 0o777).toBe(0o600);
    expect(readFileSync(secret, 'utf8').trim().length).toBeGreaterThanOrEqual(32);
    await a.stop();
    running.splice(running.indexOf(a), 1);
    const again = await start({ dbs, dataDir: a.dataDir, clock: () => NOW });
    expect(await etag(again)).toBe(ea);

    // Renderers behind one address share `server.etagSecret`, and with it their versioned URLs.
    const shared = 'server:\n  etagSecret: one-key-for-every-renderer\n';
    const [c, d] = [await start({ dbs, clock: () => NOW, yaml: shared }), await start({ dbs, clock: () => NOW, yaml: shared })];
    expect(await etag(c)).toBe(await etag(d));
    expect(await etag(c)).not.toBe(ea);
  });
});

describe('drill: the budget is per client and per pixel', () => {
  const units = 10;

  it('counts an IPv6 /64 as one client, behind a trusted proxy', async () => {
    const m = await start({ yaml: `server:\n  rateLimitPerMinute: ${units}\n  trustProxy: loopback\n` });
    const perMinute = Math.floor((units * UNIT) / pixels('signature', 1));
    expect(await rendersUntilRefused(m, 'signature.png', '2001:db8:a:b::1')).toBe(perMinute);
    // Same /64, other interface identifier: the same subscriber, the same (spent) budget.
    expect(await status(m, 'signature.png', '2001:db8:a:b:ffff:ffff:ffff:2')).toBe(429);
    expect(await status(m, 'signature.png', '2001:0db8:000a:000b::7')).toBe(429);
    // The neighbouring /64, and an IPv4 client, have budgets of their own.
    expect(await status(m, 'signature.png', '2001:db8:a:c::1')).toBe(200);
    expect(await status(m, 'signature.png', '198.51.100.7')).toBe(200);
  });

  it('charges a render by its pixels: after an og, fewer signatures fit', async () => {
    const m = await start({ yaml: `server:\n  rateLimitPerMinute: ${units}\n` });
    expect(await rendersUntilRefused(m, 'og.png', null, 1)).toBe(1);
    expect(await rendersUntilRefused(m, 'signature.png', null)).toBe(Math.floor((units * UNIT - pixels('og', 1)) / pixels('signature', 1)));
  });

  it('charges a render once, to the request that starts it, however many wait for it', async () => {
    // A budget of two signatures; an image proxy asks for a new image 20 times before it is drawn.
    const m = await start({ yaml: 'server:\n  rateLimitPerMinute: 2\n' });
    const renders = m.renders.renderCount;
    const statuses = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`${m.url}/i/signature.png?bg_color=0a0b0c`).then(async (r) => (await r.arrayBuffer(), r.status)),
      ),
    );
    expect(statuses).toEqual(Array<number>(20).fill(200));
    expect(m.renders.renderCount - renders).toBe(1);
    // One unit spent, one left: exactly one more fresh render fits in the minute.
    expect(await rendersUntilRefused(m, 'signature.png', null)).toBe(1);
  });

  it('charges a 2x render four times a 1x one', async () => {
    const m = await start({ yaml: `server:\n  rateLimitPerMinute: ${units}\n` });
    expect(await rendersUntilRefused(m, 'signature@2x.png', null)).toBe(Math.floor((units * UNIT) / pixels('signature', 2)));
  });

  it('ignores X-Forwarded-For unless server.trustProxy says whom to believe', async () => {
    const m = await start({ yaml: `server:\n  rateLimitPerMinute: ${units}\n` });
    const perMinute = Math.floor((units * UNIT) / pixels('signature', 1));
    // A new claimed address per request: without trustProxy they are all the socket's client.
    let allowed = 0;
    for (let i = 0; i < perMinute + 3; i++) if ((await status(m, 'signature.png', `203.0.113.${i + 1}`)) === 200) allowed++;
    expect(allowed).toBe(perMinute);
  });
});
