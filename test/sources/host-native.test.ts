import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { CpuInfo } from 'node:os';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cpuLoadMeter, processRunning } from '../../src/sources/host/native.js';

const cpu = (user: number, sys: number, idle: number): CpuInfo => ({
  model: 'x',
  speed: 1,
  times: { user, nice: 0, sys, idle, irq: 0 },
});

describe('CPU load without a child process', () => {
  it('is the busy share of the ticks since the previous reading, over all cores', () => {
    let now = [cpu(1000, 0, 9000), cpu(1000, 0, 9000)];
    const load = cpuLoadMeter(() => now);
    now = [cpu(1750, 250, 9000), cpu(1000, 0, 10000)];
    expect(load()).toBe(50);
    now = [cpu(1750, 250, 10000), cpu(1000, 0, 11000)];
    expect(load()).toBe(0);
  });

  it('falls back to the average since boot when under half a second of CPU time has passed', () => {
    let now = [cpu(3000, 1000, 6000)];
    const load = cpuLoadMeter(() => now);
    now = [cpu(3000, 1000, 6400)];
    expect(load()).toBeCloseTo((100 * 4000) / 10400, 6);
  });

  it('reads this machine', () => {
    const load = cpuLoadMeter();
    const pct = load();
    expect(pct).toBeGreaterThanOrEqual(0);
    expect(pct).toBeLessThanOrEqual(100);
  });
});

describe('finding a process without ps', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  function proc(processes: Record<string, string>): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'marquee-proc-'));
    dirs.push(dir);
    mkdirSync(path.join(dir, 'self'));
    writeFileSync(path.join(dir, 'uptime'), '1 1\n');
    for (const [pid, comm] of Object.entries(processes)) {
      mkdirSync(path.join(dir, pid));
      writeFileSync(path.join(dir, pid, 'comm'), `${comm}\n`);
    }
    return dir;
  }

  it('matches the name the kernel keeps (15 bytes), exactly', async () => {
    const dir = proc({ '1': 'init', '200': 'Plex Media Serv', '4242': 'Plex Transcoder' });
    expect(await processRunning('Plex Transcoder', dir)).toBe(true);
    expect(await processRunning('Plex Media Server', dir)).toBe(true);
    expect(await processRunning('Plex', dir)).toBe(false);
  });

  it('says no when the process is absent, across more processes than one batch', async () => {
    const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [String(i + 1), `worker${i}`]));
    expect(await processRunning('Plex Transcoder', proc(many))).toBe(false);
  });

  it('returns null where there is no /proc, so systeminformation is asked instead', async () => {
    expect(await processRunning('Plex Transcoder', path.join(tmpdir(), 'no-such-proc-dir'))).toBeNull();
  });

  it('finds this very process in the real /proc by the name the kernel shows for it', async () => {
    const own = readFileSync('/proc/self/comm', 'utf8').trim();
    expect(await processRunning(own)).toBe(true);
    expect(await processRunning(`${own}-not-running`.slice(-15))).toBe(false);
  });
});
