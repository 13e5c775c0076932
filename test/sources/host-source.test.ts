import { describe, expect, it } from 'vitest';
import { createHostReader, REUSE_MS, type SystemInfo } from '../../src/sources/host/host-source.js';

type Call = keyof SystemInfo;

/** A systeminformation stand-in that counts calls and records the arguments networkStats gets. */
function countingSystemInfo(overrides: Partial<Record<Call, (...args: unknown[]) => unknown>> = {}) {
  const calls: Record<Call, number> = { currentLoad: 0, cpu: 0, cpuTemperature: 0, mem: 0, fsSize: 0, networkStats: 0, processLoad: 0 };
  const networkArgs: unknown[][] = [];
  const state = { temperature: 48 as number | null };
  const answers: Record<Call, (...args: unknown[]) => unknown> = {
    currentLoad: () => ({ currentLoad: 12.34 }),
    cpu: () => ({ cores: 8 }),
    cpuTemperature: () => ({ main: state.temperature }),
    mem: () => ({ total: 16 * 2 ** 30, available: 10 * 2 ** 30 }),
    fsSize: () => [
      { fs: '/dev/sda1', type: 'ext4', mount: '/', size: 10 ** 12, used: 4 * 10 ** 11 },
      { fs: 'overlay', type: 'overlay', mount: '/var/lib/docker/x', size: 10 ** 12, used: 1 },
    ],
    networkStats: () => [{ iface: 'eth0', rx_sec: 1000.4, tx_sec: 2000.6 }],
    processLoad: () => [{ proc: 'Plex Transcoder', pid: 4242, pids: [4242] }],
  };
  const sys = Object.fromEntries(
    (Object.keys(calls) as Call[]).map((name) => [
      name,
      (...args: unknown[]) => {
        calls[name]++;
        if (name === 'networkStats') networkArgs.push(args);
        const override = overrides[name];
        return override ? override(...args) : Promise.resolve(answers[name](...args));
      },
    ]),
  ) as unknown as SystemInfo;
  return { sys, calls, networkArgs, state };
}

function pinnedClock() {
  const clock = { now: 0, read: () => clock.now };
  return clock;
}

describe('host source', () => {
  it('maps systeminformation readings into the snapshot shape', async () => {
    const { sys } = countingSystemInfo();
    const result = await createHostReader({ timeoutMs: 1000, systemInfo: sys })();
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.data).toMatchObject({
      cpu: { loadPct: 12.3, cores: 8, temperatureC: 48 },
      memory: { usedBytes: 6 * 2 ** 30, totalBytes: 16 * 2 ** 30 },
      disks: [{ mount: '/', usedBytes: 4 * 10 ** 11, totalBytes: 10 ** 12 }],
      network: { rxBytesPerS: 1000, txBytesPerS: 2001 },
      transcoderRunning: true,
    });
  });

  it('reads load, memory, network and the transcoder every cycle but reuses slow readings within their age', async () => {
    const clock = pinnedClock();
    const { sys, calls, networkArgs } = countingSystemInfo();
    const read = createHostReader({ timeoutMs: 1000, systemInfo: sys, clock: clock.read });
    for (let i = 0; i < 3; i++) {
      expect((await read()).ok).toBe(true);
      clock.now += 30_000;
    }
    expect(calls).toMatchObject({ currentLoad: 3, mem: 3, networkStats: 3, processLoad: 3, cpu: 1, fsSize: 1 });
    // A 60 s bound on a temperature reading: cycles at 0 and 30 s share one, 60 s reads again.
    expect(calls.cpuTemperature).toBe(2);
    // The default interface is looked up once, then named so systeminformation skips `ip route`.
    expect(networkArgs).toEqual([[], ['eth0'], ['eth0']]);

    clock.now += REUSE_MS.disks;
    await read();
    expect(calls.fsSize).toBe(2);
    expect(calls.cpu).toBe(1);
  });

  it('asks a machine without temperature sensors again only after the longer bound', async () => {
    const clock = pinnedClock();
    const { sys, calls, state } = countingSystemInfo();
    state.temperature = null;
    const read = createHostReader({ timeoutMs: 1000, systemInfo: sys, clock: clock.read });
    const first = await read();
    expect(first.ok && first.data.cpu.temperatureC).toBe(null);
    clock.now += REUSE_MS.temperature * 2;
    await read();
    expect(calls.cpuTemperature).toBe(1);
    clock.now = REUSE_MS.noTemperatureSensor;
    state.temperature = 51;
    const later = await read();
    expect(calls.cpuTemperature).toBe(2);
    expect(later.ok && later.data.cpu.temperatureC).toBe(51);
  });

  it('does not keep a failed slow reading: the next cycle asks again', async () => {
    let failDisks = true;
    const { sys, calls } = countingSystemInfo({
      fsSize: () =>
        failDisks ? Promise.reject(new Error('df failed')) : Promise.resolve([{ fs: 'a', type: 'xfs', mount: '/m', size: 2, used: 1 }]),
    });
    const read = createHostReader({ timeoutMs: 1000, systemInfo: sys, clock: () => 0 });
    const first = await read();
    expect(first.ok && first.data.disks).toEqual([]);
    failDisks = false;
    const second = await read();
    expect(calls.fsSize).toBe(2);
    expect(second.ok && second.data.disks).toEqual([{ mount: '/m', usedBytes: 1, totalBytes: 2 }]);
  });

  it('reports a synchronous throw as unavailable and a hang as a timeout, then recovers', async () => {
    let mode: 'ok' | 'throw' | 'hang' = 'ok';
    const { sys } = countingSystemInfo({
      currentLoad: () => {
        if (mode === 'throw') throw new Error('boom');
        if (mode === 'hang') return new Promise(() => undefined);
        return Promise.resolve({ currentLoad: 1 });
      },
    });
    const read = createHostReader({ timeoutMs: 100, systemInfo: sys });
    mode = 'throw';
    expect(await read()).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    mode = 'hang';
    expect(await read()).toMatchObject({ ok: false, error: { code: 'timeout' } });
    mode = 'ok';
    expect((await read()).ok).toBe(true);
  });
});
