import { z } from 'zod';
import type { FieldUnit } from '../snapshot/fields.js';

/**
 * The `metrics:` config key: named, read-only SQL queries over one of three databases. This file
 * is only the shape; whether the SQL is acceptable is decided by SQLite itself in validate.ts.
 */

export const metricSources = ['plex', 'tautulli', 'marquee'] as const;
export type MetricSource = (typeof metricSources)[number];

export const metricShapes = ['scalar', 'row', 'table'] as const;
export const columnTypes = ['integer', 'real', 'text'] as const;
export type ColumnType = (typeof columnTypes)[number];

/** Mirrors FieldUnit in snapshot/fields.ts; the assertion below breaks the build if they drift. */
export const fieldUnits = ['count', 'bytes', 'bytes/s', 'kbps', 'ms', 's', 'ratio', 'pct', 'celsius', 'epoch-ms', 'none'] as const;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const unitsMatch: Same<(typeof fieldUnits)[number], FieldUnit> = true;
void unitsMatch;

export const metricNamePattern = /^[a-z][a-z0-9_]*$/;
/** Column names become template paths (`metrics.<name>.<column>`), so no dots or spaces. */
const columnNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const TIMEOUT_MS_DEFAULT = 2000;
export const TIMEOUT_MS_MAX = 10_000;
export const MAX_ROWS_DEFAULT = 100;
export const MAX_ROWS_MAX = 1000;
/**
 * A metric's value lands in every stored snapshot, every .json and every Sheet row, so its size is
 * capped where the query runs: one text value (UTF-8) at 4 KiB, a whole result at 256 KiB (a
 * 1000-row table of a title and a few numbers is ~100 KiB). A larger result errors; it is never cut.
 */
export const MAX_VALUE_BYTES = 4096;
export const MAX_RESULT_BYTES = 256 * 1024;

const columnTypeSchema = z.enum(columnTypes);
const unitSchema = z.enum(fieldUnits);

/** A column is declared by its type alone, or with a unit and description for the catalogue. */
const columnSchema = z.union([
  columnTypeSchema.transform((type) => ({ type, unit: 'none' as const, description: '' })),
  z.strictObject({ type: columnTypeSchema, unit: unitSchema.default('none'), description: z.string().default('') }),
]);

export const metricDefSchema = z
  .strictObject({
    source: z.enum(metricSources),
    sql: z.string().trim().min(1, 'must not be empty'),
    returns: z.enum(metricShapes),
    /** Row and table metrics: every column the query returns, by name. */
    columns: z.record(z.string().regex(columnNamePattern, 'column names are letters, digits and _'), columnSchema).optional(),
    /** Scalar metrics: the type of the single value. */
    type: columnTypeSchema.optional(),
    /** Scalar metrics: how the value reads (a column's own unit applies to row/table columns). */
    unit: unitSchema.default('none'),
    description: z.string().default(''),
    timeoutMs: z.number().int().min(10).max(TIMEOUT_MS_MAX).default(TIMEOUT_MS_DEFAULT),
    /** Table metrics: more rows than this is an error (not a silent cut). Scalar and row allow one. */
    maxRows: z.number().int().min(1).max(MAX_ROWS_MAX).default(MAX_ROWS_DEFAULT),
    /** Privacy: true if a value can name a person or what they watch. Unset: true when any value is text. */
    identifying: z.boolean().optional(),
    /**
     * Privacy: the owner's word that this metric may read rows of privacy.privateSections (and leaves
     * them out in its SQL if they must not show). Marquee cannot filter a query by section, so a
     * metric over section rows is refused while privateSections is set, unless this is true.
     */
    readsPrivateSections: z.boolean().default(false),
  })
  .superRefine((d, ctx) => {
    if (d.returns === 'scalar') {
      if (!d.type)
        ctx.addIssue({ code: 'custom', path: ['type'], message: 'a scalar metric must declare its type (integer, real or text)' });
      if (d.columns) ctx.addIssue({ code: 'custom', path: ['columns'], message: 'a scalar metric declares `type`, not `columns`' });
    } else {
      if (!d.columns || Object.keys(d.columns).length === 0) {
        ctx.addIssue({ code: 'custom', path: ['columns'], message: `a ${d.returns} metric must declare its columns and their types` });
      }
      if (d.type) ctx.addIssue({ code: 'custom', path: ['type'], message: `a ${d.returns} metric declares \`columns\`, not \`type\`` });
    }
  });

export const metricsConfigSchema = z.record(
  z.string().regex(metricNamePattern, 'metric names are lower-case letters, digits and _, starting with a letter'),
  metricDefSchema,
);

export type MetricDefInput = z.input<typeof metricDefSchema>;
export type MetricDef = z.output<typeof metricDefSchema>;
export type MetricDefs = Readonly<Record<string, MetricDef>>;
export type ColumnDef = { type: ColumnType; unit: FieldUnit; description: string };

/** The declared columns in one shape for every kind of metric (a scalar is one column, `value`). */
export function declaredColumns(def: MetricDef): Record<string, ColumnDef> {
  if (def.returns === 'scalar') return { value: { type: def.type ?? 'text', unit: def.unit, description: def.description } };
  return def.columns ?? {};
}

/** Privacy by default: text can carry a name or a title, so a metric returning text is identifying unless its owner says not. */
export function isIdentifying(def: MetricDef): boolean {
  return def.identifying ?? Object.values(declaredColumns(def)).some((c) => c.type === 'text');
}

export interface MetricDbPaths {
  plex?: string | undefined;
  tautulli?: string | undefined;
  marquee?: string | undefined;
}

/** Where the lead's config keeps each path; used to say which key to set when one is missing. */
export const sourceConfigKey: Record<MetricSource, string> = { plex: 'plex.db', tautulli: 'tautulli.db', marquee: 'dataDir (marquee.db)' };
