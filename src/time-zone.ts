/**
 * A zone's UTC offset at an instant, from Intl: the one place Marquee asks it. Formatters are kept per
 * zone (constructing one costs ~100x a format call), and a collection cycle asks a few hundred times.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Seconds to add to epoch second `epochS` to get the wall-clock time in `timeZone` then. */
export function utcOffsetSeconds(timeZone: string, epochS: number): number {
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(epochS * 1000)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) / 1000 - epochS;
}
