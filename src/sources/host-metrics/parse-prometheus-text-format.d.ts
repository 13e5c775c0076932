/**
 * Types for parse-prometheus-text-format 1.1.1, which ships none: the shape its README documents
 * (prom2json-compatible), limited to what Marquee reads. Values stay strings, as the library leaves
 * them ("+Inf", "NaN" included).
 */
declare module 'parse-prometheus-text-format' {
  export interface PromSample {
    value?: string;
    labels?: Record<string, string>;
    timestamp_ms?: string;
    /** Summaries and histograms only. */
    count?: string;
    sum?: string;
    quantiles?: Record<string, string>;
    buckets?: Record<string, string>;
  }
  export interface PromFamily {
    name: string;
    help: string;
    /** Upper case: COUNTER, GAUGE, SUMMARY, HISTOGRAM or UNTYPED. */
    type: string;
    metrics: PromSample[];
  }
  /** Throws (InvalidLineError) on a line it cannot read. */
  export default function parsePrometheusTextFormat(text: string): PromFamily[];
}
