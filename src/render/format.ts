import type { FieldInfo, FieldUnit } from '../snapshot/fields.js';

/**
 * Format helpers for bound values. All locale and time-zone work goes through Intl with an
 * explicit locale and zone (defaults 'en' and 'UTC'), never the host's, so output is the same on
 * every machine. `now` is an argument: relative times are pure.
 */
export const formatNames = [
  'int',
  'number',
  'compact',
  'bytes',
  'rate',
  'bitrate',
  'duration',
  'percent',
  'temp',
  'time',
  'date',
  'datetime',
  'relative',
  'text',
  'upper',
  'capital',
] as const;
export type FormatName = (typeof formatNames)[number];

/** What every missing value (null section, absent metric) prints as. */
export const MISSING = '—';

function safeLocale(locale: string | undefined): string {
  try {
    return Intl.getCanonicalLocales(locale ?? 'en')[0] ?? 'en';
  } catch {
    return 'en';
  }
}

function safeZone(tz: string | undefined): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz ?? 'UTC' });
    return tz ?? 'UTC';
  } catch {
    return 'UTC';
  }
}

export class Formatter {
  readonly locale: string;
  readonly timeZone: string;
  private readonly nf = new Map<number, Intl.NumberFormat>();
  private readonly df: Intl.DateTimeFormat;
  private readonly dayf: Intl.DateTimeFormat;
  private readonly dtf: Intl.DateTimeFormat;
  private readonly rtf: Intl.RelativeTimeFormat;

  constructor(locale?: string, timeZone?: string) {
    this.locale = safeLocale(locale);
    this.timeZone = safeZone(timeZone);
    const base = { timeZone: this.timeZone } as const;
    this.df = new Intl.DateTimeFormat(this.locale, { ...base, hour: 'numeric', minute: '2-digit' });
    this.dayf = new Intl.DateTimeFormat(this.locale, { ...base, day: 'numeric', month: 'short' });
    this.dtf = new Intl.DateTimeFormat(this.locale, { ...base, day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' });
    this.rtf = new Intl.RelativeTimeFormat(this.locale, { numeric: 'auto', style: 'short' });
  }

  /** Locale number with grouping and at most `digits` fraction digits. */
  num(v: number, digits = 0): string {
    let f = this.nf.get(digits);
    if (!f) {
      f = new Intl.NumberFormat(this.locale, { maximumFractionDigits: digits });
      this.nf.set(digits, f);
    }
    return f.format(v);
  }

  compact(v: number): string {
    const units = ['', 'k', 'M', 'B', 'T'];
    let i = 0;
    let x = Math.abs(v);
    while (x >= 999.95 && i < units.length - 1) {
      x /= 1000;
      i++;
    }
    return (v < 0 ? '-' : '') + (i === 0 ? this.num(Math.round(x)) : this.num(x, x < 100 ? 1 : 0) + units[i]);
  }

  /** Binary multiples labelled KB/MB/GB/TB, as Plex and Tautulli label them. */
  bytes(v: number, suffix = ''): string {
    const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
    let i = 0;
    let x = Math.abs(v);
    while (x >= 1024 && i < units.length - 1) {
      x /= 1024;
      i++;
    }
    return `${this.num(x, i === 0 || x >= 100 ? 0 : 1)} ${units[i]}${suffix}`;
  }

  bitrate(kbps: number): string {
    if (kbps >= 1_000_000) return `${this.num(kbps / 1_000_000, 1)} Gbps`;
    if (kbps >= 1000) return `${this.num(kbps / 1000, 1)} Mbps`;
    return `${this.num(kbps)} kbps`;
  }

  /** Two largest units: "3d 4h", "1h 23m", "12m", "45s". */
  duration(seconds: number): string {
    const s = Math.max(0, Math.round(seconds));
    const parts: [number, string][] = [
      [Math.floor(s / 86400), 'd'],
      [Math.floor((s % 86400) / 3600), 'h'],
      [Math.floor((s % 3600) / 60), 'm'],
      [s % 60, 's'],
    ];
    const first = parts.findIndex(([n]) => n > 0);
    if (first < 0) return '0s';
    return parts
      .slice(first, first + 2)
      .filter(([n], i) => i === 0 || n > 0)
      .map(([n, u]) => `${n}${u}`)
      .join(' ');
  }

  time(ms: number): string {
    return this.df.format(ms);
  }

  date(ms: number): string {
    return this.dayf.format(ms);
  }

  datetime(ms: number): string {
    return this.dtf.format(ms);
  }

  relative(ms: number, now: number): string {
    const d = (ms - now) / 1000;
    const a = Math.abs(d);
    if (a < 45) return this.rtf.format(0, 'second');
    if (a < 3600) return this.rtf.format(Math.round(d / 60), 'minute');
    if (a < 86400) return this.rtf.format(Math.round(d / 3600), 'hour');
    return this.rtf.format(Math.round(d / 86400), 'day');
  }

  /** Formats one bound value; `unit` comes from the field catalogue. */
  value(v: unknown, format: FormatName | null, arg: string | null, unit: FieldUnit, now: number): string {
    if (v === null || v === undefined) return MISSING;
    if (typeof v === 'boolean') return v ? 'yes' : 'no';
    if (typeof v === 'string') return this.str(v, format);
    if (typeof v !== 'number' || !Number.isFinite(v)) return MISSING;
    return this.number(v, format ?? defaultFormat(unit), arg, unit, now);
  }

  private str(v: string, format: FormatName | null): string {
    if (format === 'upper') return v.toLocaleUpperCase(this.locale);
    if (format === 'capital') return v.charAt(0).toLocaleUpperCase(this.locale) + v.slice(1);
    return v;
  }

  private number(v: number, f: FormatName, arg: string | null, unit: FieldUnit, now: number): string {
    const digits = arg !== null && /^\d$/.test(arg) ? Number(arg) : null;
    switch (f) {
      case 'int':
        return this.num(Math.round(v));
      case 'number':
        return this.num(v, digits ?? 1);
      case 'compact':
        return this.compact(v);
      case 'bytes':
        return this.bytes(v);
      case 'rate':
        return this.bytes(v, '/s');
      case 'bitrate':
        return this.bitrate(unit === 'bytes/s' ? (v * 8) / 1000 : v);
      case 'duration':
        return this.duration(unit === 'ms' || unit === 'epoch-ms' ? v / 1000 : v);
      case 'percent':
        return `${this.num(unit === 'ratio' ? v * 100 : v, digits ?? 0)}%`;
      case 'temp':
        return `${this.num(v, digits ?? 0)}°C`;
      case 'time':
        return this.time(v);
      case 'date':
        return this.date(v);
      case 'datetime':
        return this.datetime(v);
      case 'relative':
        return this.relative(v, now);
      default:
        return this.num(v, 2);
    }
  }
}

export function defaultFormat(unit: FieldUnit): FormatName {
  const byUnit: Record<FieldUnit, FormatName> = {
    count: 'int',
    bytes: 'bytes',
    'bytes/s': 'rate',
    kbps: 'bitrate',
    ms: 'duration',
    s: 'duration',
    ratio: 'percent',
    pct: 'percent',
    celsius: 'temp',
    'epoch-ms': 'time',
    none: 'number',
  };
  return byUnit[unit];
}

export function unitOf(info: FieldInfo | undefined): FieldUnit {
  return info?.unit ?? 'none';
}
