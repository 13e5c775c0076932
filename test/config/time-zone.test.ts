import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { configFile, runCli } from '../drills/support/cli.js';

/**
 * The images' time zone (issue 15, bug 5): MARQUEE_TZ, else the config file's render.timeZone,
 * else TZ (what Docker users set, LinuxServer.io style), else the system's zone. Before, TZ was
 * ignored and the images showed UTC.
 */
const dirWith = (yaml?: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'marquee-tz-'));
  if (yaml !== undefined) writeFileSync(path.join(dir, 'marquee.yaml'), yaml);
  return dir;
};
const zoneOf = (env: Record<string, string>, yaml?: string) => loadConfig(env, dirWith(yaml)).render.timeZone;

describe('render.timeZone', () => {
  it.each([
    ['TZ alone', { TZ: 'America/New_York' }, undefined, 'America/New_York'],
    ["TZ with glibc's leading colon", { TZ: ':Europe/London' }, undefined, 'Europe/London'],
    ['MARQUEE_TZ over TZ', { TZ: 'America/New_York', MARQUEE_TZ: 'Asia/Tokyo' }, undefined, 'Asia/Tokyo'],
    ['the file over TZ', { TZ: 'America/New_York' }, 'render:\n  timeZone: Europe/Paris\n', 'Europe/Paris'],
    ['MARQUEE_TZ over the file', { MARQUEE_TZ: 'Asia/Tokyo' }, 'render:\n  timeZone: Europe/Paris\n', 'Asia/Tokyo'],
  ] as const)('%s', (_what, env, yaml, zone) => {
    expect(zoneOf(env, yaml)).toBe(zone);
  });

  it("is the system's zone when nothing names one", () => {
    // The oracle is what this process's Intl reports as its own zone.
    expect(zoneOf({})).toBe(new Intl.DateTimeFormat().resolvedOptions().timeZone);
  });

  it('names TZ when its value is no zone Intl knows', () => {
    expect(() => zoneOf({ TZ: 'Mars/Olympus_Mons' })).toThrow(/render\.timeZone \(from TZ\): unknown time zone "Mars\/Olympus_Mons"/);
  });

  it('reaches the running configuration through the CLI: TZ in the environment, nothing else', async () => {
    const run = runCli(['check-config'], { MARQUEE_CONFIG: configFile(), TZ: 'Pacific/Auckland' });
    expect((await run.exited).code, run.stderr()).toBe(0);
    expect((JSON.parse(run.stdout()) as { config: { render: { timeZone: string } } }).config.render.timeZone).toBe('Pacific/Auckland');
  }, 60_000);
});
