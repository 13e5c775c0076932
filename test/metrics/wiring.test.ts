import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load.js';
import { FIXTURE_NOW_MS } from '../support/fixtures.js';
import { startTestMarquee } from '../support/marquee-instance.js';
import { decodePng } from '../support/png.js';

/** A custom metric defined in config is collected, bound in a user template, listed and health-checked. */
const templatesDir = mkdtempSync(path.join(tmpdir(), 'marquee-user-templates-'));
writeFileSync(
  path.join(templatesDir, 'plays.json'),
  JSON.stringify({
    name: 'plays',
    description: 'late-night plays (a custom metric)',
    width: 300,
    height: 40,
    widgets: [{ type: 'text', text: 'Late plays: {metrics.late_plays}', x: 8, y: 8, w: 284, h: 24, size: 14 }],
  }),
);
const yaml = `render:
  templatesDir: ${templatesDir}
metrics:
  late_plays:
    source: tautulli
    sql: "SELECT COUNT(*) AS value FROM session_history WHERE stopped >= :since_30d AND CAST(strftime('%H', started, 'unixepoch') AS INTEGER) >= 23"
    returns: scalar
    type: integer
    unit: count
    description: Plays started after 23:00 in the last 30 days
  broken:
    source: tautulli
    sql: "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r) SELECT MAX(x) AS value FROM r"
    returns: scalar
    type: integer
    timeoutMs: 300
`;

let marquee: Awaited<ReturnType<typeof startTestMarquee>>;
beforeAll(async () => {
  marquee = await startTestMarquee({ clock: () => FIXTURE_NOW_MS, yaml });
});
afterAll(async () => marquee?.stop());

describe('custom metrics, wired', () => {
  it('land in the snapshot, the failing one errored alone', () => {
    const metrics = marquee.collector.latest!.metrics;
    expect(metrics.late_plays).toMatchObject({ status: 'ok' });
    expect(typeof metrics.late_plays!.value).toBe('number');
    expect(metrics.broken!.status).toBe('error');
    expect(marquee.collector.latest!.library).not.toBeNull();
  });

  it('bind in a user template like built-in fields', async () => {
    const res = await fetch(`${marquee.url}/i/plays.png`);
    expect(res.status).toBe(200);
    expect(decodePng(Buffer.from(await res.arrayBuffer())).width).toBe(300);
    const list = JSON.stringify(
      marquee.renderer.layout({
        snapshot: marquee.collector.latest,
        history: [],
        template: 'plays',
        theme: 'dark',
        params: { scale: 1 },
        now: FIXTURE_NOW_MS,
        staleAfterMs: 1e9,
      }),
    );
    expect(list).toContain(`Late plays: ${marquee.collector.latest!.metrics.late_plays!.value}`);
  });

  it('appear in /privacy and /health', async () => {
    const inventory = (await (await fetch(`${marquee.url}/privacy`)).json()) as { fields: { path: string; exposedBy: string[] }[] };
    expect(inventory.fields.find((f) => f.path === 'metrics.late_plays')?.exposedBy).toEqual(['plays']);
    const health = (await (await fetch(`${marquee.url}/health`)).json()) as { checks: Record<string, { status: string }[]> };
    expect(health.checks['metric:late_plays']![0]!.status).toBe('pass');
    expect(health.checks['metric:broken']![0]!.status).toBe('warn');
  });
});

describe('bad metric definitions', () => {
  it('stop start-up with a message naming the metric and the problem', async () => {
    const bad = `metrics:\n  wipe:\n    source: tautulli\n    sql: "DELETE FROM users"\n    returns: scalar\n    type: integer\n`;
    const err = await startTestMarquee({ yaml: bad }).then(
      async (m) => {
        await m.stop();
        return null;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/metric "wipe"/);
  });
});
