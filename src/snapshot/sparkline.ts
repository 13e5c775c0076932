import type { HistoryPoint } from './schema.js';

/** A network row's sparkline: the 24 hours before its snapshot, in half hours. */
export const SPARK_SLOTS = 48;
export const HALF_HOUR_MS = 1_800_000;

/**
 * The highest stream count of each half hour of the 24 h before `now`, oldest first: the half hours
 * end at `now` ((now-30m, now], (now-60m, now-30m], ...). Half hours before the first point are left
 * out, later empty ones count 0. The one definition the collector uses for each network row's
 * `sparkline` and the network template for a row drawn from the store's history.
 */
export function halfHourMaxima(history: readonly HistoryPoint[], now: number): number[] {
  const from = now - SPARK_SLOTS * HALF_HOUR_MS;
  const slots: (number | null)[] = new Array<number | null>(SPARK_SLOTS).fill(null);
  for (const p of history) {
    if (!(p.at > from && p.at <= now) || !Number.isFinite(p.streams)) continue;
    const i = Math.min(SPARK_SLOTS - 1, Math.ceil((p.at - from) / HALF_HOUR_MS) - 1);
    slots[i] = Math.max(slots[i] ?? 0, p.streams);
  }
  const first = slots.findIndex((v) => v !== null);
  return first < 0 ? [] : slots.slice(first).map((v) => v ?? 0);
}
