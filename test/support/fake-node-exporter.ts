import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

/*
 * A stand-in for Prometheus node_exporter (prometheus/node_exporter, 1.9/1.10 on Linux) that
 * answers /metrics the way the real one does:
 * - families and HELP/TYPE lines as its collectors declare them: collector/cpu_linux.go,
 *   meminfo.go, filesystem_common.go (labels device, device_error, fstype, mountpoint),
 *   netdev_common.go + netclass_linux.go, hwmon_linux.go (chip names as hwmonName() builds them:
 *   "platform_coretemp_0", "pci0000_00_0000_00_18_3"; node_hwmon_sensor_label from tempN_label),
 *   thermal_zone_linux.go, stat_linux.go, time.go and collector.go (node_scrape_collector_*);
 * - written as client_golang's registry and prometheus/common expfmt write them: families sorted
 *   by name, series by label values, label names sorted, floats in Go's strconv 'g' shortest form
 *   (1.418183276e+09), label values escaped (\\ \" \n), gzip when the request accepts it, and the
 *   content type expfmt.Negotiate picks for `Accept: text/plain;version=0.0.4`.
 * Shapes checked against collector/fixtures/e2e-output.txt in node_exporter's repository.
 * A collector that is off (--no-collector.X) or has no data (no /sys/class/hwmon) writes nothing.
 */

export const CPU_MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;
export type CpuTimes = Record<(typeof CPU_MODES)[number], number>;

export interface FakeFilesystem {
  device: string;
  mountpoint: string;
  fstype: string;
  sizeBytes: number;
  freeBytes: number;
  availBytes: number;
}

export interface FakeInterface {
  device: string;
  rxBytes: number;
  txBytes: number;
}

export interface FakeHwmonChip {
  /** The chip label node_exporter derives from the device path. */
  chip: string;
  /** The driver's `name` file (node_hwmon_chip_names{chip_name}). */
  chipName: string;
  temps: { sensor: string; label?: string; celsius: number }[];
}

/** Everything the fake reports: the raw kernel counters and gauges a test computes its oracle from. */
export interface NodeState {
  bootTimeS: number;
  timeS: number;
  /** One entry per logical CPU, seconds since boot. */
  cpus: CpuTimes[];
  /** /proc/meminfo fields in bytes, by their meminfo name (MemTotal, MemAvailable, ...). */
  memory: Record<string, number>;
  filesystems: FakeFilesystem[];
  interfaces: FakeInterface[];
  /** Unset: no /sys/class/hwmon (VMs, most containers), the hwmon collector reports no data. */
  hwmon?: FakeHwmonChip[];
  thermalZones?: { zone: string; type: string; celsius: number }[];
  /** Collectors switched off with --no-collector.<name>. */
  disabled?: string[];
}

/** How the fake answers /metrics: as node_exporter, or as the faults a scrape meets. */
export type FakeMode = 'metrics' | 'html' | 'server-error' | 'hang' | 'cut-off' | 'not-metrics';

