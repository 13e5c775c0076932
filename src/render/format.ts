import type { FieldInfo, FieldUnit } from '../snapshot/fields.js';
import type { Messages } from './i18n/catalogue.js';

/**
 * Format helpers for bound values. All locale and time-zone work goes through Intl with an
 * explicit locale and zone (defaults 'en' and 'UTC'), never the host's, so output is the same on
 * every machine. `now` is an argument: relative times are pure.
 */
export const formatNames = [
  'int',
  'number',
  'compact',
  /** `{path|count:movie}`: the number with its noun, from the catalogue's "count.movie". */
  'count',
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

/** Binary multiples (what Plex and Tautulli show) with CLDR's unit names: KB, MB, GB; Ko, Mo, Go in French. */
const BYTE_UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte', 'petabyte'] as const;

export class Formatter {
  readonly locale: string;
  readonly timeZone: string;
  private readonly nf = new Map<string, Intl.NumberFormat>();
  private readonly df: Intl.DateTimeFormat;
  private readonly dayf: Intl.DateTimeFormat;
  private readonly dtf: Intl.DateTimeFormat;
  private readonly rtf: Intl.RelativeTimeFormat;
  private readonly lists: Intl.ListFormat;
  private readonly unitLists: Intl.ListFormat;
  private readonly dayKeyf: Intl.DateTimeFormat;
  private readonly dayRtf: Intl.RelativeTimeFormat;
  /** Names of days and hours, formatted in UTC from fixed dates (they are names, not times). */
  private readonly utcDates = new Map<string, Intl.DateTimeFormat>();

  /** `msg` supplies the words (plural nouns, yes/no); numbers, units, dates and lists come from Intl. */
  constructor(
    locale: string | undefined,
    timeZone: string | undefined,
    readonly msg: Messages,
  ) {
    this.locale = safeLocale(locale);
    this.timeZone = safeZone(timeZone);
    const base = { timeZone: this.timeZone } as const;
    this.df = new Intl.DateTimeFormat(this.locale, { ...base, hour: 'numeric', minute: '2-digit' });
    this.dayf = new Intl.DateTimeFormat(this.locale, { ...base, day: 'numeric', month: 'short' });
    this.dtf = new Intl.DateTimeFormat(this.locale, { ...base, day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' });
    this.rtf = new Intl.RelativeTimeFormat(this.locale, { numeric: 'auto', style: 'short' });
    this.lists = new Intl.ListFormat(this.locale, { type: 'unit', style: 'short' });
    this.unitLists = new Intl.ListFormat(this.locale, { type: 'unit', style: 'narrow' });
    // en-CA writes dates as YYYY-MM-DD: a sortable key for the calendar day in the configured zone.
    this.dayKeyf = new Intl.DateTimeFormat('en-CA', { ...base, year: 'numeric', month: '2-digit', day: '2-digit' });
    this.dayRtf = new Intl.RelativeTimeFormat(this.locale, { numeric: 'auto' });
  }

  private format(key: string, opts: Intl.NumberFormatOptions): Intl.NumberFormat {
    let f = this.nf.get(key);
    if (!f) {
      f = new Intl.NumberFormat(this.locale, opts);
      this.nf.set(key, f);
    }
    return f;
  }

  /** Locale number with grouping and at most `digits` fraction digits. */
  num(v: number, digits = 0): string {
    return this.format(`n${digits}`, { maximumFractionDigits: digits }).format(v);
  }

  /** CLDR's short compact form: 12.3K, 12,3 k, 1,2 万. */
  compact(v: number): string {
    return this.format('compact', { notation: 'compact', maximumFractionDigits: 1 }).format(v);
  }

  /** A number with a CLDR unit ("megabit-per-second", "celsius"), short unless asked otherwise. */
  unit(v: number, unit: string, digits: number, display: 'short' | 'narrow' = 'short'): string {
    return this.format(`u${unit}${digits}${display}`, { style: 'unit', unit, unitDisplay: display, maximumFractionDigits: digits }).format(
      v,
    );
  }

  /** Binary multiples, as Plex and Tautulli count them; `perSecond` for a rate. */
  bytes(v: number, perSecond = false): string {
    let i = 0;
    let x = Math.abs(v);
    while (x >= 1024 && i < BYTE_UNITS.length - 1) {
      x /= 1024;
      i++;
    }
    const unit = `${BYTE_UNITS[i] ?? 'byte'}${perSecond ? '-per-second' : ''}`;
    return this.unit(Math.sign(v) * x, unit, i === 0 || x >= 100 ? 0 : 1);
  }

  bitrate(kbps: number): string {
    if (kbps >= 1_000_000) return this.unit(kbps / 1_000_000, 'gigabit-per-second', 1);
    if (kbps >= 1000) return this.unit(kbps / 1000, 'megabit-per-second', 1);
    return this.unit(kbps, 'kilobit-per-second', 0);
  }

  /** The two largest units, CLDR's narrow forms: "3d 4h" in English, "3 j 4 h" in French. */
  duration(seconds: number): string {
    const s = Math.max(0, Math.round(seconds));
    const parts: [number, string][] = [
      [Math.floor(s / 86400), 'day'],
      [Math.floor((s % 86400) / 3600), 'hour'],
      [Math.floor((s % 3600) / 60), 'minute'],
      [s % 60, 'second'],
    ];
    const first = parts.findIndex(([n]) => n > 0);
    if (first < 0) return this.unit(0, 'second', 0, 'narrow');
    return this.unitLists.format(
      parts
        .slice(first, first + 2)
        .filter(([n], i) => i === 0 || n > 0)
        .map(([n, u]) => this.unit(n, u, 0, 'narrow')),
    );
  }

  /** "2 movies, 1 episode, 1 track": the language's own list of units. */
  list(items: readonly string[]): string {
    return this.lists.format(items);
  }

  /** A counted noun from the catalogue ("count.movie": "{n} movies"), the form chosen by plural rules. */
  count(n: number, noun: string): string {
    return this.msg.t(`count.${noun}`, { n: this.num(n) }, n);
  }

  percent(v: number, digits = 0): string {
    return this.format(`p${digits}`, { style: 'percent', maximumFractionDigits: digits }).format(v);
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

  /** The weekday `i` (0 = Sunday, as Tautulli counts them) in the locale's own short or narrow form. */
  weekday(i: number, width: 'short' | 'narrow' = 'short'): string {
    // 2023-01-01 was a Sunday; formatted in UTC so the zone cannot move it to another day.
    return this.dateFormat(`w${width}`, { weekday: width }).format(Date.UTC(2023, 0, 1 + (((i % 7) + 7) % 7)));
  }

  /** An hour of the day (0-23) as the locale writes it on a clock: "6 PM", "18 h", "18時". */
  hour(h: number): string {
    return this.dateFormat('h', { hour: 'numeric' }).format(Date.UTC(2023, 0, 1, h));
  }

  private dateFormat(key: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
    let f = this.utcDates.get(key);
    if (!f) {
      f = new Intl.DateTimeFormat(this.locale, { ...opts, timeZone: 'UTC' });
      this.utcDates.set(key, f);
    }
    return f;
  }

  /** The calendar day of `ms` in the configured zone, as a sortable key (2026-11-22). */
  dayKey(ms: number): string {
    return this.dayKeyf.format(ms);
  }

  /** "today", "yesterday", else the short date: the day of `ms` seen from `now`, in the configured zone. */
  day(ms: number, now: number): string {
    const days = Math.round((Date.parse(this.dayKey(now)) - Date.parse(this.dayKey(ms))) / 86_400_000);
    return days >= 0 && days <= 1 ? this.dayRtf.format(-days, 'day') : this.date(ms);
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
    if (typeof v === 'boolean') return this.msg.t(v ? 'value.yes' : 'value.no');
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
      case 'count':
        return this.count(Math.round(v), arg ?? '');
      case 'bytes':
        return this.bytes(v);
      case 'rate':
        return this.bytes(v, true);
      case 'bitrate':
        return this.bitrate(unit === 'bytes/s' ? (v * 8) / 1000 : v);
      case 'duration':
        return this.duration(unit === 'ms' || unit === 'epoch-ms' ? v / 1000 : v);
      case 'percent':
        return this.percent((unit === 'ratio' ? v * 100 : v) / 100, digits ?? 0);
      case 'temp':
        return this.unit(v, 'celsius', digits ?? 0);
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
