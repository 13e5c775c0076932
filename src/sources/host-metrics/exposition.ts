import parsePrometheusTextFormat from 'parse-prometheus-text-format';

/*
 * The Prometheus text exposition format (version 0.0.4, what node_exporter sends for
 * `Accept: text/plain;version=0.0.4`) read with parse-prometheus-text-format. The library leaves
 * values as strings and reads any line it is given; this module picks the families asked for,
 * turns values into numbers and refuses an answer that is not metrics at all.
 */

export type Labels = Readonly<Record<string, string>>;
export interface Sample {
  readonly labels: Labels;
  /** NaN, +Inf and -Inf as the format writes them; callers decide what a non-finite value means. */
  readonly value: number;
}
/** Samples by metric name. A family that was not in the answer is absent, not empty. */
export type Families = ReadonlyMap<string, readonly Sample[]>;

/**
 * A sample line or a TYPE comment, with its metric name (the format's name rule). HELP lines are
 * left out: Marquee never reads them, and the library throws on an empty one ("# HELP name "
 * trimmed), which client_golang writes for a metric registered without help text.
 */
const METRIC_LINE = /^(?:# TYPE )?([a-zA-Z_:][a-zA-Z0-9_:]*)(?:[{ \t]|$)/;

/**
 * The families named in `wanted`, from a text-format answer.
 *
 * Only the lines of those families reach the parser: node_exporter answers 100-400 kB; its own
 * e2e fixture (377 kB) takes the library 13-130 ms here, on the event loop that also serves images,
 * and its selected families 1-4 ms once warm (measured on this 2-core machine, 2026-12).
 */
export function readExposition(text: string, wanted: ReadonlySet<string>): Families {
  if (/^\s*</.test(text)) throw new Error('answered with HTML, not metrics: is host.url the node_exporter /metrics address?');
  const kept: string[] = [];
  let metricLines = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const name = METRIC_LINE.exec(line)?.[1];
    if (name === undefined) continue;
    metricLines++;
    if (wanted.has(name)) kept.push(line);
  }
  if (metricLines === 0) throw new Error('the answer is not in the Prometheus text format');
  let parsed;
  try {
    // The closing newline is the format's (every line ends with one) and the library needs it: it
    // drops the last sample of an input that ends without one.
    parsed = parsePrometheusTextFormat(`${kept.join('\n')}\n`);
  } catch (err) {
    throw new Error(`the answer has a malformed metrics line (${(err as Error).message.slice(0, 200)})`);
  }
  const families = new Map<string, Sample[]>();
  for (const family of parsed) {
    const samples = families.get(family.name) ?? [];
    for (const m of family.metrics) samples.push({ labels: m.labels ?? {}, value: sampleValue(m.value) });
    families.set(family.name, samples);
  }
  return families;
}

/** The format's float: Go's ParseFloat syntax plus +Inf/-Inf/NaN; anything else is NaN. */
function sampleValue(text: string | undefined): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === undefined || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return NaN;
  return Number(text);
}
