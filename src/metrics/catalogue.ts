import type { FieldInfo, FieldType } from '../snapshot/fields.js';
import type { Snapshot } from '../snapshot/schema.js';
import { type ColumnType, declaredColumns, isIdentifying, type MetricDefs, type MetricSource } from './config.js';

/**
 * How custom metrics appear to templates, the privacy inventory and /health.
 *
 * Paths follow the renderer's existing rule (`metrics.<name>` is the value of an ok metric):
 * a scalar binds as `metrics.<name>`, a row's columns as `metrics.<name>.<column>`, and a table as
 * the list `metrics.<name>`.
 */
export interface MetricField extends FieldInfo {
  source: MetricSource;
}

const fieldType: Record<ColumnType, FieldType> = { integer: 'int', real: 'number', text: 'string' };

export function metricFields(defs: MetricDefs): MetricField[] {
  return Object.entries(defs).flatMap(([name, def]): MetricField[] => {
    const base = { source: def.source, identifying: isIdentifying(def) };
    const what = def.description || `Custom metric ${name}`;
    const cols = declaredColumns(def);
    if (def.returns === 'scalar') {
      return [{ ...base, path: `metrics.${name}`, type: fieldType[cols.value!.type], unit: def.unit, description: what }];
    }
    if (def.returns === 'table') {
      const list = Object.entries(cols)
        .map(([c, d]) => `${c} (${d.type})`)
        .join(', ');
      return [{ ...base, path: `metrics.${name}`, type: 'list', unit: 'none', description: `${what}; rows of ${list}` }];
    }
    return Object.entries(cols).map(([c, d]) => ({
      ...base,
      path: `metrics.${name}.${c}`,
      type: fieldType[d.type],
      unit: d.unit,
      description: d.description ? `${what}: ${d.description}` : `${what}: ${c}`,
    }));
  });
}

// The renderer reads metric values through the snapshot's own accessor, never through metrics/.
export { resolveMetricPath } from '../snapshot/metric-path.js';

/** One /health observation for a metric, in the shape server/health.ts reports (metrics/ does not import server/). */
export interface MetricHealthCheck {
  status: 'pass' | 'warn';
  componentType: 'component';
  time: string;
  output?: string;
}

/** /health entries, one per metric (`metric:<name>`): a failing metric warns, it does not fail Marquee. */
export function metricsHealthChecks(metrics: Snapshot['metrics'], takenAt: number): Record<string, MetricHealthCheck[]> {
  return Object.fromEntries(
    Object.entries(metrics).map(([name, m]): [string, MetricHealthCheck[]] => [
      `metric:${name}`,
      [
        {
          status: m.status === 'ok' ? 'pass' : 'warn',
          componentType: 'component',
          time: new Date(takenAt).toISOString(),
          ...(m.error ? { output: m.error } : {}),
        },
      ],
    ]),
  );
}