export interface FakeNodeExporter {
  /** Base address, e.g. http://127.0.0.1:41234 (node_exporter serves /metrics under it). */
  origin: string;
  state: NodeState;
  mode: FakeMode;
  /** Headers of every request, oldest first. */
  requests: { url: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

export interface FakeOptions {
  /** exporter-toolkit's basic_auth_users: requests without these credentials get 401. */
  basicAuth?: { username: string; password: string };
  /** Serve HTTPS with this key and certificate (FAKE_TLS). */
  tls?: { key: string; cert: string };
}

/** A self-signed certificate for 127.0.0.1 and localhost, valid 2020-2120; test-only, trusted nowhere. */
export const FAKE_TLS = {
  key: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgLcn8ejDAXxYZqDVB
/NcqlMZ26ga9BQdB2h+qMzYB8XOhRANCAAQ0A7MrqrPFIk+h3auvSruK2CQtb0ds
M6lpPDHLTOKKbgEk5zQ3SSr92Y+iZcTaRWZsPFIqaxuvWA5Nm0j08Bgx
-----END PRIVATE KEY-----
`,
  cert: `-----BEGIN CERTIFICATE-----
MIIBZzCCAQ2gAwIBAgIBATAKBggqhkjOPQQDAjAUMRIwEAYDVQQDDAkxMjcuMC4w
LjEwIBcNMjAwMTAxMDAwMDAwWhgPMjEyMDAxMDEwMDAwMDBaMBQxEjAQBgNVBAMM
CTEyNy4wLjAuMTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABDQDsyuqs8UiT6Hd
q69Ku4rYJC1vR2wzqWk8MctM4opuASTnNDdJKv3Zj6JlxNpFZmw8UiprG69YDk2b
SPTwGDGjTjBMMA8GA1UdEwEB/wQFMAMBAf8wGgYDVR0RBBMwEYcEfwAAAYIJbG9j
YWxob3N0MB0GA1UdDgQWBBQfFL7sPx8YbVm1amwYDpt6Ei/TwDAKBggqhkjOPQQD
AgNIADBFAiEAnoKwHzdK+ZtiE9fTViYv/mwb1F6rrbXNX4+FevEdZcwCICt/ZOGH
z/mTB8xPjoIt6TRbEPixsyR16Mh9LYaKFRCp
-----END CERTIFICATE-----
`,
};

/** The content type node_exporter sends for the classic text format (expfmt.FmtText plus the escaping term). */
export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8; escaping=underscores';

export async function startFakeNodeExporter(initial: NodeState, options: FakeOptions = {}): Promise<FakeNodeExporter> {
  const fake = { state: initial, mode: 'metrics' as FakeMode, requests: [] as FakeNodeExporter['requests'] };
  const handler = (req: IncomingMessage, res: ServerResponse) => answer(fake, options, req, res);
  const server = options.tls ? createHttpsServer(options.tls, handler) : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    origin: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

function answer(
  fake: Pick<FakeNodeExporter, 'state' | 'mode' | 'requests'>,
  options: FakeOptions,
  req: IncomingMessage,
  res: ServerResponse,
) {
  fake.requests.push({ url: req.url ?? '', headers: req.headers });
  if (options.basicAuth) {
    const { username, password } = options.basicAuth;
    const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    if (req.headers.authorization !== expected) {
      // exporter-toolkit's web/handler.go
      res.writeHead(401, { 'WWW-Authenticate': 'Basic', 'Content-Type': 'text/plain; charset=utf-8' }).end('Unauthorized\n');
      return;
    }
  }
  if (req.url === '/') {
    // exporter-toolkit's landing page
    res
      .writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8' })
      .end('<!DOCTYPE html>\n<html><head><title>Node Exporter</title></head><body><a href="/metrics">Metrics</a></body></html>\n');
    return;
  }
  if (req.url !== '/metrics') {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
    return;
  }
  const text = renderMetrics(fake.state);
  switch (fake.mode) {
    case 'hang':
      return;
    case 'html':
      // What a reverse proxy's login page looks like at /metrics.
      res
        .writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
        .end('<!DOCTYPE html>\n<html><body><form action="/login">Sign in</form></body></html>\n');
      return;
    case 'not-metrics':
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('{"status":"ok","uptime":12345}\n');
      return;
    case 'server-error':
      // promhttp's HandlerErrorHandling with HTTPErrorOnError.
      res
        .writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' })
        .end('An error has occurred while serving metrics:\n\ncollector failed\n');
      return;
    case 'cut-off':
      res.writeHead(200, { 'Content-Type': TEXT_CONTENT_TYPE, 'Content-Length': String(Buffer.byteLength(text)) });
      res.write(text.slice(0, Math.floor(text.length / 2)));
      res.socket?.destroy();
      return;
    case 'metrics': {
      const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      const body = gzip ? gzipSync(text) : Buffer.from(text);
      res
        .writeHead(200, {
          'Content-Type': TEXT_CONTENT_TYPE,
          ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
          'Content-Length': String(body.length),
        })
        .end(body);
    }
  }
}

type Series = { labels: Record<string, string>; value: number };
type Family = { name: string; help: string; type: 'counter' | 'gauge' | 'untyped'; series: Series[] };

/** The /metrics body for a state, in node_exporter's text format. */
export function renderMetrics(state: NodeState): string {
  const off = new Set(state.disabled ?? []);
  const families: Family[] = [
    ...goRuntime(),
    gauge(
      'node_exporter_build_info',
      "A metric with a constant '1' value labeled by version, revision, branch, goversion from which node_exporter was built, and the goos and goarch for the build.",
      [
        {
          labels: {
            branch: 'HEAD',
            goarch: 'amd64',
            goos: 'linux',
            goversion: 'go1.24.6',
            revision: 'f2ec547b49af53815038a50265aa2adcd1275959',
            tags: 'unknown',
            version: '1.9.1',
          },
          value: 1,
        },
      ],
    ),
  ];
  const collectors: Record<string, () => Family[]> = {
    cpu: () => cpuFamilies(state),
    stat: () => [
      gauge('node_boot_time_seconds', 'Node boot time, in unixtime.', [{ labels: {}, value: state.bootTimeS }]),
      gauge('node_procs_running', 'Number of processes in runnable state.', [{ labels: {}, value: 3 }]),
    ],
    time: () => [gauge('node_time_seconds', 'System time in seconds since epoch (1970).', [{ labels: {}, value: state.timeS }])],
    meminfo: () =>
      Object.entries(state.memory).map(([k, v]) =>
        gauge(`node_memory_${k}_bytes`, `Memory information field ${k}_bytes.`, [{ labels: {}, value: v }]),
      ),
    filesystem: () => filesystemFamilies(state.filesystems),
    netdev: () => netdevFamilies(state.interfaces),
    hwmon: () => (state.hwmon ? hwmonFamilies(state.hwmon) : []),
    thermal_zone: () =>
      state.thermalZones?.length
        ? [
            gauge(
              'node_thermal_zone_temp',
              'Zone temperature in Celsius',
              state.thermalZones.map((z) => ({ labels: { type: z.type, zone: z.zone }, value: z.celsius })),
            ),
          ]
        : [],
  };
  const success: Series[] = [];
  const duration: Series[] = [];
  for (const [name, collect] of Object.entries(collectors)) {
    if (off.has(name)) continue;
    const got = collect();
    families.push(...got);
    success.push({ labels: { collector: name }, value: got.length > 0 ? 1 : 0 });
    duration.push({ labels: { collector: name }, value: 0.000412 });
  }
  families.push(gauge('node_scrape_collector_duration_seconds', 'node_exporter: Duration of a collector scrape.', duration));
  families.push(gauge('node_scrape_collector_success', 'node_exporter: Whether a collector succeeded.', success));
  families.push(
    counter(
      'promhttp_metric_handler_requests_total',
      'Total number of scrapes by HTTP status code.',
      ['200', '500', '503'].map((code) => ({ labels: { code }, value: code === '200' ? 17 : 0 })),
    ),
  );
  return families
    .sort((a, b) => compare(a.name, b.name))
    .map(writeFamily)
    .join('');
}

const gauge = (name: string, help: string, series: Series[]): Family => ({ name, help, type: 'gauge', series });
const counter = (name: string, help: string, series: Series[]): Family => ({ name, help, type: 'counter', series });

function goRuntime(): Family[] {
  return [
    gauge('go_goroutines', 'Number of goroutines that currently exist.', [{ labels: {}, value: 9 }]),
    gauge('go_info', 'Information about the Go environment.', [{ labels: { version: 'go1.24.6' }, value: 1 }]),
    gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', [{ labels: {}, value: 21_430_272 }]),
    gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', [
      { labels: {}, value: 1_733_496_000.37 },
    ]),
  ];
}

function cpuFamilies(state: NodeState): Family[] {
  const times = state.cpus.flatMap((c, i) => CPU_MODES.map((mode) => ({ labels: { cpu: String(i), mode }, value: c[mode] })));
  const guest = state.cpus.flatMap((_, i) => ['nice', 'user'].map((mode) => ({ labels: { cpu: String(i), mode }, value: 0 })));
  return [
    counter('node_cpu_guest_seconds_total', 'Seconds the CPUs spent in guests (VMs) for each mode.', guest),
    counter('node_cpu_seconds_total', 'Seconds the CPUs spent in each mode.', times),
  ];
}

function filesystemFamilies(list: FakeFilesystem[]): Family[] {
  const labels = (f: FakeFilesystem) => ({ device: f.device, device_error: '', fstype: f.fstype, mountpoint: f.mountpoint });
  const each = (value: (f: FakeFilesystem) => number) => list.map((f) => ({ labels: labels(f), value: value(f) }));
  return [
    gauge(
      'node_filesystem_avail_bytes',
      'Filesystem space available to non-root users in bytes.',
      each((f) => f.availBytes),
    ),
    gauge(
      'node_filesystem_device_error',
      'Whether an error occurred while getting statistics for the given device.',
      each(() => 0),
    ),
    gauge(
      'node_filesystem_files',
      'Filesystem total file nodes.',
      each((f) => Math.floor(f.sizeBytes / 16384)),
    ),
    gauge(
      'node_filesystem_files_free',
      'Filesystem total free file nodes.',
      each((f) => Math.floor(f.freeBytes / 16384)),
    ),
    gauge(
      'node_filesystem_free_bytes',
      'Filesystem free space in bytes.',
      each((f) => f.freeBytes),
    ),
    gauge(
      'node_filesystem_readonly',
      'Filesystem read-only status.',
      each(() => 0),
    ),
    gauge(
      'node_filesystem_size_bytes',
      'Filesystem size in bytes.',
      each((f) => f.sizeBytes),
    ),
  ];
}

function netdevFamilies(list: FakeInterface[]): Family[] {
  const each = (value: (i: FakeInterface) => number) => list.map((i) => ({ labels: { device: i.device }, value: value(i) }));
  return [
    counter(
      'node_network_receive_bytes_total',
      'Network device statistic receive_bytes.',
      each((i) => i.rxBytes),
    ),
    counter(
      'node_network_receive_packets_total',
      'Network device statistic receive_packets.',
      each((i) => Math.floor(i.rxBytes / 1200)),
    ),
    counter(
      'node_network_transmit_bytes_total',
      'Network device statistic transmit_bytes.',
      each((i) => i.txBytes),
    ),
    counter(
      'node_network_transmit_packets_total',
      'Network device statistic transmit_packets.',
      each((i) => Math.floor(i.txBytes / 1200)),
    ),
    gauge(
      'node_network_up',
      "Value is 1 if operstate is 'up', 0 otherwise.",
      each((i) => (i.device === 'lo' ? 0 : 1)),
    ),
  ];
}

function hwmonFamilies(chips: FakeHwmonChip[]): Family[] {
  const temps = chips.flatMap((c) => c.temps.map((t) => ({ labels: { chip: c.chip, sensor: t.sensor }, value: t.celsius })));
  const labels = chips.flatMap((c) =>
    c.temps
      .filter((t) => t.label !== undefined)
      .map((t) => ({ labels: { chip: c.chip, label: t.label ?? '', sensor: t.sensor }, value: 1 })),
  );
  return [
    gauge(
      'node_hwmon_chip_names',
      'Annotation metric for human-readable chip names',
      chips.map((c) => ({ labels: { chip: c.chip, chip_name: c.chipName }, value: 1 })),
    ),
    ...(labels.length ? [gauge('node_hwmon_sensor_label', 'Label for given chip and sensor', labels)] : []),
    gauge('node_hwmon_temp_celsius', 'Hardware monitor for temperature (input)', temps),
    gauge(
      'node_hwmon_temp_crit_celsius',
      'Hardware monitor for temperature (crit)',
      temps.map((t) => ({ ...t, value: 100 })),
    ),
  ];
}

/** Byte order, as Go compares strings (so cpu="10" sorts before cpu="2", as node_exporter writes it). */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function writeFamily(f: Family): string {
  const keyOf = (s: Series) => Object.keys(s.labels).sort(compare);
  const sorted = [...f.series].sort((a, b) => {
    for (const k of keyOf(a)) {
      const c = compare(a.labels[k] ?? '', b.labels[k] ?? '');
      if (c !== 0) return c;
    }
    return 0;
  });
  const lines = sorted.map((s) => {
    const pairs = keyOf(s).map((k) => `${k}="${escapeLabel(s.labels[k] ?? '')}"`);
    return `${f.name}${pairs.length ? `{${pairs.join(',')}}` : ''} ${goFloat(s.value)}\n`;
  });
  return `# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${f.name} ${f.type}\n${lines.join('')}`;
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** strconv.AppendFloat(f, 'g', -1, 64) as expfmt's writeFloat uses it: %e from exponent 6 (or below -4) on. */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return '0';
  const [mantissa = '', exp = '0'] = v.toExponential().split('e');
  const e = Number(exp);
  if (e < -4 || e >= 6) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return String(v);
}

/**
 * A Plex host as node_exporter sees it: 4 logical CPUs, an Intel package sensor beside an NVMe
 * drive's, ext4 root with a bind mount of the same device, a mergerfs pool, and what a Docker
 * host adds (overlay, tmpfs, nsfs are excluded by node_exporter's defaults; tmpfs is not), with
 * docker0, veths, a bridge, a Tailscale tunnel and loopback beside the physical port.
 */
export function plexHost(): NodeState {
  const cpu = (user: number, system: number, idle: number): CpuTimes => ({
    user,
    nice: 12.5,
    system,
    idle,
    iowait: 310.2,
    irq: 0,
    softirq: 88.3,
    steal: 0,
  });
  return {
    bootTimeS: 1_733_400_000,
    timeS: 1_733_496_123.456,
    cpus: [
      cpu(15_000.25, 4_200.5, 74_000.75),
      cpu(14_100, 4_050.25, 75_100.5),
      cpu(16_250.5, 4_400, 73_010.25),
      cpu(13_900.75, 3_990.5, 75_500),
    ],
    memory: {
      MemTotal: 16_663_535_616,
      MemFree: 1_204_850_688,
      MemAvailable: 9_843_204_096,
      Buffers: 402_653_184,
      Cached: 7_516_192_768,
      SwapTotal: 2_147_479_552,
      SwapFree: 2_147_479_552,
    },
    filesystems: [
      {
        device: '/dev/nvme0n1p2',
        mountpoint: '/',
        fstype: 'ext4',
        sizeBytes: 490_577_010_688,
        freeBytes: 301_205_557_248,
        availBytes: 276_263_370_752,
      },
      {
        device: '/dev/nvme0n1p2',
        mountpoint: '/var/lib/plexmediaserver',
        fstype: 'ext4',
        sizeBytes: 490_577_010_688,
        freeBytes: 301_205_557_248,
        availBytes: 276_263_370_752,
      },
      {
        device: '/dev/nvme0n1p1',
        mountpoint: '/boot/efi',
        fstype: 'vfat',
        sizeBytes: 535_805_952,
        freeBytes: 529_412_096,
        availBytes: 529_412_096,
      },
      {
        device: 'mergerfs',
        mountpoint: '/mnt/media',
        fstype: 'fuse.mergerfs',
        sizeBytes: 24_000_277_250_048,
        freeBytes: 6_150_123_003_904,
        availBytes: 6_150_123_003_904,
      },
      {
        device: 'tmpfs',
        mountpoint: '/run',
        fstype: 'tmpfs',
        sizeBytes: 1_666_355_200,
        freeBytes: 1_663_991_808,
        availBytes: 1_663_991_808,
      },
      {
        device: 'tmpfs',
        mountpoint: '/run/user/1000',
        fstype: 'tmpfs',
        sizeBytes: 1_666_351_104,
        freeBytes: 1_666_351_104,
        availBytes: 1_666_351_104,
      },
      {
        device: 'overlay',
        mountpoint: '/var/lib/docker/overlay2/3f1c/merged',
        fstype: 'overlay',
        sizeBytes: 490_577_010_688,
        freeBytes: 301_205_557_248,
        availBytes: 276_263_370_752,
      },
      {
        device: 'shm',
        mountpoint: '/var/lib/docker/containers/9ab2/mounts/shm',
        fstype: 'tmpfs',
        sizeBytes: 67_108_864,
        freeBytes: 67_108_864,
        availBytes: 67_108_864,
      },
    ],
    interfaces: [
      { device: 'lo', rxBytes: 9_876_543_210, txBytes: 9_876_543_210 },
      { device: 'enp3s0', rxBytes: 812_345_678_901, txBytes: 4_321_098_765_432 },
      { device: 'docker0', rxBytes: 45_678_901_234, txBytes: 345_678_901_234 },
      { device: 'veth4c1d2e3', rxBytes: 45_000_000_000, txBytes: 340_000_000_000 },
      { device: 'br-8f3a2b1c9d0e', rxBytes: 1_234_567, txBytes: 7_654_321 },
      { device: 'tailscale0', rxBytes: 2_345_678_901, txBytes: 12_345_678_901 },
    ],
    hwmon: [
      {
        chip: 'platform_coretemp_0',
        chipName: 'coretemp',
        temps: [
          { sensor: 'temp1', label: 'Package id 0', celsius: 54 },
          { sensor: 'temp2', label: 'Core 0', celsius: 51 },
          { sensor: 'temp3', label: 'Core 1', celsius: 57 },
          { sensor: 'temp4', label: 'Core 2', celsius: 49 },
          { sensor: 'temp5', label: 'Core 3', celsius: 52 },
        ],
      },
      { chip: 'nvme_nvme0', chipName: 'nvme', temps: [{ sensor: 'temp1', label: 'Composite', celsius: 61.85 }] },
      { chip: 'acpitz', chipName: 'acpitz', temps: [{ sensor: 'temp1', celsius: 27.8 }] },
    ],
    thermalZones: [
      { zone: '0', type: 'acpitz', celsius: 27.8 },
      { zone: '1', type: 'x86_pkg_temp', celsius: 54 },
    ],
  };
}
