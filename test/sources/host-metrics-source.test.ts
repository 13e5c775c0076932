import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hostSchema, type Host } from '../../src/snapshot/schema.js';
import { createNodeExporterReader, type NodeExporterOptions } from '../../src/sources/host-metrics/node-exporter-source.js';
import type { SourceResult } from '../../src/sources/result.js';
import {
  FAKE_TLS,
  plexHost,
  startFakeNodeExporter,
  type CpuTimes,
  type FakeNodeExporter,
  type NodeState,
} from '../support/fake-node-exporter.js';

/*
 * Oracles are computed here from the fake's raw counters, by the definitions the local reader
 * uses: busy CPU time is user + nice + system + irq and the total adds idle (what os.cpus() reports);
 * disk used is size - free (what df reports); memory used is MemTotal - MemAvailable; throughput
 * counts the physical port only (enp3s0 in plexHost()).
 */

const busy = (c: CpuTimes) => c.user + c.nice + c.system + c.irq;
const all = (c: CpuTimes) => busy(c) + c.idle;
const sum = (list: CpuTimes[], f: (c: CpuTimes) => number) => list.reduce((n, c) => n + f(c), 0);
const round1 = (n: number) => Math.round(n * 10) / 10;
const iface = (s: NodeState, device: string) => s.interfaces.find((i) => i.device === device) ?? { rxBytes: NaN, txBytes: NaN };

