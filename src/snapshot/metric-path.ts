import type { Snapshot } from './schema.js';

/**
 * The value at a `metrics.<name>[.<key>...]` path of a snapshot, or null when the metric is missing
 * or errored: how a template's binding reads a custom metric (render/layout/context.ts).
 */
export function resolveMetricPath(metrics: Snapshot['metrics'], path: string): unknown {
  const [, name = '', ...rest] = path.split('.');
  const m = metrics[name];
  if (!m || m.status !== 'ok') return null;
  let cur: unknown = m.value;
  for (const key of rest) {
    if (cur === null || typeof cur !== 'object') return null;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur ?? null;
}
