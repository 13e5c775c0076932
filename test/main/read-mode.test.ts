import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixtureDbs, FIXTURE_NOW_MS } from '../support/fixtures.js';
import { startTestMarquee, type TestMarquee } from '../support/marquee-instance.js';

/**
 * `serve --no-collect` beside a collecting instance on one data directory (README, "Several
 * renderers"): the renderer must show each new cycle the collector stores, not the snapshot it
 * found when it started. The oracle is the collector's own snapshot, compared by `takenAt`.
 */
const dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-shared-'));
const dbs = copyFixtureDbs('tiny');
let now = FIXTURE_NOW_MS;
let collector: TestMarquee;
let renderer: TestMarquee;

const takenAtShown = async (m: TestMarquee) =>
  ((await (await fetch(`${m.url}/i/signature.json`)).json()) as { snapshot: { takenAt: number } }).snapshot.takenAt;

beforeAll(async () => {
  collector = await startTestMarquee({ dataDir, dbs, clock: () => now });
  renderer = await startTestMarquee({ dataDir, dbs, clock: () => now, readOnly: true });
});
afterAll(async () => {
  await renderer?.stop();
  await collector?.stop();
});

describe('a --no-collect renderer sharing the data directory with a collector', () => {
  it('shows the snapshot stored before it started', async () => {
    expect(await takenAtShown(renderer)).toBe(collector.collector.latest!.takenAt);
  });

  it("shows the collector's next cycle, and the one after", async () => {
    for (const step of [60_000, 120_000]) {
      now += step;
      const cycle = await collector.collector.collect();
      expect(cycle.takenAt).toBe(now);
      expect(await takenAtShown(renderer)).toBe(cycle.takenAt);
    }
  });

  it('never runs a collector of its own', () => {
    expect((renderer as { collector: unknown }).collector).toBeNull();
  });
});
