/**
 * Maps plays counted per UTC hour slot (epoch seconds / 3600) to local hour-of-day and local-day
 * buckets in a configured IANA time zone. Every real zone offset is a whole number of quarter hours
 * and changes at most a few times a year, so asking Intl once per slot (<= 720 slots for 30 days)
 * is exact across DST changes and cheap, unlike formatting every play.
 */
export interface HourBuckets {
  byHour: number[];
  byDay: { date: string; plays: number }[];
}

export function bucketHourSlots(
  slots: ReadonlyArray<{ slot: number; plays: number }>,
  options: { now: number; days: number; timeZone: string },
): HourBuckets {
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone: options.timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    hourCycle: 'h23',
  });
  const local = (epochMs: number) => {
    const parts = Object.fromEntries(format.formatToParts(epochMs).map((p) => [p.type, p.value]));
    return { date: `${parts.year}-${parts.month}-${parts.day}`, hour: Number(parts.hour) };
  };
  const byHour = new Array<number>(24).fill(0);
  const days = new Map<string, number>();
  // Fill every local day of the window so missing days read as 0, as Tautulli's graphs do.
  for (let i = options.days - 1; i >= 0; i--) days.set(local(options.now - i * 86_400_000).date, 0);
  for (const { slot, plays } of slots) {
    // Quarter-hour offsets (e.g. Asia/Kathmandu) can split a UTC hour; the slot's midpoint decides.
    const at = local(slot * 3_600_000 + 1_800_000);
    byHour[at.hour]! += plays;
    if (days.has(at.date)) days.set(at.date, days.get(at.date)! + plays);
  }
  return { byHour, byDay: [...days].map(([date, plays]) => ({ date, plays })) };
}
