import { z } from 'zod';
import type { FieldCatalogue } from '../../snapshot/fields.js';
import { formatNames } from '../format.js';
import { templateFileSchema } from '../template/schema.js';
import { themeFileSchema } from '../theme/schema.js';

/**
 * Reference material generated from the same schemas and catalogue the loader uses, so the docs
 * and editor completion can never drift from what start-up accepts.
 */

function jsonSchema(schema: z.ZodType, title: string): string {
  const s = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...s, title }, null, 2)}\n`;
}

export const templateJsonSchema = (): string => jsonSchema(templateFileSchema, 'Marquee template');
export const themeJsonSchema = (): string => jsonSchema(themeFileSchema, 'Marquee theme');

export function fieldsMarkdown(catalogue: FieldCatalogue): string {
  const rows = [...catalogue.values()].map(
    (f) => `| \`${f.path}\` | ${f.type} | ${f.unit} | ${f.identifying ? 'yes' : ''} | ${f.description} |`,
  );
  return [
    '# Bindable fields',
    '',
    'Generated from `src/snapshot/fields.ts`; do not edit by hand.',
    'Use a field in a template text as `{path}` or `{path|format}` (for example `{activity.bandwidthKbps.total|bitrate}`).',
    'Without a format the unit decides: counts get locale grouping, bytes TB/GB, kbps Mbps, seconds durations, pct/ratio percentages, epoch-ms a time of day.',
    `Formats: ${formatNames.map((f) => `\`${f}\``).join(', ')}. \`number:2\` and \`percent:1\` take a digit count.`,
    "`{title}` is the template title (or the request's). `series.*` fields only feed sparklines; `list` fields only list widgets.",
    'Custom metrics appear as `metrics.<name>`. "Identifying" fields can name a person or what they watch.',
    '',
    '| path | type | unit | identifying | description |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