const fakes: FakeNodeExporter[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function start(state: NodeState = plexHost(), options?: Parameters<typeof startFakeNodeExporter>[1]) {
  const fake = await startFakeNodeExporter(state, options);
  fakes.push(fake);
  return fake;
}

function reader(fake: FakeNodeExporter, options: Partial<NodeExporterOptions> = {}) {
  const clock = { now: 1_000_000 };
  const read = createNodeExporterReader({ url: `${fake.origin}/metrics`, timeoutMs: 5_000, clock: () => clock.now, ...options });
  return { read, clock };
}

function data(result: SourceResult<Host>): Host {
  if (!result.ok) throw new Error(`expected data, got ${result.error.code}: ${result.error.detail}`);
  return hostSchema.parse(result.data);
}

function failure(result: SourceResult<Host>) {
  if (result.ok) throw new Error('expected an error, got data');
  return result.error;
}

/** The state `seconds` later: every CPU spends the given seconds per mode, enp3s0 and docker0 move bytes. */
function later(s: NodeState, seconds: number, perCpu: Partial<CpuTimes>, bytes: { rx: number; tx: number }): NodeState {
  const next = structuredClone(s);
  next.timeS += seconds;
  for (const c of next.cpus) for (const [mode, add] of Object.entries(perCpu)) c[mode as keyof CpuTimes] += add;
  for (const i of next.interfaces) {
    if (i.device === 'enp3s0' || i.device === 'docker0' || i.device === 'veth4c1d2e3') {
      i.rxBytes += bytes.rx;
      i.txBytes += bytes.tx;
    }
  }
  return next;
}

describe('node_exporter host source: values', () => {
  it('reads the first scrape as the local reader does: load since boot, no throughput yet', async () => {
    const state = plexHost();
    const fake = await start(state);
    const host = data(await reader(fake).read());
    expect(host.cpu).toEqual({
      loadPct: round1((100 * sum(state.cpus, busy)) / sum(state.cpus, all)),
      cores: state.cpus.length,
      temperatureC: 54,
    });
    expect(host.memory).toEqual({
      usedBytes: (state.memory.MemTotal ?? 0) - (state.memory.MemAvailable ?? 0),
      totalBytes: state.memory.MemTotal,
    });
    expect(host.network).toEqual({ rxBytesPerS: 0, txBytesPerS: 0 });
    expect(host.uptimeS).toBe(Math.round(state.timeS - state.bootTimeS));
    expect(host.transcoderRunning).toBe(false);
  });

  it('lists real file systems once per device with used = size - free, leaving tmpfs and overlay out', async () => {
    const state = plexHost();
    const host = data(await reader(await start(state)).read());
    // '/var/lib/plexmediaserver' is a bind mount of the root device; tmpfs, shm and overlay are not disks.
    const expected = ['/', '/boot/efi', '/mnt/media'].map((mount) => {
      const f = state.filesystems.find((x) => x.mountpoint === mount);
      if (!f) throw new Error(mount);
      return { mount, usedBytes: f.sizeBytes - f.freeBytes, totalBytes: f.sizeBytes };
    });
    expect(host.disks).toEqual(expected);
  });

  it('takes CPU load and throughput from the counters between two scrapes', async () => {
    const state = plexHost();
    const fake = await start(state);
    const { read, clock } = reader(fake);
    data(await read());
    const perCpu = { user: 9.5, nice: 0.5, system: 4, irq: 0.25, idle: 15.75, iowait: 2, softirq: 1.5, steal: 0 };
    fake.state = later(state, 30, perCpu, { rx: 3_000_000, tx: 75_000_000 });
    clock.now += 30_000;
    const host = data(await read());
    const dBusy = sum(fake.state.cpus, busy) - sum(state.cpus, busy);
    const dAll = sum(fake.state.cpus, all) - sum(state.cpus, all);
    expect(host.cpu.loadPct).toBe(round1((100 * dBusy) / dAll));
    expect(host.network).toEqual({
      rxBytesPerS: Math.round((iface(fake.state, 'enp3s0').rxBytes - iface(state, 'enp3s0').rxBytes) / 30),
      txBytesPerS: Math.round((iface(fake.state, 'enp3s0').txBytes - iface(state, 'enp3s0').txBytes) / 30),
    });
    expect(host.uptimeS).toBe(Math.round(fake.state.timeS - fake.state.bootTimeS));
  });

  it('counts only the interfaces it is told to when `interfaces` is set', async () => {
    const state = plexHost();
    const fake = await start(state);
    const { read, clock } = reader(fake, { interfaces: ['enp3s0', 'docker0'] });
    data(await read());
    fake.state = later(state, 10, { idle: 10 }, { rx: 1_000, tx: 2_000 });
    clock.now += 10_000;
    expect(data(await read()).network).toEqual({ rxBytesPerS: (2 * 1_000) / 10, txBytesPerS: (2 * 2_000) / 10 });
  });

  it('reads the boot average when the window holds under half a CPU-second, like the local meter', async () => {
    const state = plexHost();
    const fake = await start(state);
    const { read, clock } = reader(fake);
    data(await read());
    fake.state = later(state, 0.05, { user: 0.01, idle: 0.02 }, { rx: 0, tx: 0 });
    clock.now += 50;
    expect(data(await read()).cpu.loadPct).toBe(round1((100 * sum(fake.state.cpus, busy)) / sum(fake.state.cpus, all)));
  });

  // Counters usually fall at a reboot; they rise past the old ones when the host was unreachable for
  // longer than it had been up (the last good scrape was an hour after a boot, the next a week after another).
  it.each([
    ['counters fall', 1, 45],
    ['counters rise past the last scrape', 1_000, 7 * 86_400],
  ])('treats a reboot as a first scrape (%s): load since the new boot, no throughput, never a negative rate', async (_, scale, uptimeS) => {
    const state = plexHost();
    state.bootTimeS = state.timeS - 3_600;
    state.cpus = state.cpus.map(() => ({ user: 600, nice: 0, system: 200, idle: 2_700, iowait: 10, irq: 1, softirq: 5, steal: 0 }));
    state.interfaces = state.interfaces.map((i) => ({ ...i, rxBytes: 4_000_000, txBytes: 9_000_000 }));
    const fake = await start(state);
    const { read, clock } = reader(fake);
    data(await read());
    const rebooted = structuredClone(state);
    rebooted.bootTimeS = state.timeS + 20;
    rebooted.timeS = rebooted.bootTimeS + uptimeS;
    rebooted.cpus = rebooted.cpus.map(() => ({
      user: 20 * scale,
      nice: 0,
      system: 12 * scale,
      idle: 140 * scale,
      iowait: 3,
      irq: 0.5,
      softirq: 1,
      steal: 0,
    }));
    rebooted.interfaces = rebooted.interfaces.map((i) => ({ ...i, rxBytes: 150_000 * scale, txBytes: 90_000 * scale }));
    fake.state = rebooted;
    clock.now += (20 + uptimeS) * 1_000;
    const host = data(await read());
    expect(host.cpu.loadPct).toBe(round1((100 * sum(rebooted.cpus, busy)) / sum(rebooted.cpus, all)));
    expect(host.network).toEqual({ rxBytesPerS: 0, txBytesPerS: 0 });
    expect(host.uptimeS).toBe(uptimeS);

    // The next cycle measures from the rebooted counters again.
    fake.state = later(rebooted, 30, { user: 3, idle: 27 }, { rx: 600_000, tx: 300_000 });
    clock.now += 30_000;
    const next = data(await read());
    expect(next.cpu.loadPct).toBe(round1((100 * 3) / 30));
    expect(next.network).toEqual({ rxBytesPerS: 600_000 / 30, txBytesPerS: 300_000 / 30 });
  });

  it('adds nothing for an interface whose counter went back (re-created) while the others count', async () => {
    const state = plexHost();
    state.interfaces.push({ device: 'eno2', rxBytes: 5_000_000, txBytes: 5_000_000 });
    const fake = await start(state);
    const { read, clock } = reader(fake);
    data(await read());
    const next = later(state, 20, { idle: 20 }, { rx: 40_000, tx: 20_000 });
    const eno2 = next.interfaces.find((i) => i.device === 'eno2');
    if (eno2) Object.assign(eno2, { rxBytes: 1_000, txBytes: 1_000 });
    fake.state = next;
    clock.now += 20_000;
    expect(data(await read()).network).toEqual({ rxBytesPerS: 40_000 / 20, txBytesPerS: 20_000 / 20 });
  });

  it('measures from the last good scrape when a cycle failed in between', async () => {
    const state = plexHost();
    const fake = await start(state);
    const { read, clock } = reader(fake);
    data(await read());
    fake.mode = 'server-error';
    clock.now += 30_000;
    expect(failure(await read()).code).toBe('unavailable');
    fake.mode = 'metrics';
    fake.state = later(state, 60, { user: 6, idle: 54 }, { rx: 1_200_000, tx: 600_000 });
    clock.now += 30_000;
    const host = data(await read());
    expect(host.network).toEqual({ rxBytesPerS: 1_200_000 / 60, txBytesPerS: 600_000 / 60 });
    expect(host.cpu.loadPct).toBe(10);
  });

  it('asks for the text format, accepts gzip, and finds /metrics under a bare origin', async () => {
    const fake = await start();
    data(await reader(fake, { url: fake.origin }).read());
    expect(fake.requests.map((r) => r.url)).toEqual(['/metrics']);
    expect(fake.requests[0]?.headers.accept).toBe('text/plain;version=0.0.4');
    expect(fake.requests[0]?.headers['accept-encoding']).toContain('gzip');
  });

  it('keeps one reader’s counters apart from another’s (one reader per host)', async () => {
    const a = plexHost();
    const b = plexHost();
    b.cpus = b.cpus.slice(0, 2);
    const fa = await start(a);
    const fb = await start(b);
    const ra = reader(fa);
    const rb = reader(fb);
    data(await ra.read());
    data(await rb.read());
    fa.state = later(a, 10, { user: 5, idle: 5 }, { rx: 0, tx: 0 });
    fb.state = later(b, 10, { user: 1, idle: 9 }, { rx: 0, tx: 0 });
    ra.clock.now += 10_000;
    rb.clock.now += 10_000;
    expect(data(await ra.read()).cpu).toMatchObject({ loadPct: 50, cores: 4 });
    expect(data(await rb.read()).cpu).toMatchObject({ loadPct: 10, cores: 2 });
  });
});

describe('node_exporter host source: temperature', () => {
  const withSensors = (hwmon: NodeState['hwmon'], thermalZones: NodeState['thermalZones'] = []): NodeState => ({
    ...plexHost(),
    hwmon,
    thermalZones,
  });

  it.each([
    ['Intel package sensor, not the hotter NVMe drive', withSensors(plexHost().hwmon), 54],
    [
      'the hotter of two Intel packages',
      withSensors([
        { chip: 'platform_coretemp_0', chipName: 'coretemp', temps: [{ sensor: 'temp1', label: 'Package id 0', celsius: 48 }] },
        { chip: 'platform_coretemp_1', chipName: 'coretemp', temps: [{ sensor: 'temp1', label: 'Package id 1', celsius: 53.5 }] },
      ]),
      53.5,
    ],
    [
      'AMD k10temp Tctl over its CCD sensor',
      withSensors([
        {
          chip: 'pci0000_00_0000_00_18_3',
          chipName: 'k10temp',
          temps: [
            { sensor: 'temp1', label: 'Tctl', celsius: 63.4 },
            { sensor: 'temp3', label: 'Tccd1', celsius: 58.75 },
          ],
        },
      ]),
      63.4,
    ],
    [
      'a Raspberry Pi without hwmon labels: its cpu_thermal chip',
      withSensors([{ chip: 'thermal_thermal_zone0', chipName: 'cpu_thermal', temps: [{ sensor: 'temp1', celsius: 47.236 }] }]),
      47.2,
    ],
    ['no hwmon, an x86_pkg_temp thermal zone', withSensors(undefined, [{ zone: '1', type: 'x86_pkg_temp', celsius: 44 }]), 44],
    [
      'only a drive and a Wi-Fi card: null, not their heat',
      withSensors([{ chip: 'nvme_nvme0', chipName: 'nvme', temps: [{ sensor: 'temp1', label: 'Composite', celsius: 61.85 }] }]),
      null,
    ],
    ['no hwmon and no thermal zone (a VM)', withSensors(undefined), null],
  ])('%s', async (_, state, expected) => {
    const host = data(await reader(await start(state)).read());
    expect(host.cpu.temperatureC).toBe(expected);
  });
});

describe('node_exporter host source: faults are results, never throws', () => {
  it('connection refused', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const error = failure(await createNodeExporterReader({ url: `http://127.0.0.1:${port}/metrics`, timeoutMs: 2_000 })());
    expect(error.code).toBe('unavailable');
    expect(error.detail).toContain('ECONNREFUSED');
  });

  it('timeout: an exporter that never answers', async () => {
    const fake = await start();
    fake.mode = 'hang';
    const started = performance.now();
    const error = failure(await reader(fake, { timeoutMs: 300 }).read());
    expect(error.code).toBe('timeout');
    // Generous bound: the deadline ends the read, not the server.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it.each([
    ['server-error', /HTTP 500/],
    ['html', /HTML/],
    ['not-metrics', /not in the Prometheus text format/],
    ['cut-off', /cut off|could not be reached|aborted|ECONNRESET/],
  ] as const)('%s', async (mode, detail) => {
    const fake = await start();
    fake.mode = mode;
    const error = failure(await reader(fake).read());
    expect(error.code).toBe('unavailable');
    expect(error.detail).toMatch(detail);
  });

  it('an answer over the size limit', async () => {
    const error = failure(await reader(await start(), { maxBodyBytes: 4_096 }).read());
    expect(error.detail).toMatch(/larger than 4096 bytes/);
  });

  it('a disabled collector names the missing metric and the collector', async () => {
    const fake = await start({ ...plexHost(), disabled: ['meminfo'] });
    const error = failure(await reader(fake).read());
    expect(error.code).toBe('unavailable');
    expect(error.detail).toMatch(/node_memory_MemTotal_bytes.*meminfo collector/);
  });

  it('a NaN where a counter should be', async () => {
    const state = plexHost();
    const cpu0 = state.cpus[0];
    if (cpu0) cpu0.user = NaN;
    const error = failure(await reader(await start(state)).read());
    expect(error.detail).toMatch(/node_cpu_seconds_total is not a usable number/);
  });

  it('basic auth: sent when configured, and a rejection never repeats the password', async () => {
    const credentials = { username: 'marquee', password: 'pw-7c1f0e9b' };
    const fake = await start(plexHost(), { basicAuth: credentials });
    expect(data(await reader(fake, { basicAuth: credentials }).read()).cpu.cores).toBe(4);
    const rejected = await reader(fake, { basicAuth: { username: 'marquee', password: 'wrong-3b9d' } }).read();
    const error = failure(rejected);
    expect(error.code).toBe('auth');
    expect(error.detail).toMatch(/HTTP 401.*host\.username and host\.password/);
    expect(JSON.stringify(rejected)).not.toMatch(/pw-7c1f0e9b|wrong-3b9d/);
    expect(failure(await reader(fake).read()).detail).toMatch(/HTTP 401/);
  });

  it('TLS: a self-signed certificate is refused until caFile names its CA', async () => {
    const fake = await start(plexHost(), { tls: FAKE_TLS });
    expect(failure(await reader(fake).read()).detail).toMatch(/caFile/);
    const dir = await mkdtemp(join(tmpdir(), 'marquee-ca-'));
    dirs.push(dir);
    const caFile = join(dir, 'ca.pem');
    await writeFile(caFile, FAKE_TLS.cert);
    expect(data(await reader(fake, { caFile }).read()).cpu.cores).toBe(4);
    expect(failure(await reader(fake, { caFile: join(dir, 'missing.pem') }).read()).detail).toMatch(/host\.caFile could not be read/);
  });

  it('refuses, when created, a URL that is not http(s) or carries credentials', () => {
    expect(() => createNodeExporterReader({ url: 'ftp://nas/metrics', timeoutMs: 1_000 })).toThrow(/http/);
    expect(() => createNodeExporterReader({ url: 'http://u:p@nas:9100/metrics', timeoutMs: 1_000 })).toThrow(/credentials/);
  });
});
