/** Custom SQL metrics (issue 7): what the rest of Marquee needs, in one import. */
export {
  metricsConfigSchema,
  metricDefSchema,
  isIdentifying,
  type MetricDef,
  type MetricDefs,
  type MetricDbPaths,
  type MetricSource,
} from './config.js';
export { validateMetrics, formatProblem, STORE_SCHEMA, type MetricProblem } from './validate.js';
export { MetricsRunner, type MetricsRunnerOptions } from './runner.js';
export { metricFields, resolveMetricPath, metricsHealthChecks, type MetricField } from './catalogue.js';
export { builtinParamNames, tzOffsetMinutesAt } from './params.js';
export { cookbook } from './cookbook.js';
