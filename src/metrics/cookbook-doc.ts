import YAML from 'yaml';
import {
  MAX_RESULT_BYTES,
  MAX_ROWS_DEFAULT,
  MAX_ROWS_MAX,
  MAX_VALUE_BYTES,
  TIMEOUT_MS_DEFAULT,
  TIMEOUT_MS_MAX,
  fieldUnits,
} from './config.js';
import { QUERY_PROCESS_MAX_RSS_BYTES } from './sandbox.js';
import { cookbook } from './cookbook.js';
import { builtinParamNames } from './params.js';

/**
 * docs/cookbook.md, generated from cookbook.ts so the documented examples are exactly the tested
 * ones. Regenerate with `npm run cookbook` (scripts/cookbook.ts); a test fails when the file is stale.
 */

const paramDocs: Record<(typeof builtinParamNames)[number], string> = {
  now: 'the cycle time, epoch seconds (Plex and Tautulli timestamps are seconds)',
  now_ms: 'the cycle time, epoch milliseconds (`history_points.at` is milliseconds)',
  since_24h: '`:now` minus 24 hours, epoch seconds',
  since_7d: '`:now` minus 7 days, epoch seconds',
  since_30d: "`:now` minus 30 days, epoch seconds (Tautulli's default stats window)",
  day_start: 'local midnight today, epoch seconds',
  month_start: 'local midnight on the first of this month, epoch seconds',
  tz_offset: "a SQLite date modifier such as `'+120 minutes'`: `strftime('%H', started, 'unixepoch', :tz_offset)`",
  tz_offset_s: 'the same offset in seconds, for arithmetic on epoch columns',
  server:
    "the id of the server the metric runs for (`default` without a `servers:` list): `history_points` holds every server's points, so filter `WHERE server = :server`",
};

const intro = `# Custom metrics cookbook

Generated from \`src/metrics/cookbook.ts\`; do not edit by hand (regenerate: \`npm run cookbook\`).
Every example below runs in the test suite against the demo databases and is checked against an
independent computation over the raw rows.

A custom metric is a named, read-only SQL query over one database: \`plex\` (the Plex library DB),
\`tautulli\` (the Tautulli DB) or \`marquee\` (Marquee's own store, \`marquee.db\`, whose table
\`history_points(at INTEGER epoch ms, streams, transcodes, bandwidth_kbps, cpu_pct, mem_pct, temperature_c, server TEXT)\`
holds one point per collection cycle and server). Its result lands in the snapshot under \`metrics.<name>\` and
binds in templates like any built-in field.

## Definition

- \`source\`: \`plex\`, \`tautulli\` or \`marquee\`
- \`sql\`: one SELECT (or WITH … SELECT, VALUES) statement
- \`returns\`: \`scalar\` (one value), \`row\` (one row, or null when there is none) or \`table\` (a list of rows)
- \`type\`: scalar only: \`integer\`, \`real\` or \`text\`
- \`columns\`: row and table only: every returned column, \`name: type\` or \`name: { type, unit, description }\`
- \`unit\`: scalar only; columns carry their own. One of ${fieldUnits.map((u) => `\`${u}\``).join(', ')} (default \`none\`)
- \`description\`: shown in the field catalogue and on /privacy
- \`timeoutMs\`: time budget, default ${TIMEOUT_MS_DEFAULT}, at most ${TIMEOUT_MS_MAX}
- \`maxRows\`: table only: more rows is an error, default ${MAX_ROWS_DEFAULT}, at most ${MAX_ROWS_MAX} (scalar and row allow one)
- \`identifying\`: true if a value can name a person or what they watch; unset means true when any value is text
- \`readsPrivateSections\`: needed (\`true\`) for a Plex or Tautulli metric that reads library rows while
  \`privacy.privateSections\` is set. Marquee cannot filter a query by section, so the private sections'
  rows count in its value unless the SQL leaves them out; this says the owner has seen to that

NULL is accepted for every type. Metric names are lower-case letters, digits and \`_\`, starting with a letter.

## Parameters

Values are bound by SQLite, never pasted into the SQL, and only these exist:

${builtinParamNames.map((n) => `- \`:${n}\`: ${paramDocs[n]}`).join('\n')}

## Binding in templates

- scalar: \`{metrics.<name>}\`, formatted by its unit (\`{metrics.movie_library_bytes}\` prints TB/GB);
- row: \`{metrics.<name>.<column>}\`, e.g. \`{metrics.top_user_by_watch_time.watch_time_s}\`;
- table: \`metrics.<name>\` is a list of rows.

A metric that fails shows as missing (the template's placeholder), never as a broken image.

## What is refused, and when

At start-up and in \`marquee check-config\`, each statement is prepared on a read-only connection
without being run. A definition is refused, with the metric's name and the reason, for: a syntax
error; more than one statement; a statement SQLite reports as writing; ATTACH, DETACH, PRAGMA or
anything else that is not a query; \`load_extension()\`; an unknown table, column or parameter;
positional \`?\` parameters; declared columns that differ from the returned ones; a column whose
stored type contradicts its declared type; reading secrets or data Marquee never collects (tokens,
e-mail and IP addresses, device ids, player and device names, avatar URLs, file paths; see /privacy)
or any JSON blob (Tautulli's \`raw_stream_info\` and \`*_json\` lookups, Plex's \`extra_data\`), even only
to filter or count; reading library rows while \`privacy.privateSections\` is set, unless
\`readsPrivateSections: true\`.

While running, each query has its own time budget and row cap in a separate query process: a query
past its budget is stopped (the process is killed and replaced), one returning more rows than
allowed is stopped at the cap, and a value of the wrong type fails the metric. A text or blob value
longer than ${MAX_VALUE_BYTES} bytes (UTF-8) or a result over ${MAX_RESULT_BYTES / 1024} KiB in all fails the
metric before it leaves the query process, and the process is killed past ${QUERY_PROCESS_MAX_RSS_BYTES / 1024 / 1024} MB of memory:
an oversized value is never stored or served, not even cut. A failing metric is
\`{ "status": "error", "error": "…" }\` in the snapshot and a warning on /health; the rest of the
snapshot is unaffected.

## Examples
`;

export function cookbookMarkdown(): string {
  const sections = cookbook.map((e) =>
    [
      `### ${e.title}`,
      '',
      e.about,
      '',
      '```yaml',
      YAML.stringify({ metrics: { [e.name]: e.def } }, { lineWidth: 0 }).trimEnd(),
      '```',
      '',
    ].join('\n'),
  );
  return `${intro}\n${sections.join('\n')}`;
}
